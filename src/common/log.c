/*
 * log: formats and writes log lines.  A line is written with one write(2) so
 * that lines of several worker processes sharing one stderr never interleave.
 */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

static const char *log_program = "acloud";
static enum log_level log_threshold = LOG_INFO_LEVEL;
static pid_t log_pid; /* getpid() is a system call; cached, reset per process */

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void log_init(const char *program)
{
	log_program = program;
	log_pid = getpid();
}

void log_after_fork(void)
{
	log_pid = getpid();
}

void log_set_level(enum log_level level)
{
	log_threshold = level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[2048];
	struct timespec now;
	struct tm tm;
	size_t len;
	int n;
	va_list ap;

	if (level < log_threshold)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	len = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line + len, sizeof(line) - len, ".%03ldZ %s[%d] %s: ", now.tv_nsec / 1000000,
	             log_program, (int)(log_pid ? log_pid : getpid()), level_names[level]);
	if (n > 0)
		len += (size_t)n;
	va_start(ap, fmt);
	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	va_end(ap);
	if (n > 0) {
		size_t start = len;

		len += (size_t)n;
		if (len > sizeof(line) - 2)
			len = sizeof(line) - 2;
		/* One event, one line: multi-line messages (libpq's) are folded. */
		for (size_t i = start; i < len; i++)
			if (line[i] == '\n' || line[i] == '\r')
				line[i] = ' ';
		while (len > start && line[len - 1] == ' ')
			len--;
	}
	line[len++] = '\n';
	if (write(STDERR_FILENO, line, len) < 0)
		return;
}
