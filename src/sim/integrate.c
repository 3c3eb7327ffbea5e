/*
 * integrate: the adaptive Dormand-Prince 5(4) integrator with dense output
 * and the sampling of the ADC channels on the run's grid (see integrate.h).
 *
 * Coefficients are the published Dormand-Prince (1980) tableau, its error
 * weights (5th minus embedded 4th order solution) and Shampine's
 * continuous extension in the form of Hairer, Norsett and Wanner, "Solving
 * Ordinary Differential Equations I", section II.6.  The step size
 * controller is the PI controller from the same book (beta = 0.04).
 */
#include "autoconfig.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/integrate.h"
#include "sim/rhs.h"

enum {
	N = CIRCUIT_INTS
};

/* The nodes c_i are not needed: the circuit's ODE is autonomous. */
static const double a21 = 1.0 / 5, a31 = 3.0 / 40, a32 = 9.0 / 40, a41 = 44.0 / 45,
		    a42 = -56.0 / 15, a43 = 32.0 / 9, a51 = 19372.0 / 6561, a52 = -25360.0 / 2187,
		    a53 = 64448.0 / 6561, a54 = -212.0 / 729, a61 = 9017.0 / 3168,
		    a62 = -355.0 / 33, a63 = 46732.0 / 5247, a64 = 49.0 / 176,
		    a65 = -5103.0 / 18656, a71 = 35.0 / 384, a73 = 500.0 / 1113, a74 = 125.0 / 192,
		    a75 = -2187.0 / 6784, a76 = 11.0 / 84, e1 = 71.0 / 57600, e3 = -71.0 / 16695,
		    e4 = 71.0 / 1920, e5 = -17253.0 / 339200, e6 = 22.0 / 525, e7 = -1.0 / 40,
		    d1 = -12715105075.0 / 11282082432.0, d3 = 87487479700.0 / 32700410799.0,
		    d4 = -10690763975.0 / 1880347072.0, d5 = 701980252875.0 / 199316789632.0,
		    d6 = -1453857185.0 / 822651844.0, d7 = 69997945.0 / 29380423.0;

/* Controller constants: safety, step growth and shrink limits, PI beta. */
static const double SAFE = 0.9, FAC_MAX = 10.0, FAC_MIN = 0.2, BETA = 0.04,
		    EXPO = 0.2 - 0.04 * 0.75;

size_t sim_sample_count(double op_time, double sample_rate)
{
	double n = nearbyint(op_time * sample_rate);

	return n > 0 && n < 1e15 ? (size_t)n : 0;
}

int sim_measured_channels(const struct circuit *c)
{
	int i, n = 0;

	for (i = 0; i < c->nadc; i++)
		n += c->adc[i] != CIRCUIT_UNUSED;
	return n;
}

static int limit_fail(struct circuit_error *err, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int limit_fail(struct circuit_error *err, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		memset(err, 0, sizeof(*err));
		if (field[0]) {
			snprintf(err->loc, sizeof(err->loc), "/%s", field);
			snprintf(err->part[0].key, sizeof(err->part[0].key), "%s", field);
			err->nparts = 1;
		}
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

int sim_check_limits(double op_time, double sample_rate, int nchannels, struct circuit_error *err)
{
	double values;

	if (!(op_time > 0.0 && op_time <= SIM_OP_TIME_MAX))
		return limit_fail(err, "op_time", "op_time %g s out of range (0, %g]", op_time,
		                  SIM_OP_TIME_MAX);
	if (!(sample_rate >= SIM_SAMPLE_RATE_MIN && sample_rate <= SIM_SAMPLE_RATE_MAX))
		return limit_fail(err, "sample_rate",
		                  "sample_rate %g Hz out of range [%g, 1000000]", sample_rate,
		                  SIM_SAMPLE_RATE_MIN);
	values = (double)sim_sample_count(op_time, sample_rate) * nchannels;
	if (values > SIM_VALUES_MAX)
		return limit_fail(err, "", "%.0f samples x channels exceed the limit of %.0f",
		                  values, SIM_VALUES_MAX);
	return 0;
}

void sim_result_free(struct sim_result *res)
{
	free(res->data);
	res->data = NULL;
	res->nchannels = res->nsamples = 0;
}

/* The integration state of one run. */
struct run {
	const struct rhs *r;
	struct sim_result *res;
	struct sim_stats st;
	double rtol, atol;
	size_t next; /* next sample index */
	double rate;
	char *errbuf;
	size_t errlen;
};

static int run_fail(struct run *R, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int run_fail(struct run *R, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(R->errbuf, R->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Stores sample k from state y; -1 when a channel is not finite. */
static int store(struct run *R, size_t k, const double *y)
{
	double v[CIRCUIT_ADC_MAX];
	size_t ch;

	rhs_channels(R->r, y, v);
	for (ch = 0; ch < R->res->nchannels; ch++) {
		if (!isfinite(v[ch]))
			return run_fail(R, "a measured value became non-finite at t = %.9g s",
			                (double)k / R->rate);
		R->res->data[ch * R->res->nsamples + k] = v[ch];
	}
	return 0;
}

static double scaled_max(const double *v, const double *y, const double *s, int n, double atol,
                         double rtol)
{
	double m = 0.0;
	int i;

	for (i = 0; i < n; i++) {
		double q = fabs(v[i]) / (atol + rtol * fmax(fabs(y[i]), fabs(s[i])));

		if (!(q <= m)) /* also catches NaN */
			m = isnan(q) ? INFINITY : q;
	}
	return m;
}

/* Initial step size (Hairer's hinit, in the max norm). */
static double initial_step(struct run *R, const double *y0, const double *f0, double hmax)
{
	const struct rhs *r = R->r;
	double zero[N] = { 0 }, y1[N], f1[N], df[N];
	double dny = scaled_max(y0, y0, zero, r->n, R->atol, R->rtol);
	double dnf = scaled_max(f0, y0, zero, r->n, R->atol, R->rtol);
	double h, der2, der12, h1;
	int i;

	h = (dny <= 1e-5 || dnf <= 1e-5) ? 1e-6 * hmax : 0.01 * dny / dnf;
	h = fmin(h, hmax);
	for (i = 0; i < r->n; i++)
		y1[i] = y0[i] + h * f0[i];
	rhs_eval(r, y1, f1);
	R->st.rhs_evals++;
	for (i = 0; i < r->n; i++)
		df[i] = f1[i] - f0[i];
	der2 = scaled_max(df, y0, zero, r->n, R->atol, R->rtol) / h;
	der12 = fmax(der2, dnf);
	h1 = der12 <= 1e-15 ? fmax(1e-6 * hmax, h * 1e-3) : pow(0.01 / der12, 0.2);
	return fmin(fmin(100.0 * h, h1), hmax);
}

static int report(const struct sim_options *opt, double fraction, double *next_report)
{
	if (!opt->progress || fraction < *next_report)
		return 0;
	*next_report = floor(fraction * 100.0 + 1.0) / 100.0;
	return opt->progress(fraction, opt->progress_ctx);
}

static int integrate(struct run *R, const struct sim_options *opt, double t_end, uint64_t max_steps)
{
	const struct rhs *r = R->r;
	const int n = r->n;
	double y[N], ynew[N], yt[N], err[N];
	double k1[N], k2[N], k3[N], k4[N], k5[N], k6[N], k7[N];
	double ydiff[N], bspl[N], r4[N], r5[N];
	double t = 0.0, h, facold = 1e-4, next_report = 0.01;
	double hmin = 1e-14 * t_end;
	int i, last_rejected = 0;

	memcpy(y, r->y0, sizeof(y));
	rhs_eval(r, y, k1);
	R->st.rhs_evals++;
	h = initial_step(R, y, k1, t_end);
	while (t < t_end) {
		double e, fac11, fac, t_new;
		int final = 0;

		if (R->st.steps + R->st.rejected >= max_steps)
			return run_fail(
				R,
				"step limit exceeded at t = %.9g s: the circuit is too stiff or too fast to simulate",
				t);
		if (h < hmin || t + h == t)
			return run_fail(
				R,
				"the solution diverges at t = %.9g s (values grow without bound)",
				t);
		if (t + h >= t_end || t + 1.01 * h >= t_end) {
			h = t_end - t;
			final = 1;
		}
		for (i = 0; i < n; i++)
			yt[i] = y[i] + h * a21 * k1[i];
		rhs_eval(r, yt, k2);
		for (i = 0; i < n; i++)
			yt[i] = y[i] + h * (a31 * k1[i] + a32 * k2[i]);
		rhs_eval(r, yt, k3);
		for (i = 0; i < n; i++)
			yt[i] = y[i] + h * (a41 * k1[i] + a42 * k2[i] + a43 * k3[i]);
		rhs_eval(r, yt, k4);
		for (i = 0; i < n; i++)
			yt[i] = y[i] + h * (a51 * k1[i] + a52 * k2[i] + a53 * k3[i] + a54 * k4[i]);
		rhs_eval(r, yt, k5);
		for (i = 0; i < n; i++)
			yt[i] = y[i] + h * (a61 * k1[i] + a62 * k2[i] + a63 * k3[i] + a64 * k4[i] +
			                    a65 * k5[i]);
		rhs_eval(r, yt, k6);
		for (i = 0; i < n; i++)
			ynew[i] = y[i] + h * (a71 * k1[i] + a73 * k3[i] + a74 * k4[i] +
			                      a75 * k5[i] + a76 * k6[i]);
		rhs_eval(r, ynew, k7);
		R->st.rhs_evals += 6;
		for (i = 0; i < n; i++)
			err[i] = h * (e1 * k1[i] + e3 * k3[i] + e4 * k4[i] + e5 * k5[i] +
			              e6 * k6[i] + e7 * k7[i]);
		e = scaled_max(err, y, ynew, n, R->atol, R->rtol);
		for (i = 0; i < n; i++)
			if (!isfinite(ynew[i]) || !isfinite(k7[i]))
				e = INFINITY;
		if (!(e <= 1.0)) {
			/* rejected: shrink, never grow after a rejection */
			R->st.rejected++;
			h = isfinite(e) ? h / fmin(1.0 / FAC_MIN, pow(e, EXPO) / SAFE) : h * 0.1;
			last_rejected = 1;
			continue;
		}
		R->st.steps++;
		t_new = final ? t_end : t + h;
		for (i = 0; i < n; i++) {
			ydiff[i] = ynew[i] - y[i];
			bspl[i] = h * k1[i] - ydiff[i];
			r4[i] = ydiff[i] - h * k7[i] - bspl[i];
			r5[i] = h * (d1 * k1[i] + d3 * k3[i] + d4 * k4[i] + d5 * k5[i] +
			             d6 * k6[i] + d7 * k7[i]);
		}
		while (R->next < R->res->nsamples) {
			double ts = (double)R->next / R->rate, th, th1;

			if (ts > t_new)
				break;
			th = (ts - t) / h;
			th1 = 1.0 - th;
			for (i = 0; i < n; i++)
				yt[i] = y[i] + th * (ydiff[i] +
				                     th1 * (bspl[i] + th * (r4[i] + th1 * r5[i])));
			if (store(R, R->next, yt) < 0)
				return -1;
			R->next++;
		}
		fac11 = pow(e, EXPO);
		fac = fac11 / pow(facold, BETA);
		fac = fmax(1.0 / FAC_MAX, fmin(1.0 / FAC_MIN, fac / SAFE));
		facold = fmax(e, 1e-4);
		h = last_rejected ? fmin(h / fac, h) : h / fac;
		last_rejected = 0;
		memcpy(y, ynew, sizeof(y));
		memcpy(k1, k7, sizeof(k1));
		t = t_new;
		if (t < t_end && report(opt, t / t_end, &next_report))
			return run_fail(R, "cancelled at t = %.9g s", t);
	}
	return 0;
}

int sim_run(const struct circuit *c, const struct sim_options *opt, struct sim_result *out,
            struct sim_stats *stats, char *errbuf, size_t errlen)
{
	struct rhs r;
	struct run R;
	struct circuit_error lerr;
	size_t nsamples, k;
	double t_end;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&R, 0, sizeof(R));
	R.errbuf = errbuf;
	R.errlen = errlen;
	R.r = &r;
	R.res = out;
	if (circuit_validate(c, &lerr) < 0) {
		snprintf(errbuf, errlen, "%s: %s", lerr.loc, lerr.msg);
		goto out;
	}
	if (rhs_build(&r, c) < 0) {
		snprintf(errbuf, errlen, "algebraic loop through multipliers");
		goto out;
	}
	if (sim_check_limits(opt->op_time, opt->sample_rate, r.nchan, &lerr) < 0) {
		snprintf(errbuf, errlen, "%s", lerr.msg);
		goto out;
	}
	R.rtol = opt->rtol > 0 ? opt->rtol : SIM_RTOL;
	R.atol = opt->atol > 0 ? opt->atol : SIM_ATOL;
	R.rate = opt->sample_rate;
	nsamples = sim_sample_count(opt->op_time, opt->sample_rate);
	out->nchannels = (size_t)r.nchan;
	out->nsamples = nsamples;
	if (nsamples * out->nchannels > 0 &&
	    !(out->data = malloc(nsamples * out->nchannels * sizeof(double)))) {
		snprintf(errbuf, errlen, "out of memory for %zu samples",
		         nsamples * out->nchannels);
		goto out;
	}
	if (nsamples > 0) {
		if (store(&R, 0, r.y0) < 0)
			goto out;
		R.next = 1;
	}
	t_end = nsamples > 1 ? (double)(nsamples - 1) / opt->sample_rate : 0.0;
	if (r.n == 0) {
		/* nothing evolves: every sample equals the first */
		for (k = 1; k < nsamples; k++)
			if (store(&R, k, r.y0) < 0)
				goto out;
	} else if (t_end > 0.0 &&
	           integrate(&R, opt, t_end, opt->max_steps ? opt->max_steps : SIM_MAX_STEPS) < 0) {
		goto out;
	}
	if (opt->progress && opt->progress(1.0, opt->progress_ctx)) {
		snprintf(errbuf, errlen, "cancelled");
		goto out;
	}
	rc = 0;
out:
	if (stats)
		*stats = R.st;
	if (rc < 0)
		sim_result_free(out);
	return rc;
}
