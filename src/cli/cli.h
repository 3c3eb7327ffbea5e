/*
 * cli: what every part of `acloud` shares: the exit codes (documented in
 * acloud(1), scripts depend on them) and the parsed command line.  The
 * parts are layered: main -> cmd_* -> wait -> http / output / input /
 * config -> args; nothing calls upward.
 */
#ifndef ACLOUD_CLI_H
#define ACLOUD_CLI_H

#include <stdbool.h>
#include <stddef.h>

/* Exit codes: the ones listed in acloud(1), exactly. */
enum cli_exit {
	CLI_OK = 0,       /* success */
	CLI_TASK = 1,     /* the task failed, was cancelled, or --timeout ran out */
	CLI_USAGE = 2,    /* bad command line, or a request the server refused as invalid */
	CLI_AUTH = 3,     /* key missing, unknown, disabled, or refused (403) */
	CLI_NOTFOUND = 4, /* task, device or result not found */
	CLI_RATE = 5,     /* rate limited */
	CLI_SERVER = 6,   /* server or network error */
};

enum cli_cmd {
	CMD_NONE,
	CMD_HELP,
	CMD_VERSION,
	CMD_ME,
	CMD_DEVICES,
	CMD_ENTITY,
	CMD_COMPILE,
	CMD_RUN,
	CMD_STATUS,
	CMD_WAIT,
	CMD_LOG,
	CMD_RESULT,
	CMD_TASKS,
	CMD_SEARCH,
	CMD_CANCEL,
	CMD_DELETE,
	CMD_CONFIG,
};

#define CLI_MAX_POS    64
#define CLI_MAX_FILTER 16

enum cli_format {
	FMT_DEFAULT,
	FMT_CSV,
	FMT_JSON
};

/* The command line, parsed.  Strings point into argv. */
struct cli_args {
	enum cli_cmd cmd;
	bool help;    /* --help: becomes CMD_HELP about cmd */
	bool version; /* --version */
	/* connection */
	const char *url;
	const char *key_file;
	const char *cacert;
	const char *profile;
	bool insecure;
	/* output */
	bool json;
	bool quiet;
	const char *output;
	enum cli_format format;
	/* tasks */
	bool wait;
	bool follow;
	const char *backend;
	const char *device;
	const char *name;
	const char *compile_task;
	double op_time;
	double sample_rate;
	double timeout; /* seconds, 0: none */
	long limit;     /* -1: not given */
	long offset;    /* -1: not given */
	/* search */
	const char *states[CLI_MAX_FILTER];
	size_t n_states;
	const char *devices[CLI_MAX_FILTER];
	size_t n_devices;
	const char *type;
	const char *since;
	const char *until;
	/* positional arguments after the command */
	const char *pos[CLI_MAX_POS];
	size_t n_pos;
};

#endif
