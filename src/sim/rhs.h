/*
 * rhs: the circuit's ODE (contract section 7) precompiled into a compact
 * sparse form, so that one right-hand-side evaluation is a few dozen
 * multiply-adds.
 *
 * Only integrators whose input is non-zero are state; the others stay at
 * -ic and are folded into constant biases, as are the constant source and
 * lanes that read identity outputs (0).  Lanes into the same input from the
 * same source are merged, and the integrator factor -k is folded into the
 * weights.  Values are addressed in one array v[]: the n state variables
 * first, then the four multiplier outputs at v[n + j].
 */
#ifndef ACLOUD_SIM_RHS_H
#define ACLOUD_SIM_RHS_H

#include <stdint.h>

#include "circuit/circuit.h"

enum {
	RHS_VALUES = CIRCUIT_INTS + CIRCUIT_MULS,
	/* every (input, source) pair at most once */
	RHS_MAX_TERMS = CIRCUIT_MBLOCK * RHS_VALUES
};

struct rhs_term {
	double w;
	int src; /* index into v[] */
};

struct rhs_sum {
	double bias;
	int begin, end; /* terms[begin..end) */
};

struct rhs {
	int n;                                  /* state dimension */
	int state_int[CIRCUIT_INTS];            /* integrator of state s */
	int int_state[CIRCUIT_INTS];            /* state of integrator i, or -1 */
	double fixed[CIRCUIT_INTS];             /* value of inactive integrators */
	double y0[CIRCUIT_INTS];                /* initial state, -ic */
	int nmul;                               /* multipliers evaluated */
	int mul[CIRCUIT_MULS];                  /* in dependency order */
	struct rhs_sum mul_in[CIRCUIT_MULS][2]; /* inputs a, b per multiplier */
	struct rhs_sum deriv[CIRCUIT_INTS];     /* dy[s] */
	struct rhs_term terms[RHS_MAX_TERMS];
	int nchan;                          /* measured channels */
	int chan_src[CIRCUIT_ADC_MAX];      /* v[] index, or -1: constant */
	double chan_fixed[CIRCUIT_ADC_MAX]; /* value when chan_src is -1 */
};

/* Precompiles a validated circuit; -1 on an algebraic loop. */
int rhs_build(struct rhs *r, const struct circuit *c);

/* dy = f(y). */
void rhs_eval(const struct rhs *r, const double *y, double *dy);

/* The measured channel values at state y (out[nchan]). */
void rhs_channels(const struct rhs *r, const double *y, double *out);

#endif
