/*
 * simrun: the run input parser and the printing run (see simrun.h).
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "common/base64.h"
#include "sim/result.h"
#include "sim/simrun.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int check_keys(json_t *root, char *err, size_t errlen)
{
	const char *key;
	json_t *v;

	json_object_foreach (root, key, v) {
		if (strcmp(key, "circuit") && strcmp(key, "circuit_apb") &&
		    strcmp(key, "op_time") && strcmp(key, "sample_rate"))
			return fail(
				err, errlen,
				"unknown key \"%.40s\" (allowed: circuit, circuit_apb, op_time, sample_rate)",
				key);
	}
	return 0;
}

static int load_apb(json_t *apb, struct circuit *c, char *err, size_t errlen)
{
	struct circuit_error cerr;
	uint8_t *bin;
	size_t blen;
	int rc;

	if (!json_is_string(apb) ||
	    base64_decode(json_string_value(apb), json_string_length(apb), &bin, &blen) < 0)
		return fail(err, errlen, "circuit_apb must be a base64 string");
	rc = circuit_from_apb(bin, blen, c, &cerr);
	free(bin);
	if (rc < 0)
		return fail(err, errlen, "circuit_apb%s%s: %s", cerr.loc[0] ? " " : "", cerr.loc,
		            cerr.msg);
	return 0;
}

static int load(json_t *root, struct circuit *c, struct sim_options *opt, char *err, size_t errlen)
{
	json_t *circ, *apb, *op_time, *rate;
	struct circuit_error cerr;

	if (!json_is_object(root))
		return fail(err, errlen, "input must be a JSON object");
	if (check_keys(root, err, errlen) < 0)
		return -1;
	circ = json_object_get(root, "circuit");
	apb = json_object_get(root, "circuit_apb");
	if (!circ == !apb)
		return fail(err, errlen, "exactly one of circuit and circuit_apb is required");
	op_time = json_object_get(root, "op_time");
	rate = json_object_get(root, "sample_rate");
	if (!json_is_number(op_time) || !json_is_number(rate))
		return fail(err, errlen, "op_time and sample_rate must be numbers");
	memset(opt, 0, sizeof(*opt));
	opt->op_time = json_number_value(op_time);
	opt->sample_rate = json_number_value(rate);
	if (apb)
		return load_apb(apb, c, err, errlen);
	if (circuit_from_json(c, circ, &cerr) < 0)
		return fail(err, errlen, "circuit%s%s: %s", cerr.loc[0] ? " " : "", cerr.loc,
		            cerr.msg);
	return 0;
}

int sim_input_parse(const char *json, size_t len, struct circuit *c, struct sim_options *opt,
                    char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	int rc;

	if (!root)
		return fail(err, errlen, "input is not valid JSON: %d:%d: %s", jerr.line,
		            jerr.column, jerr.text);
	rc = load(root, c, opt, err, errlen);
	json_decref(root);
	return rc;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

struct progress {
	FILE *log;
	int last; /* percent last printed */
	double last_time;
};

/* Prints every 10% and otherwise at most once a second. */
static int print_progress(double fraction, void *ctx)
{
	struct progress *p = ctx;
	int pct = (int)(fraction * 100.0);
	double t = now();

	if (pct != p->last && (pct % 10 == 0 || t - p->last_time >= 1.0)) {
		fprintf(p->log, "progress %d%%\n", pct);
		fflush(p->log);
		p->last = pct;
		p->last_time = t;
	}
	return 0;
}

int sim_run_print(const struct circuit *c, const struct sim_options *opt, FILE *out, FILE *log,
                  char *err, size_t errlen)
{
	struct circuit_error cerr;
	struct sim_options o = *opt;
	struct sim_result res;
	struct sim_stats st;
	struct progress prog = { log, -1, 0.0 };
	double t0, t1, t2;
	int rc;

	if (sim_check_limits(o.op_time, o.sample_rate, sim_measured_channels(c), &cerr) < 0)
		return fail(err, errlen, "%s", cerr.msg);
	o.progress = print_progress;
	o.progress_ctx = &prog;
	t0 = now();
	prog.last_time = t0;
	if (sim_run(c, &o, &res, &st, err, errlen) < 0)
		return -1;
	t1 = now();
	rc = result_write_json(out, &res);
	t2 = now();
	if (rc < 0) {
		sim_result_free(&res);
		return fail(err, errlen, "cannot write the result: %s", strerror(errno));
	}
	fprintf(log,
	        "done: %zu samples x %zu channels, %llu steps (%llu rejected), %llu rhs evals, integration %.3f s (%.1f M rhs evals/s), output %.3f s\n",
	        res.nsamples, res.nchannels, (unsigned long long)st.steps,
	        (unsigned long long)st.rejected, (unsigned long long)st.rhs_evals, t1 - t0,
	        t1 > t0 ? (double)st.rhs_evals / (t1 - t0) / 1e6 : 0.0, t2 - t1);
	sim_result_free(&res);
	return 0;
}
