/*
 * integrate: runs a circuit for op_time seconds and samples its ADC
 * channels at t = k / sample_rate, k = 0 .. round(op_time * sample_rate) - 1
 * (contract sections 5 and 7).  The ODE is solved with the Dormand-Prince
 * 5(4) pair, error per step below atol + rtol |y| in the max norm, and the
 * samples come from its 4th-order dense output, so the step size follows
 * the dynamics and not the sample grid.  Memory is the result only.
 */
#ifndef ACLOUD_SIM_INTEGRATE_H
#define ACLOUD_SIM_INTEGRATE_H

#include <stddef.h>
#include <stdint.h>

#include "circuit/circuit.h"

/* Limits of a run (contract section 4, POST /api/v1/tasks/run). */
#define SIM_OP_TIME_MAX     10.0
#define SIM_SAMPLE_RATE_MIN 1.0
#define SIM_SAMPLE_RATE_MAX 1e6
#define SIM_VALUES_MAX      2000000.0 /* samples x measured channels */

struct sim_options {
	double op_time;     /* seconds */
	double sample_rate; /* Hz */
	double rtol, atol;  /* 0: defaults (SIM_RTOL, SIM_ATOL) */
	uint64_t max_steps; /* 0: default (SIM_MAX_STEPS) */
	/* Called with the fraction done (0..1) about every percent; a non-zero
	 * return cancels the run. */
	int (*progress)(double fraction, void *ctx);
	void *progress_ctx;
};

#define SIM_RTOL      1e-10
#define SIM_ATOL      1e-10
#define SIM_MAX_STEPS 200000000u

struct sim_stats {
	uint64_t steps; /* accepted */
	uint64_t rejected;
	uint64_t rhs_evals;
};

/* Channel-major samples: value of channel c at sample k is
 * data[c * nsamples + k]. */
struct sim_result {
	size_t nchannels;
	size_t nsamples;
	double *data;
};

/* round(op_time * sample_rate) with ties to even, as Python's round(). */
size_t sim_sample_count(double op_time, double sample_rate);

/* Number of channels that are measured (non-null ADC entries). */
int sim_measured_channels(const struct circuit *c);

/*
 * Checks op_time, sample_rate and the result size against the limits.
 * err->loc names the offending field ("op_time", "sample_rate", or "" for
 * the product).  Returns 0 or -1.
 */
int sim_check_limits(double op_time, double sample_rate, int nchannels, struct circuit_error *err);

/*
 * Runs the simulation.  On success returns 0 and *out owns the samples
 * (free with sim_result_free).  On failure returns -1 with a one-line
 * message in errbuf (non-finite values name the time; cancellation says
 * so).  stats may be NULL.
 */
int sim_run(const struct circuit *c, const struct sim_options *opt, struct sim_result *out,
            struct sim_stats *stats, char *errbuf, size_t errlen);

void sim_result_free(struct sim_result *res);

#endif
