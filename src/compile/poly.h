/*
 * poly: polynomials in the state variables with real coefficients, the
 * normal form every right-hand side is expanded into before mapping.  A
 * monomial is a sorted list of variable indices (degree 0 is the constant
 * term) and remembers where in the source it first came from.  Sizes are
 * bounded: more terms or a higher degree than a cluster can ever realise
 * are reported instead of grown.
 */
#ifndef ACLOUD_COMPILE_POLY_H
#define ACLOUD_COMPILE_POLY_H

#include <stdint.h>

enum {
	POLY_MAX_TERMS = 48, /* more distinct terms than lanes exist */
	POLY_MAX_DEG = 5     /* 4 multipliers realise at most degree 5 */
};

struct mono {
	double c;
	int deg;
	uint8_t v[POLY_MAX_DEG]; /* ascending variable indices */
	int line, col;
};

struct poly {
	int n;
	struct mono t[POLY_MAX_TERMS];
};

enum poly_status {
	POLY_OK = 0,
	POLY_TOO_MANY_TERMS,
	POLY_DEGREE
};

void poly_const(struct poly *p, double c, int line, int col);
void poly_var(struct poly *p, int var, int line, int col);
void poly_scale(struct poly *p, double s);
/* p += q */
enum poly_status poly_add(struct poly *p, const struct poly *q);
/* out = a * b (out must not alias a or b) */
enum poly_status poly_mul(struct poly *out, const struct poly *a, const struct poly *b);
/* Whether two monomials have the same variables. */
int mono_same(const struct mono *a, const struct mono *b);

#endif
