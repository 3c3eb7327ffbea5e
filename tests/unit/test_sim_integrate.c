/*
 * test_sim_integrate: the simulator against closed-form solutions (max
 * error over the whole sample grid <= 1e-5 of full scale), the APB
 * fixture, sampling and run limits, divergence, progress and
 * cancellation, the result writer and base64.
 */
#include "autoconfig.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>

#include "common/base64.h"
#include "circuit/circuit.h"
#include "sim/integrate.h"
#include "sim/result.h"
#include "sim_testutil.h"

#define TOL 1e-5

static struct sim_result run(const struct circuit *c, double op_time, double rate)
{
	struct sim_options opt = { .op_time = op_time, .sample_rate = rate };
	struct sim_result res;
	char msg[256];

	cr_assert_eq(sim_run(c, &opt, &res, NULL, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(res.nsamples, sim_sample_count(op_time, rate));
	return res;
}

/* Max |channel ch - f(t)| over the grid. */
static double max_err(const struct sim_result *res, size_t ch, double rate, double (*f)(double))
{
	double m = 0.0;
	size_t k;

	for (k = 0; k < res->nsamples; k++)
		m = fmax(m, fabs(res->data[ch * res->nsamples + k] - f((double)k / rate)));
	return m;
}

static double decay(double t)
{
	return exp(-5000.0 * t);
}
static double cosine(double t)
{
	return cos(1e4 * t);
}
static double sine(double t)
{
	return sin(1e4 * t);
}
static double ramp(double t)
{
	return -1.0 + 1000.0 * t;
}
static double ramp_sq(double t)
{
	return ramp(t) * ramp(t);
}
static double ramp_cube_int(double t)
{
	return 0.5 + (pow(ramp(t), 3) + 1.0) / 3.0;
}
static double slow_decay(double t)
{
	return -0.8 * exp(-100.0 * t);
}
static double fixture_cos(double t)
{
	return (double)0.42f * cos(1e4 * t);
}

Test(integrate, exponential_decay)
{
	struct circuit c;
	struct sim_result res;

	circuit_init(&c);
	c.ic[0] = -1.0;            /* x(0) = 1 */
	tu_lane(&c, 0, 0, 0.5, 0); /* dx/dt = -10000 * 0.5 x */
	c.nadc = 1;
	c.adc[0] = 0;
	res = run(&c, 1e-3, 1e5);
	cr_expect_leq(max_err(&res, 0, 1e5, decay), TOL);
	cr_expect_eq(res.data[0], 1.0);
	sim_result_free(&res);
}

Test(integrate, harmonic_oscillator_over_1600_periods)
{
	struct circuit c;
	struct sim_result res;
	double e0, e1;

	circuit_init(&c);
	c.ic[0] = -1.0;             /* x0 = cos, x1 = sin */
	tu_lane(&c, 0, 1, 1.0, 0);  /* dx0/dt = -k x1 */
	tu_lane(&c, 1, 0, -1.0, 1); /* dx1/dt = +k x0 */
	c.nadc = 2;
	c.adc[0] = 0;
	c.adc[1] = 1;
	res = run(&c, 1.0, 1e5);
	e0 = max_err(&res, 0, 1e5, cosine);
	e1 = max_err(&res, 1, 1e5, sine);
	cr_expect_leq(e0, TOL, "cos error %g", e0);
	cr_expect_leq(e1, TOL, "sin error %g", e1);
	sim_result_free(&res);
}

Test(integrate, ramp_from_the_constant_and_square_through_a_multiplier)
{
	struct circuit c;
	struct sim_result res;

	circuit_init(&c);
	c.constant = 1.0;
	c.ic[0] = 1.0;                /* x(0) = -1 */
	tu_lane(&c, 16, 14, -0.1, 0); /* dx/dt = 10000 * 0.1 = 1000 */
	tu_lane(&c, 2, 0, 1.0, 8);    /* multiplier 0: x * x */
	c.sum[9] |= 1u << 2;          /* one lane into both inputs */
	c.ic[1] = -0.5;               /* y(0) = 0.5 */
	tu_lane(&c, 3, 8, -0.1, 1);   /* dy/dt = 1000 x^2 */
	tu_lane(&c, 4, 14, 1.0, 2);   /* lanes 0-15 reading 14: identity, 0 */
	tu_lane(&c, 17, 15, 1.0, 2);  /* lanes 16-31 reading 15: identity, 0 */
	c.nadc = 4;
	c.adc[0] = 0;
	c.adc[1] = 8;
	c.adc[2] = 1;
	c.adc[3] = 2;
	res = run(&c, 2e-3, 1e5);
	cr_expect_leq(max_err(&res, 0, 1e5, ramp), TOL);
	cr_expect_leq(max_err(&res, 1, 1e5, ramp_sq), TOL);
	cr_expect_leq(max_err(&res, 2, 1e5, ramp_cube_int), TOL);
	cr_expect_eq(res.data[3 * res.nsamples + res.nsamples - 1], 0.0);
	sim_result_free(&res);
}

Test(integrate, constant_tenth_and_upscaling)
{
	struct circuit c;
	struct sim_result res;

	circuit_init(&c);
	c.constant = 0.1;
	c.ic[0] = 1.0;
	tu_lane(&c, 5, 15, -0.1, 0); /* 10 x 0.1 x 0.1 = 0.1 -> 1000/s */
	c.upscale[5] = true;
	c.nadc = 1;
	c.adc[0] = 0;
	res = run(&c, 2e-3, 1e5);
	cr_expect_leq(max_err(&res, 0, 1e5, ramp), TOL);
	sim_result_free(&res);
}

Test(integrate, slow_integrator_k100)
{
	struct circuit c;
	struct sim_result res;

	circuit_init(&c);
	c.k[3] = 100;
	c.ic[3] = 0.8;             /* x(0) = -0.8 */
	tu_lane(&c, 7, 3, 1.0, 3); /* dx/dt = -100 x */
	c.nadc = 2;
	c.adc[0] = CIRCUIT_UNUSED; /* null channels are skipped */
	c.adc[1] = 3;
	res = run(&c, 0.05, 1e4);
	cr_assert_eq(res.nchannels, 1);
	cr_expect_leq(max_err(&res, 0, 1e4, slow_decay), TOL);
	sim_result_free(&res);
}

Test(integrate, multipliers_in_dependency_order)
{
	/* multiplier 0 reads multiplier 1: x^3 = (x * x) * x, x = ramp */
	struct circuit c;
	struct sim_result res;
	size_t k;

	circuit_init(&c);
	c.constant = 1.0;
	c.ic[0] = 1.0;
	tu_lane(&c, 16, 14, -0.1, 0);
	tu_lane(&c, 0, 0, 1.0, 10); /* mul 1 inputs: x, x */
	c.sum[11] |= 1u << 0;
	c.sum[9] |= 1u << 0;       /* mul 0 input b: x */
	tu_lane(&c, 1, 9, 1.0, 8); /* mul 0 input a: mul 1 */
	c.nadc = 1;
	c.adc[0] = 8;
	res = run(&c, 2e-3, 1e4);
	for (k = 0; k < res.nsamples; k++)
		cr_expect_leq(fabs(res.data[k] - pow(ramp((double)k / 1e4), 3)), TOL);
	sim_result_free(&res);
}

Test(integrate, apb_fixture_is_a_harmonic_oscillator)
{
	size_t len;
	unsigned char *buf = tu_read("harmonic_pb.apb", &len);
	struct circuit c;
	struct circuit_error err;
	struct sim_result res;

	cr_assert_eq(circuit_from_apb(buf, len, &c, &err), 0);
	free(buf);
	res = run(&c, 0.01, 1e5);
	cr_assert_eq(res.nchannels, 1);
	cr_expect_leq(max_err(&res, 0, 1e5, fixture_cos), TOL);
	sim_result_free(&res);
}

Test(integrate, idle_circuit_and_empty_results)
{
	struct circuit c;
	struct sim_result res;

	circuit_init(&c);
	c.ic[2] = 0.25;
	c.nadc = 1;
	c.adc[0] = 2;
	res = run(&c, 1e-3, 1e4);
	cr_expect_eq(res.data[0], -0.25);
	cr_expect_eq(res.data[9], -0.25);
	sim_result_free(&res);
	c.nadc = 0;
	res = run(&c, 1e-3, 1e4);
	cr_expect_eq(res.nchannels, 0);
	cr_expect_null(res.data);
}

Test(integrate, divergence_names_the_time)
{
	/* dx/dt = 10000 x^2, x(0) = 1: x = 1 / (1 - 10000 t), blows up at 1e-4 */
	struct circuit c;
	struct sim_options opt = { .op_time = 1e-3, .sample_rate = 1e5 };
	struct sim_result res;
	char msg[256];
	const char *at;
	double t;

	circuit_init(&c);
	c.ic[0] = -1.0;
	tu_lane(&c, 0, 0, 1.0, 8);
	c.sum[9] |= 1u;
	tu_lane(&c, 1, 8, -1.0, 0);
	c.nadc = 1;
	c.adc[0] = 0;
	cr_assert_eq(sim_run(&c, &opt, &res, NULL, msg, sizeof(msg)), -1);
	cr_expect_null(res.data);
	at = strstr(msg, "t = ");
	cr_assert_not_null(at, "%s", msg);
	t = atof(at + 4);
	cr_expect(t > 0.9e-4 && t <= 1e-4, "%s", msg);
}

Test(integrate, algebraic_loop_fails_the_run)
{
	struct circuit c;
	struct sim_options opt = { .op_time = 1e-3, .sample_rate = 1e4 };
	struct sim_result res;
	char msg[256];

	circuit_init(&c);
	tu_lane(&c, 0, 8, 0.5, 8);
	cr_assert_eq(sim_run(&c, &opt, &res, NULL, msg, sizeof(msg)), -1);
	cr_expect_not_null(strstr(msg, "algebraic loop"), "%s", msg);
}

static int count_progress(double fraction, void *ctx)
{
	double *last = ctx;

	cr_expect_geq(fraction, last[0]);
	cr_expect_leq(fraction, 1.0);
	last[0] = fraction;
	last[1] += 1.0;
	return fraction > 0.5 && last[2] != 0.0; /* cancel when asked */
}

Test(integrate, progress_and_cancel)
{
	struct circuit c;
	struct sim_options opt = { .op_time = 0.01,
		                   .sample_rate = 1e4,
		                   .progress = count_progress };
	struct sim_result res;
	struct sim_stats st;
	char msg[256];
	double seen[3] = { 0.0, 0.0, 0.0 };

	circuit_init(&c);
	c.ic[0] = -1.0;
	tu_lane(&c, 0, 1, 1.0, 0);
	tu_lane(&c, 1, 0, -1.0, 1);
	opt.progress_ctx = seen;
	cr_assert_eq(sim_run(&c, &opt, &res, &st, msg, sizeof(msg)), 0, "%s", msg);
	cr_expect_eq(seen[0], 1.0);
	cr_expect_geq(seen[1], 50.0);
	cr_expect_gt(st.steps, 0);
	cr_expect_eq(st.rhs_evals, 6 * (st.steps + st.rejected) + 2);
	sim_result_free(&res);
	seen[0] = seen[1] = 0.0;
	seen[2] = 1.0;
	cr_assert_eq(sim_run(&c, &opt, &res, NULL, msg, sizeof(msg)), -1);
	cr_expect_not_null(strstr(msg, "cancelled"), "%s", msg);
}

Test(integrate, sample_count_and_limits)
{
	struct circuit_error err;

	cr_expect_eq(sim_sample_count(0.1, 10000), 1000);
	cr_expect_eq(sim_sample_count(1.25, 2), 2); /* ties to even */
	cr_expect_eq(sim_sample_count(1.75, 2), 4);
	cr_expect_eq(sim_sample_count(0.4, 1), 0);
	cr_expect_eq(sim_check_limits(0.1, 10000, 8, &err), 0);
	cr_expect_eq(sim_check_limits(0.0, 10000, 1, &err), -1);
	cr_expect_str_eq(err.loc, "/op_time");
	cr_expect_eq(sim_check_limits(10.5, 10000, 1, &err), -1);
	cr_expect_eq(sim_check_limits(NAN, 10000, 1, &err), -1);
	cr_expect_eq(sim_check_limits(1, 0.5, 1, &err), -1);
	cr_expect_str_eq(err.loc, "/sample_rate");
	cr_expect_eq(sim_check_limits(1, 2e6, 1, &err), -1);
	cr_expect_eq(sim_check_limits(2, 1e6, 1, &err), 0);
	cr_expect_eq(sim_check_limits(2, 1e6, 2, &err), -1);
	cr_expect_str_eq(err.loc, "");
	cr_expect_not_null(strstr(err.msg, "exceed the limit"));
}

Test(result, json_writer)
{
	double data[] = { 0.0, 0.5, -1.0, 1e-10, 0.123456789123, -0.0 };
	struct sim_result res = { 2, 3, data };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cr_assert_eq(result_write_json(f, &res), 0);
	fclose(f);
	cr_expect_str_eq(text, "[[0,0.5,-1],[1e-10,0.123456789,0]]\n");
	free(text);
	data[2] = NAN;
	f = open_memstream(&text, &len);
	cr_expect_eq(result_write_json(f, &res), -1);
	fclose(f);
	free(text);
	res.nchannels = 0;
	f = open_memstream(&text, &len);
	cr_expect_eq(result_write_json(f, &res), 0);
	fclose(f);
	cr_expect_str_eq(text, "[]\n");
	free(text);
}

Test(base64, decode)
{
	uint8_t *out;
	size_t len;

	cr_assert_eq(base64_decode("aGVsbG8=", 8, &out, &len), 0);
	cr_expect_eq(len, 5);
	cr_expect_eq(memcmp(out, "hello", 5), 0);
	free(out);
	cr_assert_eq(base64_decode("aGVsbG8", 7, &out, &len), 0);
	cr_expect_eq(len, 5);
	free(out);
	cr_assert_eq(base64_decode("", 0, &out, &len), 0);
	cr_expect_eq(len, 0);
	free(out);
	cr_expect_eq(base64_decode("aGVsbG9=", 8, &out, &len), -1); /* bits */
	cr_expect_eq(base64_decode("aGV sbG8", 8, &out, &len), -1);
	cr_expect_eq(base64_decode("a", 1, &out, &len), -1);
	cr_expect_null(out);
}
