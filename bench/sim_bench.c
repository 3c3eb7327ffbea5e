/*
 * sim-bench: times the simulator library on given circuits.
 *
 *   sim-bench NAME FILE OP_TIME SAMPLE_RATE ADC_OUTPUTS [REPEAT]
 *
 * Loads FILE (JSON circuit, or APB when it does not start with '{'),
 * measures the M-block outputs ADC_OUTPUTS ("0,1,2"; "-" keeps the
 * circuit's channels), runs it REPEAT times (default 5) and prints the
 * best wall time of the integration, the steps, the right-hand-side
 * evaluations and their rate, and the time to write the result JSON.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "circuit/circuit.h"
#include "sim/integrate.h"
#include "sim/result.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int load(const char *path, struct circuit *c)
{
	struct circuit_error err;
	char *buf = NULL;
	long size;
	int rc = -1;
	FILE *f = fopen(path, "rb");

	if (!f || fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || size > (1 << 24) ||
	    fseek(f, 0, SEEK_SET) < 0 || !(buf = malloc((size_t)size + 1)) ||
	    fread(buf, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "sim-bench: cannot read %s\n", path);
		goto out;
	}
	if (size > 0 && buf[0] == '{') {
		json_t *root = json_loadb(buf, (size_t)size, 0, NULL);

		rc = root ? circuit_from_json(c, root, &err) : -1;
		json_decref(root);
	} else {
		rc = circuit_from_apb((const uint8_t *)buf, (size_t)size, c, &err);
	}
	if (rc < 0)
		fprintf(stderr, "sim-bench: %s: %s %s\n", path, err.loc, err.msg);
out:
	if (f)
		fclose(f);
	free(buf);
	return rc;
}

int main(int argc, char **argv)
{
	struct circuit c;
	struct sim_options opt = { 0 };
	struct sim_stats st = { 0 };
	double best = 1e300, out_time = 0.0;
	int repeat = argc > 6 ? atoi(argv[6]) : 5, i;
	char msg[256];

	if (argc < 6) {
		fputs("usage: sim-bench NAME FILE OP_TIME SAMPLE_RATE ADC_OUTPUTS [REPEAT]\n",
		      stderr);
		return 2;
	}
	if (load(argv[2], &c) < 0)
		return 1;
	if (strcmp(argv[5], "-") != 0) {
		char *s = argv[5];

		for (c.nadc = 0; *s && c.nadc < CIRCUIT_ADC_MAX; c.nadc++) {
			c.adc[c.nadc] = (int8_t)strtol(s, &s, 10);
			s += *s == ',';
		}
	}
	opt.op_time = atof(argv[3]);
	opt.sample_rate = atof(argv[4]);
	for (i = 0; i < (repeat > 0 ? repeat : 1); i++) {
		struct sim_result res;
		double t0 = now(), t1;
		FILE *null;

		if (sim_run(&c, &opt, &res, &st, msg, sizeof(msg)) < 0) {
			fprintf(stderr, "sim-bench: %s\n", msg);
			return 1;
		}
		t1 = now();
		if (t1 - t0 < best)
			best = t1 - t0;
		if (i == 0 && (null = fopen("/dev/null", "w"))) {
			double t2 = now();

			result_write_json(null, &res);
			fclose(null);
			out_time = now() - t2;
		}
		sim_result_free(&res);
	}
	printf("%-10s op_time %g s at %g Hz: wall %.4f s, %llu steps (%llu rejected), %llu rhs evals, %.1f M rhs evals/s; result JSON %.4f s\n",
	       argv[1], opt.op_time, opt.sample_rate, best, (unsigned long long)st.steps,
	       (unsigned long long)st.rejected, (unsigned long long)st.rhs_evals,
	       (double)st.rhs_evals / best / 1e6, out_time);
	return 0;
}
