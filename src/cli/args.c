/*
 * args: parsing of the command line.  One table says which options exist,
 * whether they take a value and which commands accept them; one table says
 * how many operands each command takes.  Values are checked for form here
 * (numbers are numbers, enums are known); ranges are the server's to judge,
 * so that its 422 reaches the user worded as the server words it.
 */
#include "autoconfig.h"

#include "cli/args.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIT(c)       (1u << (c))
#define ALL_CMDS     0xffffffffu
#define TASK_WAITERS (BIT(CMD_COMPILE) | BIT(CMD_RUN))
#define JSON_CMDS                                                                               \
	(BIT(CMD_ME) | BIT(CMD_DEVICES) | BIT(CMD_COMPILE) | BIT(CMD_RUN) | BIT(CMD_STATUS) |   \
	 BIT(CMD_WAIT) | BIT(CMD_RESULT) | BIT(CMD_TASKS) | BIT(CMD_SEARCH) | BIT(CMD_CANCEL) | \
	 BIT(CMD_DELETE) | BIT(CMD_LOG))

enum opt_id {
	O_URL,
	O_KEY_FILE,
	O_CACERT,
	O_INSECURE,
	O_PROFILE,
	O_JSON,
	O_QUIET,
	O_OUTPUT,
	O_FORMAT,
	O_WAIT,
	O_FOLLOW,
	O_BACKEND,
	O_DEVICE,
	O_NAME,
	O_COMPILE_TASK,
	O_OP_TIME,
	O_SAMPLE_RATE,
	O_TIMEOUT,
	O_LIMIT,
	O_OFFSET,
	O_STATE,
	O_TYPE,
	O_SINCE,
	O_UNTIL,
	O_HELP,
	O_VERSION,
};

struct opt {
	enum opt_id id;
	const char *name; /* long name without "--" */
	char shortname;   /* 0: none */
	bool takes_value;
	unsigned cmds; /* commands that accept it */
};

static const struct opt opts[] = {
	{ O_URL, "url", 0, true, ALL_CMDS },
	{ O_KEY_FILE, "key-file", 0, true, ALL_CMDS },
	{ O_CACERT, "cacert", 0, true, ALL_CMDS },
	{ O_INSECURE, "insecure", 'k', false, ALL_CMDS },
	{ O_PROFILE, "profile", 'p', true, ALL_CMDS },
	{ O_QUIET, "quiet", 'q', false, ALL_CMDS },
	{ O_HELP, "help", 'h', false, ALL_CMDS },
	{ O_VERSION, "version", 0, false, ALL_CMDS },
	{ O_JSON, "json", 0, false, JSON_CMDS },
	{ O_OUTPUT, "output", 'o', true,
	  BIT(CMD_ENTITY) | BIT(CMD_COMPILE) | BIT(CMD_RUN) | BIT(CMD_RESULT) },
	{ O_FORMAT, "format", 0, true, BIT(CMD_RUN) | BIT(CMD_RESULT) },
	{ O_WAIT, "wait", 'w', false, TASK_WAITERS },
	{ O_FOLLOW, "follow", 'f', false, BIT(CMD_LOG) },
	{ O_BACKEND, "backend", 'b', true, BIT(CMD_COMPILE) },
	{ O_DEVICE, "device", 'd', true, BIT(CMD_RUN) | BIT(CMD_SEARCH) },
	{ O_NAME, "name", 'n', true, TASK_WAITERS },
	{ O_COMPILE_TASK, "compile-task", 0, true, BIT(CMD_RUN) },
	{ O_OP_TIME, "op-time", 0, true, BIT(CMD_RUN) },
	{ O_SAMPLE_RATE, "sample-rate", 0, true, BIT(CMD_RUN) },
	{ O_TIMEOUT, "timeout", 't', true, TASK_WAITERS | BIT(CMD_WAIT) | BIT(CMD_LOG) },
	{ O_LIMIT, "limit", 0, true, BIT(CMD_TASKS) | BIT(CMD_SEARCH) },
	{ O_OFFSET, "offset", 0, true, BIT(CMD_TASKS) | BIT(CMD_SEARCH) },
	{ O_STATE, "state", 's', true, BIT(CMD_SEARCH) },
	{ O_TYPE, "type", 0, true, BIT(CMD_SEARCH) },
	{ O_SINCE, "since", 0, true, BIT(CMD_SEARCH) },
	{ O_UNTIL, "until", 0, true, BIT(CMD_SEARCH) },
};

struct cmd_def {
	enum cli_cmd cmd;
	const char *name;
	size_t min_pos, max_pos;
};

static const struct cmd_def cmds[] = {
	{ CMD_HELP, "help", 0, 1 },
	{ CMD_VERSION, "version", 0, 0 },
	{ CMD_ME, "me", 0, 0 },
	{ CMD_DEVICES, "devices", 0, 0 },
	{ CMD_ENTITY, "entity", 1, 1 },
	{ CMD_COMPILE, "compile", 1, 1 },
	{ CMD_RUN, "run", 0, 1 },
	{ CMD_STATUS, "status", 1, 1 },
	{ CMD_WAIT, "wait", 1, CLI_MAX_POS },
	{ CMD_LOG, "log", 1, 1 },
	{ CMD_RESULT, "result", 1, 1 },
	{ CMD_TASKS, "tasks", 0, 0 },
	{ CMD_SEARCH, "search", 0, 0 },
	{ CMD_CANCEL, "cancel", 1, CLI_MAX_POS },
	{ CMD_DELETE, "delete", 1, CLI_MAX_POS },
	{ CMD_CONFIG, "config", 1, 3 },
};

const char *cli_cmd_name(enum cli_cmd cmd)
{
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (cmds[i].cmd == cmd)
			return cmds[i].name;
	return "acloud";
}

static int usage_error(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int usage_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return CLI_USAGE;
}

static const struct cmd_def *find_cmd(const char *name)
{
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

static const struct opt *find_long(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
			return &opts[i];
	return NULL;
}

static const struct opt *find_short(char c)
{
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (opts[i].shortname == c)
			return &opts[i];
	return NULL;
}

static bool parse_number(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return false;
	v = strtod(s, &end);
	if (*end || !isfinite(v))
		return false;
	*out = v;
	return true;
}

static bool parse_count(const char *s, long *out)
{
	char *end;
	long v;

	if (!s || *s < '0' || *s > '9')
		return false;
	v = strtol(s, &end, 10);
	if (*end || v < 0 || v > 1000000000L)
		return false;
	*out = v;
	return true;
}

static int push_filter(const char **list, size_t *n, const char *v, const char *what, char *err,
                       size_t errlen)
{
	if (*n >= CLI_MAX_FILTER)
		return usage_error(err, errlen, "at most %d %s filters", CLI_MAX_FILTER, what);
	list[(*n)++] = v;
	return 0;
}

/* Stores one option's value; 0 or CLI_USAGE. */
static int apply_opt(struct cli_args *a, const struct opt *o, const char *v, char *err,
                     size_t errlen)
{
	switch (o->id) {
	case O_URL:
		a->url = v;
		break;
	case O_KEY_FILE:
		a->key_file = v;
		break;
	case O_CACERT:
		a->cacert = v;
		break;
	case O_INSECURE:
		a->insecure = true;
		break;
	case O_PROFILE:
		a->profile = v;
		break;
	case O_JSON:
		a->json = true;
		break;
	case O_QUIET:
		a->quiet = true;
		break;
	case O_OUTPUT:
		a->output = v;
		break;
	case O_WAIT:
		a->wait = true;
		break;
	case O_FOLLOW:
		a->follow = true;
		break;
	case O_BACKEND:
		a->backend = v;
		break;
	case O_NAME:
		a->name = v;
		break;
	case O_COMPILE_TASK:
		a->compile_task = v;
		break;
	case O_TYPE:
		a->type = v;
		break;
	case O_SINCE:
		a->since = v;
		break;
	case O_UNTIL:
		a->until = v;
		break;
	case O_HELP:
		a->help = true;
		break;
	case O_VERSION:
		a->version = true;
		break;
	case O_FORMAT:
		if (strcmp(v, "csv") == 0)
			a->format = FMT_CSV;
		else if (strcmp(v, "json") == 0)
			a->format = FMT_JSON;
		else
			return usage_error(err, errlen, "--format: csv or json, not '%s'", v);
		break;
	case O_DEVICE:
		if (a->cmd == CMD_SEARCH)
			return push_filter(a->devices, &a->n_devices, v, "--device", err, errlen);
		a->device = v;
		break;
	case O_STATE:
		return push_filter(a->states, &a->n_states, v, "--state", err, errlen);
	case O_OP_TIME:
		if (!parse_number(v, &a->op_time))
			return usage_error(err, errlen, "--op-time: not a number: '%s'", v);
		break;
	case O_SAMPLE_RATE:
		if (!parse_number(v, &a->sample_rate))
			return usage_error(err, errlen, "--sample-rate: not a number: '%s'", v);
		break;
	case O_TIMEOUT:
		if (!parse_number(v, &a->timeout) || a->timeout < 0)
			return usage_error(err, errlen, "--timeout: not a number of seconds: '%s'",
			                   v);
		break;
	case O_LIMIT:
		if (!parse_count(v, &a->limit))
			return usage_error(err, errlen, "--limit: not a count: '%s'", v);
		break;
	case O_OFFSET:
		if (!parse_count(v, &a->offset))
			return usage_error(err, errlen, "--offset: not a count: '%s'", v);
		break;
	}
	return 0;
}

/* An option seen before the command is known is checked once it is. */
struct pending {
	const struct opt *o;
	const char *v;
	const char *spelling;
};

static int take_opt(struct cli_args *a, const struct opt *o, const char *v, const char *spelling,
                    char *err, size_t errlen)
{
	if (a->cmd != CMD_NONE && a->cmd != CMD_HELP && !(o->cmds & BIT(a->cmd)))
		return usage_error(err, errlen, "%s: no such option for '%s'", spelling,
		                   cli_cmd_name(a->cmd));
	return apply_opt(a, o, v, err, errlen);
}

static void args_init(struct cli_args *a)
{
	memset(a, 0, sizeof *a);
	a->limit = -1;
	a->offset = -1;
	a->op_time = NAN; /* not given: the server's default */
	a->sample_rate = NAN;
}

/* One "--name[=value]" or "-x [value]" at argv[*i]; advances *i past a
 * separate value. */
static int parse_one_opt(int argc, char **argv, int *i, struct pending *p, char *err, size_t errlen)
{
	const char *arg = argv[*i];
	const char *eq = NULL;

	if (arg[1] == '-') {
		eq = strchr(arg + 2, '=');
		p->o = find_long(arg + 2, eq ? (size_t)(eq - arg - 2) : strlen(arg + 2));
	} else {
		p->o = arg[2] ? NULL : find_short(arg[1]);
	}
	p->spelling = arg;
	if (!p->o)
		return usage_error(err, errlen, "unknown option '%s'", arg);
	p->v = NULL;
	if (!p->o->takes_value) {
		if (eq)
			return usage_error(err, errlen, "--%s takes no value", p->o->name);
		return 0;
	}
	if (eq) {
		p->v = eq + 1;
	} else {
		if (*i + 1 >= argc)
			return usage_error(err, errlen, "%s needs a value", arg);
		p->v = argv[++*i];
	}
	return 0;
}

static int check_operands(const struct cli_args *a, char *err, size_t errlen)
{
	const struct cmd_def *d = find_cmd(cli_cmd_name(a->cmd));

	if (a->n_pos < d->min_pos)
		return usage_error(err, errlen, "'%s' needs %s", d->name,
		                   d->max_pos > 1 ? "at least one operand" : "an operand");
	if (a->n_pos > d->max_pos)
		return usage_error(err, errlen, "'%s': too many operands", d->name);
	if (a->cmd == CMD_RUN) {
		if ((a->n_pos == 1) == (a->compile_task != NULL))
			return usage_error(err, errlen, "'run' takes a FILE or --compile-task ID");
		if (!a->device)
			return usage_error(err, errlen, "'run' needs --device");
	}
	if (a->cmd == CMD_COMPILE && !a->backend)
		return usage_error(err, errlen, "'compile' needs --backend LUCIDAC|REDAC");
	if (a->cmd == CMD_LOG && a->json && a->follow)
		return usage_error(err, errlen, "'log': --json and --follow do not mix");
	return 0;
}

int cli_parse_args(int argc, char **argv, struct cli_args *a, char *err, size_t errlen)
{
	struct pending early[32];
	size_t n_early = 0;
	bool only_operands = false;
	int rc;

	args_init(a);
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		struct pending p;

		if (!only_operands && strcmp(arg, "--") == 0) {
			only_operands = true;
			continue;
		}
		if (!only_operands && arg[0] == '-' && arg[1]) {
			rc = parse_one_opt(argc, argv, &i, &p, err, errlen);
			if (rc)
				return rc;
			if (a->cmd == CMD_NONE) {
				if (n_early >= sizeof early / sizeof early[0])
					return usage_error(err, errlen, "too many options");
				early[n_early++] = p;
				continue;
			}
			rc = take_opt(a, p.o, p.v, p.spelling, err, errlen);
			if (rc)
				return rc;
			continue;
		}
		if (a->cmd == CMD_NONE) {
			const struct cmd_def *d = find_cmd(arg);

			if (!d)
				return usage_error(err, errlen,
				                   "unknown command '%s' (see acloud help)", arg);
			a->cmd = d->cmd;
			continue;
		}
		if (a->n_pos >= CLI_MAX_POS)
			return usage_error(err, errlen, "at most %d operands", CLI_MAX_POS);
		a->pos[a->n_pos++] = arg;
	}
	for (size_t k = 0; k < n_early; k++) {
		rc = take_opt(a, early[k].o, early[k].v, early[k].spelling, err, errlen);
		if (rc)
			return rc;
	}
	if (a->help) { /* "acloud run --help": help about run */
		a->n_pos = 0;
		if (a->cmd != CMD_NONE && a->cmd != CMD_HELP)
			a->pos[a->n_pos++] = cli_cmd_name(a->cmd);
		a->cmd = CMD_HELP;
		return 0;
	}
	if (a->version) {
		a->cmd = CMD_VERSION;
		return 0;
	}
	if (a->cmd == CMD_HELP || a->cmd == CMD_VERSION)
		return check_operands(a, err, errlen);
	if (a->cmd == CMD_NONE)
		return usage_error(err, errlen, "no command given (see acloud help)");
	return check_operands(a, err, errlen);
}
