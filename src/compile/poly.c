/*
 * poly: polynomial arithmetic for the compiler (see poly.h).  Terms keep
 * the order in which they first appear, so the generated circuit follows
 * the source order.  Terms whose coefficients cancel stay (with c = 0) and
 * are dropped by the mapper.
 */
#include "autoconfig.h"

#include <string.h>

#include "compile/poly.h"

void poly_const(struct poly *p, double c, int line, int col)
{
	p->n = 1;
	memset(&p->t[0], 0, sizeof(p->t[0]));
	p->t[0].c = c;
	p->t[0].line = line;
	p->t[0].col = col;
}

void poly_var(struct poly *p, int var, int line, int col)
{
	poly_const(p, 1.0, line, col);
	p->t[0].deg = 1;
	p->t[0].v[0] = (uint8_t)var;
}

void poly_scale(struct poly *p, double s)
{
	int i;

	for (i = 0; i < p->n; i++)
		p->t[i].c *= s;
}

int mono_same(const struct mono *a, const struct mono *b)
{
	return a->deg == b->deg && memcmp(a->v, b->v, (size_t)a->deg * sizeof(a->v[0])) == 0;
}

/* Adds one term to p, merging with an equal monomial. */
static enum poly_status add_term(struct poly *p, const struct mono *m)
{
	int i;

	for (i = 0; i < p->n; i++)
		if (mono_same(&p->t[i], m)) {
			p->t[i].c += m->c;
			return POLY_OK;
		}
	if (p->n >= POLY_MAX_TERMS)
		return POLY_TOO_MANY_TERMS;
	p->t[p->n++] = *m;
	return POLY_OK;
}

enum poly_status poly_add(struct poly *p, const struct poly *q)
{
	enum poly_status st;
	int i;

	for (i = 0; i < q->n; i++)
		if ((st = add_term(p, &q->t[i])) != POLY_OK)
			return st;
	return POLY_OK;
}

enum poly_status poly_mul(struct poly *out, const struct poly *a, const struct poly *b)
{
	enum poly_status st;
	int i, j;

	out->n = 0;
	for (i = 0; i < a->n; i++)
		for (j = 0; j < b->n; j++) {
			const struct mono *x = &a->t[i], *y = &b->t[j];
			struct mono m = *x;
			int p = 0, q = 0, k = 0;

			if (x->deg + y->deg > POLY_MAX_DEG)
				return POLY_DEGREE;
			m.c = x->c * y->c;
			m.deg = x->deg + y->deg;
			while (p < x->deg || q < y->deg) /* merge sorted */
				m.v[k++] = (q >= y->deg || (p < x->deg && x->v[p] <= y->v[q]))
				                   ? x->v[p++]
				                   : y->v[q++];
			if ((st = add_term(out, &m)) != POLY_OK)
				return st;
		}
	return POLY_OK;
}
