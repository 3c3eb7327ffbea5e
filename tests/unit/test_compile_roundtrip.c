/*
 * test_compile_roundtrip: source -> acloud-compile's library -> circuit
 * (directly, through APB bytes and through JSON) -> simulator, compared
 * with a direct integration of the source ODE by a classic fixed-step RK4
 * written here (step 1e-3 time units: error far below 1e-9).  One source
 * time unit is 100 us of run time (k = 10000); max error <= 1e-4.
 */
#include "autoconfig.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "compile/compile.h"
#include "circuit/circuit.h"
#include "sim/integrate.h"
#include "sim_testutil.h"

#define TOL  1e-4
#define UNIT 1e-4 /* seconds per source time unit */
#define RATE 1e5  /* samples per second: every 0.1 units */
#define MAXN 8

typedef void (*ode_fn)(const double *x, double *dx);

struct system {
	const char *src;
	ode_fn f;
	int n; /* state variables */
	double x0[MAXN];
	double units; /* run length in source time units */
	int nmeasured;
	int measured[MAXN]; /* state index of each channel */
};

/* Reference solution of the source ODE at the sample times. */
static double *reference(const struct system *s, size_t nsamples)
{
	const double h = 1e-3, dt = 1e4 / RATE; /* sample spacing in units */
	const int sub = (int)lround(dt / h);
	double *ref = malloc(nsamples * (size_t)s->n * sizeof(double));
	double x[MAXN], k1[MAXN], k2[MAXN], k3[MAXN], k4[MAXN], y[MAXN];
	size_t k;
	int i, j;

	cr_assert_not_null(ref);
	memcpy(x, s->x0, sizeof(x));
	for (k = 0; k < nsamples; k++) {
		for (i = 0; i < s->n; i++)
			ref[(size_t)i * nsamples + k] = x[i];
		for (j = 0; j < sub; j++) {
			s->f(x, k1);
			for (i = 0; i < s->n; i++)
				y[i] = x[i] + 0.5 * h * k1[i];
			s->f(y, k2);
			for (i = 0; i < s->n; i++)
				y[i] = x[i] + 0.5 * h * k2[i];
			s->f(y, k3);
			for (i = 0; i < s->n; i++)
				y[i] = x[i] + h * k3[i];
			s->f(y, k4);
			for (i = 0; i < s->n; i++)
				x[i] += h / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
		}
	}
	return ref;
}

static void compare(const struct system *s, const struct circuit *c, const char *how)
{
	struct sim_options opt = { .op_time = s->units * UNIT, .sample_rate = RATE };
	struct sim_result res;
	char msg[256];
	double *ref, worst = 0.0;
	size_t k;
	int ch;

	cr_assert_eq(sim_run(c, &opt, &res, NULL, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(res.nchannels, (size_t)s->nmeasured, "%s", how);
	ref = reference(s, res.nsamples);
	for (ch = 0; ch < s->nmeasured; ch++)
		for (k = 0; k < res.nsamples; k++) {
			double e = fabs(res.data[(size_t)ch * res.nsamples + k] -
			                ref[(size_t)s->measured[ch] * res.nsamples + k]);
			worst = fmax(worst, e);
		}
	cr_expect_leq(worst, TOL, "%s: max error %g", how, worst);
	free(ref);
	sim_result_free(&res);
}

static void round_trip(const struct system *s)
{
	struct circuit c, via_apb, via_json;
	struct circuit_error err;
	struct compile_diag d;
	uint8_t *bin;
	size_t len;
	json_t *j;

	cr_assert_eq(compile_source(s->src, strlen(s->src), COMPILE_LUCIDAC, &c, &d), 0,
	             "%d:%d: %s", d.line, d.col, d.msg);
	compare(s, &c, "direct");
	cr_assert_eq(circuit_to_apb(&c, &bin, &len), 0);
	cr_assert_eq(circuit_from_apb(bin, len, &via_apb, &err), 0, "%s: %s", err.loc, err.msg);
	free(bin);
	compare(s, &via_apb, "via APB");
	j = circuit_to_json(&c);
	cr_assert_not_null(j);
	cr_assert_eq(circuit_from_json(&via_json, j, &err), 0, "%s: %s", err.loc, err.msg);
	json_decref(j);
	tu_assert_circuit_eq(&c, &via_json, 0.0);
	compare(s, &via_json, "via JSON");
}

static void harmonic(const double *x, double *dx)
{
	dx[0] = x[1];
	dx[1] = -x[0];
}

Test(roundtrip, harmonic_oscillator)
{
	struct system s = {
		"x' = y\ny' = -x\nx(0) = 1\n", harmonic, 2, { 1.0, 0.0 }, 30.0, 2, { 0, 1 }
	};

	round_trip(&s);
}

static void damped(const double *x, double *dx)
{
	dx[0] = x[1];
	dx[1] = -x[0] - 0.3 * x[1];
}

Test(roundtrip, damped_oscillator)
{
	struct system s = { "param d = 0.3\n"
		            "dx/dt = v\n"
		            "dv/dt = -x - d*v   # damping\n"
		            "x(0) = 0.9\nv(0) = -0.2\n"
		            "measure x\n",
		            damped,
		            2,
		            { 0.9, -0.2 },
		            25.0,
		            1,
		            { 0 } };

	round_trip(&s);
}

static void lotka_volterra(const double *x, double *dx)
{
	dx[0] = 0.8 * x[0] - 2.0 * x[0] * x[1];
	dx[1] = -0.6 * x[1] + 1.5 * x[0] * x[1];
}

Test(roundtrip, lotka_volterra)
{
	struct system s = { "param a = 0.8\nparam b = 2\nparam c = 0.6\nparam d = 1.5\n"
		            "prey' = a*prey - b*prey*pred\n"
		            "pred' = -c*pred + d*prey*pred\n"
		            "prey(0) = 0.5\npred(0) = 0.2\n",
		            lotka_volterra,
		            2,
		            { 0.5, 0.2 },
		            30.0,
		            2,
		            { 0, 1 } };

	round_trip(&s);
}

static void params_constants(const double *x, double *dx)
{
	dx[0] = 0.3 - 0.5 * x[0] + 0.1 * x[1];
	dx[1] = 0.2 - x[0] * x[0] - 0.5 * (x[1] - 0.1);
	dx[2] = 2.5 * x[0] - 0.4 * x[2] * x[2] * x[0];
}

Test(roundtrip, params_and_constants)
{
	struct system s = { "param w = 0.5\nparam c0 = 0.3\n"
		            "x' = c0 - w*x + 0.1*y\n"
		            "y' = 0.2 - x*x - w*(y - 0.1)\n"
		            "z' = 2.5*x - 0.4*z*z*x\n"
		            "x(0) = -0.2\ny(0) = 0.1\nz(0) = 0.05\n"
		            "measure z, y, x\n",
		            params_constants,
		            3,
		            { -0.2, 0.1, 0.05 },
		            20.0,
		            3,
		            { 2, 1, 0 } };

	round_trip(&s);
}
