/*
 * log: one line per event on stderr, with a timestamp, the program name and
 * the pid.  Every process of the system logs the same way so that journald,
 * a shared-hosting error log and the dev stack's log files all read alike.
 * Nothing that could be a secret (API keys, conninfo passwords) is ever
 * passed here.
 */
#ifndef ACLOUD_LOG_H
#define ACLOUD_LOG_H

enum log_level {
	LOG_DEBUG_LEVEL,
	LOG_INFO_LEVEL,
	LOG_WARN_LEVEL,
	LOG_ERROR_LEVEL
};

void log_init(const char *program);
/* A forked child calls this so its lines carry its own pid. */
void log_after_fork(void);
void log_set_level(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG_LEVEL, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO_LEVEL, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN_LEVEL, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR_LEVEL, __VA_ARGS__)

#endif
