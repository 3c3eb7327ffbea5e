/*
 * acloud-sim: the SIMULATOR as a command.
 *
 *   acloud-sim [--apb] FILE|- --op-time T --sample-rate R [--adc LIST]
 *   acloud-sim --stdin-run
 *
 * The first form reads a JSON circuit (or an APB file: forced with --apb,
 * detected when the input does not start with '{'); --adc replaces the
 * circuit's ADC channels (comma-separated M-block outputs, "-" for null).
 * The second form is the command-driver protocol of contract section 7:
 * {"circuit": {...} | "circuit_apb": "<base64>", "op_time": T,
 * "sample_rate": R} on stdin.  Both print the measurement list on stdout,
 * "progress N%" lines and a summary on stderr, and exit 0; on any error
 * they print one line "acloud-sim: error: ..." and exit 1.  The input
 * parsing and the printing run are in simrun.c, shared with the scheduler's
 * simulator children.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "circuit/circuit.h"
#include "sim/simrun.h"

enum {
	INPUT_MAX = 16 << 20
};

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("acloud-sim: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* Reads all of f (at most INPUT_MAX bytes) into a malloc'ed buffer. */
static int read_all(FILE *f, char **out, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1), *p;

	if (!buf)
		return -1;
	for (;;) {
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (got == 0)
			break;
		if (n == cap) {
			if (cap >= INPUT_MAX)
				goto fail;
			cap *= 2;
			if (!(p = realloc(buf, cap + 1)))
				goto fail;
			buf = p;
		}
	}
	if (ferror(f))
		goto fail;
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
fail:
	free(buf);
	return -1;
}

static int load_circuit(const char *data, size_t len, int force_apb, struct circuit *c)
{
	struct circuit_error err;
	size_t i = 0;

	while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t'))
		i++;
	if (!force_apb && i < len && data[i] == '{') {
		json_error_t jerr;
		json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
		int rc;

		if (!root)
			return fail("circuit is not valid JSON: %d:%d: %s", jerr.line, jerr.column,
			            jerr.text);
		rc = circuit_from_json(c, root, &err);
		json_decref(root);
		if (rc < 0)
			return fail("circuit%s%s: %s", err.loc[0] ? " " : "", err.loc, err.msg);
		return 0;
	}
	if (circuit_from_apb((const uint8_t *)data, len, c, &err) < 0)
		return fail("APB circuit%s%s: %s", err.loc[0] ? " " : "", err.loc, err.msg);
	return 0;
}

static int parse_number(const char *s, const char *what, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (!*s || *end || errno)
		return fail("%s: not a number: \"%s\"", what, s);
	return 0;
}

/* --adc "0,1,-,8": M-block outputs, "-" for a null channel. */
static int parse_adc(const char *s, struct circuit *c)
{
	int n = 0;

	while (*s) {
		char *end;
		long v;

		if (n >= CIRCUIT_ADC_MAX)
			return fail("--adc: at most %d channels", CIRCUIT_ADC_MAX);
		if (*s == '-') {
			v = CIRCUIT_UNUSED;
			end = (char *)s + 1;
		} else {
			v = strtol(s, &end, 10);
			if (end == s || v < 0 || v >= CIRCUIT_MBLOCK)
				return fail(
					"--adc: expected M-block outputs 0..15 or -, got \"%s\"",
					s);
		}
		c->adc[n++] = (int8_t)v;
		s = end;
		if (*s == ',')
			s++;
		else if (*s)
			return fail("--adc: expected ',' at \"%s\"", s);
	}
	c->nadc = n;
	return 0;
}

static int run(const struct circuit *c, const struct sim_options *opt)
{
	char msg[256];

	if (sim_run_print(c, opt, stdout, stderr, msg, sizeof(msg)) < 0)
		return fail("%s", msg);
	return 0;
}

/* The command-driver form: the run as JSON on stdin. */
static int stdin_run(void)
{
	struct sim_options opt;
	struct circuit c;
	char *text, msg[512];
	size_t len;
	int rc;

	if (read_all(stdin, &text, &len) < 0)
		return fail("cannot read stdin (at most %d bytes)", INPUT_MAX);
	rc = sim_input_parse(text, len, &c, &opt, msg, sizeof(msg));
	free(text);
	if (rc < 0)
		return fail("%s", msg);
	return run(&c, &opt);
}

static int usage(void)
{
	return fail(
		"usage: acloud-sim [--apb] FILE|- --op-time T --sample-rate R [--adc LIST] | acloud-sim --stdin-run");
}

int main(int argc, char **argv)
{
	const char *file = NULL, *adc = NULL;
	struct sim_options opt = { .op_time = 0.1, .sample_rate = 10000.0 };
	int i, force_apb = 0, rc;
	struct circuit c;
	char *data;
	size_t len;
	FILE *f;

	if (argc == 2 && strcmp(argv[1], "--stdin-run") == 0)
		return stdin_run();
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--apb") == 0) {
			force_apb = 1;
		} else if (strcmp(argv[i], "--op-time") == 0 && i + 1 < argc) {
			if (parse_number(argv[++i], "--op-time", &opt.op_time))
				return 1;
		} else if (strcmp(argv[i], "--sample-rate") == 0 && i + 1 < argc) {
			if (parse_number(argv[++i], "--sample-rate", &opt.sample_rate))
				return 1;
		} else if (strcmp(argv[i], "--adc") == 0 && i + 1 < argc) {
			adc = argv[++i];
		} else if (!file && (argv[i][0] != '-' || strcmp(argv[i], "-") == 0)) {
			file = argv[i];
		} else {
			return usage();
		}
	}
	if (!file)
		return usage();
	f = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
	if (!f)
		return fail("cannot open %s: %s", file, strerror(errno));
	rc = read_all(f, &data, &len);
	if (f != stdin)
		fclose(f);
	if (rc < 0)
		return fail("cannot read %s (at most %d bytes)", file, INPUT_MAX);
	rc = load_circuit(data, len, force_apb, &c);
	free(data);
	if (rc)
		return rc;
	if (adc && parse_adc(adc, &c))
		return 1;
	return run(&c, &opt);
}
