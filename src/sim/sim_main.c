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
 * they print one line "acloud-sim: error: ..." and exit 1.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "sim/base64.h"
#include "sim/circuit.h"
#include "sim/integrate.h"
#include "sim/result.h"

enum { INPUT_MAX = 16 << 20 };

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

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
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

static int load_circuit(const char *data, size_t len, int force_apb,
			struct circuit *c)
{
	struct circuit_error err;
	size_t i = 0;

	while (i < len && (data[i] == ' ' || data[i] == '\n' ||
			   data[i] == '\r' || data[i] == '\t'))
		i++;
	if (!force_apb && i < len && data[i] == '{') {
		json_error_t jerr;
		json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
		int rc;

		if (!root)
			return fail("circuit is not valid JSON: %d:%d: %s",
				    jerr.line, jerr.column, jerr.text);
		rc = circuit_from_json(c, root, &err);
		json_decref(root);
		if (rc < 0)
			return fail("circuit%s%s: %s", err.loc[0] ? " " : "",
				    err.loc, err.msg);
		return 0;
	}
	if (circuit_from_apb((const uint8_t *)data, len, c, &err) < 0)
		return fail("APB circuit%s%s: %s", err.loc[0] ? " " : "",
			    err.loc, err.msg);
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
				return fail("--adc: expected M-block outputs 0..15 or -, got \"%s\"", s);
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

struct progress {
	int last;           /* percent last printed */
	double last_time;
};

/* Prints every 10% and otherwise at most once a second. */
static int print_progress(double fraction, void *ctx)
{
	struct progress *p = ctx;
	int pct = (int)(fraction * 100.0);
	double t = now();

	if (pct != p->last && (pct % 10 == 0 || t - p->last_time >= 1.0)) {
		fprintf(stderr, "progress %d%%\n", pct);
		p->last = pct;
		p->last_time = t;
	}
	return 0;
}

static int run(const struct circuit *c, double op_time, double rate)
{
	struct circuit_error err;
	struct sim_options opt = { 0 };
	struct sim_result res;
	struct sim_stats st;
	char msg[256];
	struct progress prog = { -1, 0.0 };
	double t0, t1, t2;
	int rc;

	if (sim_check_limits(op_time, rate, sim_measured_channels(c), &err) < 0)
		return fail("%s", err.msg);
	opt.op_time = op_time;
	opt.sample_rate = rate;
	opt.progress = print_progress;
	opt.progress_ctx = &prog;
	t0 = now();
	prog.last_time = t0;
	if (sim_run(c, &opt, &res, &st, msg, sizeof(msg)) < 0)
		return fail("%s", msg);
	t1 = now();
	rc = result_write_json(stdout, &res);
	t2 = now();
	if (rc < 0) {
		sim_result_free(&res);
		return fail("cannot write the result: %s", strerror(errno));
	}
	fprintf(stderr,
		"done: %zu samples x %zu channels, %llu steps (%llu rejected), %llu rhs evals, integration %.3f s (%.1f M rhs evals/s), output %.3f s\n",
		res.nsamples, res.nchannels, (unsigned long long)st.steps,
		(unsigned long long)st.rejected,
		(unsigned long long)st.rhs_evals, t1 - t0,
		t1 > t0 ? (double)st.rhs_evals / (t1 - t0) / 1e6 : 0.0, t2 - t1);
	sim_result_free(&res);
	return 0;
}

/* The command-driver form: the run as JSON on stdin. */
static int stdin_run(void)
{
	json_error_t jerr;
	json_t *root = NULL, *circ, *apb, *v;
	struct circuit c;
	struct circuit_error err;
	const char *key;
	double op_time, rate;
	char *text = NULL;
	size_t len;
	int rc = 1;

	if (read_all(stdin, &text, &len) < 0) {
		fail("cannot read stdin (at most %d bytes)", INPUT_MAX);
		goto out;
	}
	if (!(root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr))) {
		fail("input is not valid JSON: %d:%d: %s", jerr.line,
		     jerr.column, jerr.text);
		goto out;
	}
	if (!json_is_object(root)) {
		fail("input must be a JSON object");
		goto out;
	}
	json_object_foreach(root, key, v) {
		if (strcmp(key, "circuit") && strcmp(key, "circuit_apb") &&
		    strcmp(key, "op_time") && strcmp(key, "sample_rate")) {
			fail("unknown key \"%.40s\" (allowed: circuit, circuit_apb, op_time, sample_rate)", key);
			goto out;
		}
	}
	circ = json_object_get(root, "circuit");
	apb = json_object_get(root, "circuit_apb");
	if (!circ == !apb) {
		fail("exactly one of circuit and circuit_apb is required");
		goto out;
	}
	if (!json_is_number(v = json_object_get(root, "op_time")) ||
	    !json_is_number(json_object_get(root, "sample_rate"))) {
		fail("op_time and sample_rate must be numbers");
		goto out;
	}
	op_time = json_number_value(v);
	rate = json_number_value(json_object_get(root, "sample_rate"));
	if (circ) {
		if (circuit_from_json(&c, circ, &err) < 0) {
			fail("circuit%s%s: %s", err.loc[0] ? " " : "",
			     err.loc, err.msg);
			goto out;
		}
	} else {
		uint8_t *bin;
		size_t blen;
		int lrc;

		if (!json_is_string(apb) ||
		    base64_decode(json_string_value(apb), json_string_length(apb),
				  &bin, &blen) < 0) {
			fail("circuit_apb must be a base64 string");
			goto out;
		}
		lrc = circuit_from_apb(bin, blen, &c, &err);
		free(bin);
		if (lrc < 0) {
			fail("circuit_apb%s%s: %s", err.loc[0] ? " " : "",
			     err.loc, err.msg);
			goto out;
		}
	}
	rc = run(&c, op_time, rate);
out:
	json_decref(root);
	free(text);
	return rc;
}

static int usage(void)
{
	return fail("usage: acloud-sim [--apb] FILE|- --op-time T --sample-rate R [--adc LIST] | acloud-sim --stdin-run");
}

int main(int argc, char **argv)
{
	const char *file = NULL, *adc = NULL;
	double op_time = 0.1, rate = 10000.0;
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
			if (parse_number(argv[++i], "--op-time", &op_time))
				return 1;
		} else if (strcmp(argv[i], "--sample-rate") == 0 && i + 1 < argc) {
			if (parse_number(argv[++i], "--sample-rate", &rate))
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
	return run(&c, op_time, rate);
}
