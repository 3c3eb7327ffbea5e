/*
 * rhs: builds and evaluates the precompiled right-hand side (see rhs.h).
 *
 * Building goes through a dense 16 x 17 matrix first (M-block input x
 * {integrators, multipliers, constant one}); that matrix is the circuit's
 * linear part exactly as lucipy's dense UCI matrix, with the constant
 * source and identity outputs already resolved.  The sparse lists are
 * taken from it.
 */
#include "autoconfig.h"

#include <string.h>

#include "sim/rhs.h"

enum {
	SRC_ONE = RHS_VALUES
}; /* column of the constant 1 */

/* Value a lane carries per unit of source, and which source column. */
static int lane_source(const struct circuit *c, int lane, double *scale)
{
	int out = c->u[lane];

	*scale = 1.0;
	if (out == CIRCUIT_UNUSED)
		return -1;
	if (out < CIRCUIT_ID_BASE)
		return out; /* integrator 0-7 or multiplier 8-11 */
	if (c->constant != 0.0 && ((lane < 16 && out == 15) || (lane >= 16 && out == 14))) {
		*scale = c->constant;
		return SRC_ONE;
	}
	return -1; /* identity elements read 0 */
}

/* Emits the sum of input `input` over the used sources into r->terms. */
static void emit_sum(struct rhs *r, const double m[CIRCUIT_MBLOCK][RHS_VALUES + 1], int input,
                     const int *value_of, double factor, struct rhs_sum *sum, int *nterms)
{
	int src;

	sum->bias = factor * m[input][SRC_ONE];
	sum->begin = *nterms;
	for (src = 0; src < RHS_VALUES; src++) {
		double w = m[input][src];

		if (w == 0.0)
			continue;
		if (src < CIRCUIT_INTS && r->int_state[src] < 0) {
			sum->bias += factor * w * r->fixed[src];
			continue;
		}
		r->terms[*nterms].w = factor * w;
		r->terms[*nterms].src = value_of[src];
		(*nterms)++;
	}
	sum->end = *nterms;
}

int rhs_build(struct rhs *r, const struct circuit *c)
{
	double m[CIRCUIT_MBLOCK][RHS_VALUES + 1];
	int value_of[RHS_VALUES], done[CIRCUIT_MULS] = { 0 };
	int lane, input, i, j, nterms = 0;

	memset(r, 0, sizeof(*r));
	memset(m, 0, sizeof(m));
	for (lane = 0; lane < CIRCUIT_LANES; lane++) {
		double scale, w = circuit_lane_weight(c, lane);
		int src = lane_source(c, lane, &scale);

		if (src < 0 || w == 0.0)
			continue;
		for (input = 0; input < CIRCUIT_MBLOCK; input++)
			if (c->sum[input] & (UINT32_C(1) << lane))
				m[input][src] += w * scale;
	}
	/* state: integrators with a non-zero input */
	for (i = 0; i < CIRCUIT_INTS; i++) {
		int used = 0;

		for (j = 0; j <= RHS_VALUES; j++)
			used |= m[i][j] != 0.0;
		r->fixed[i] = 0.0 - c->ic[i]; /* never -0 */
		r->int_state[i] = used ? r->n : -1;
		if (used) {
			r->state_int[r->n] = i;
			r->y0[r->n] = r->fixed[i];
			r->n++;
		}
	}
	for (i = 0; i < CIRCUIT_INTS; i++)
		value_of[i] = r->int_state[i];
	for (j = 0; j < CIRCUIT_MULS; j++)
		value_of[CIRCUIT_MUL_BASE + j] = r->n + j;
	/* multipliers in dependency order (Kahn's algorithm on 4 nodes) */
	while (r->nmul < CIRCUIT_MULS) {
		int progress = 0;

		for (j = 0; j < CIRCUIT_MULS; j++) {
			int ready = !done[j], d;

			for (d = 0; ready && d < CIRCUIT_MULS; d++) {
				int a = CIRCUIT_MUL_BASE + 2 * j;

				if (!done[d] && (m[a][CIRCUIT_MUL_BASE + d] != 0.0 ||
				                 m[a + 1][CIRCUIT_MUL_BASE + d] != 0.0))
					ready = 0;
			}
			if (!ready)
				continue;
			done[j] = 1;
			r->mul[r->nmul] = j;
			emit_sum(r, m, CIRCUIT_MUL_BASE + 2 * j, value_of, 1.0,
			         &r->mul_in[r->nmul][0], &nterms);
			emit_sum(r, m, CIRCUIT_MUL_BASE + 2 * j + 1, value_of, 1.0,
			         &r->mul_in[r->nmul][1], &nterms);
			r->nmul++;
			progress = 1;
		}
		if (!progress)
			return -1; /* algebraic loop */
	}
	for (i = 0; i < r->n; i++) {
		int integ = r->state_int[i];

		emit_sum(r, m, integ, value_of, -(double)c->k[integ], &r->deriv[i], &nterms);
	}
	for (i = 0; i < c->nadc; i++) {
		int out = c->adc[i];

		if (out == CIRCUIT_UNUSED)
			continue;
		r->chan_src[r->nchan] = -1;
		r->chan_fixed[r->nchan] = 0.0;
		if (out < CIRCUIT_INTS && r->int_state[out] < 0)
			r->chan_fixed[r->nchan] = r->fixed[out];
		else if (out < CIRCUIT_ID_BASE)
			r->chan_src[r->nchan] = value_of[out];
		r->nchan++;
	}
	return 0;
}

static inline double eval_sum(const struct rhs *r, const struct rhs_sum *s, const double *v)
{
	double acc = s->bias;
	int t;

	for (t = s->begin; t < s->end; t++)
		acc += r->terms[t].w * v[r->terms[t].src];
	return acc;
}

/* Fills v[] (state and multiplier outputs) from y. */
static inline void eval_values(const struct rhs *r, const double *y, double *v)
{
	int s, j;

	for (s = 0; s < r->n; s++)
		v[s] = y[s];
	for (j = 0; j < r->nmul; j++)
		v[r->n + r->mul[j]] =
			eval_sum(r, &r->mul_in[j][0], v) * eval_sum(r, &r->mul_in[j][1], v);
}

void rhs_eval(const struct rhs *r, const double *y, double *dy)
{
	double v[RHS_VALUES];
	int s;

	eval_values(r, y, v);
	for (s = 0; s < r->n; s++)
		dy[s] = eval_sum(r, &r->deriv[s], v);
}

void rhs_channels(const struct rhs *r, const double *y, double *out)
{
	double v[RHS_VALUES];
	int i;

	eval_values(r, y, v);
	for (i = 0; i < r->nchan; i++)
		out[i] = r->chan_src[i] < 0 ? r->chan_fixed[i] : v[r->chan_src[i]];
}
