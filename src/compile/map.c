/*
 * map: resolves names of a parsed program, expands every right-hand side
 * into a polynomial and places it on one cluster (see compile.h): state
 * variables on integrators in the order of their equations, products on
 * multipliers (a product of degree d > 2 chains d - 1 of them), then one
 * lane per distinct (source, weight) pair, feeding all inputs that need
 * exactly that weighted signal.
 */
#include "autoconfig.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compile/compile.h"
#include "compile/parse.h"
#include "compile/poly.h"

enum {
	SRC_CONST = CIRCUIT_MBLOCK, /* the constant source as a lane source */
	MAX_CONN = CIRCUIT_INTS * POLY_MAX_TERMS + 2 * CIRCUIT_MULS
};

struct conn {
	int dest; /* M-block input */
	int src;  /* M-block output or SRC_CONST */
	double w;
	int line, col;
	int stmt; /* equation it comes from, -1 for multiplier inputs */
	const struct mono *term;
};

struct mapper {
	const struct program *p;
	struct compile_diag *diag;
	const char *target;
	bool is_param[PROG_MAX_NAMES], param_done[PROG_MAX_NAMES];
	double param[PROG_MAX_NAMES];
	int state_of[PROG_MAX_NAMES];
	int nstates;
	int state_stmt[CIRCUIT_INTS];
	double x0[CIRCUIT_INTS];
	int init_stmt[CIRCUIT_INTS];
	struct poly rhs[CIRCUIT_INTS];
	int nmul;
	struct mono mul[CIRCUIT_MULS];
	int nconn;
	struct conn conn[MAX_CONN];
};

int compile_target_parse(const char *name, enum compile_target *target)
{
	if (strcasecmp(name, "LUCIDAC") == 0)
		*target = COMPILE_LUCIDAC;
	else if (strcasecmp(name, "REDAC") == 0)
		*target = COMPILE_REDAC;
	else
		return -1;
	return 0;
}

static const char *name_of(const struct mapper *M, int name)
{
	return M->p->names[name];
}

/* A constant expression: numbers and params already evaluated. */
static int eval_const(struct mapper *M, int node, double *out)
{
	const struct node *n = &M->p->nodes[node];
	double a, b;

	switch (n->kind) {
	case N_NUM:
		*out = n->num;
		return 0;
	case N_NAME:
		if (M->is_param[n->name] && M->param_done[n->name]) {
			*out = M->param[n->name];
			return 0;
		}
		if (M->state_of[n->name] >= 0)
			return diag_set(M->diag, n->line, n->col,
			                "'%s' is a state variable; a constant is needed here",
			                name_of(M, n->name));
		return diag_set(M->diag, n->line, n->col,
		                M->is_param[n->name] ? "param '%s' is used before its definition"
		                                     : "unknown name '%s'",
		                name_of(M, n->name));
	case N_NEG:
		if (eval_const(M, n->a, &a) < 0)
			return -1;
		*out = -a;
		return 0;
	default:
		if (eval_const(M, n->a, &a) < 0 || eval_const(M, n->b, &b) < 0)
			return -1;
		*out = n->kind == N_ADD ? a + b : n->kind == N_SUB ? a - b : a * b;
		return 0;
	}
}

static int poly_fail(struct mapper *M, const struct node *n, enum poly_status st)
{
	if (st == POLY_DEGREE)
		return diag_set(M->diag, n->line, n->col,
		                "product of more than %d factors: %s has %d multipliers",
		                POLY_MAX_DEG, M->target, CIRCUIT_MULS);
	return diag_set(M->diag, n->line, n->col, "expression has more than %d distinct terms",
	                POLY_MAX_TERMS);
}

/* Expands an expression over the state variables into *out. */
static int eval_poly(struct mapper *M, int node, struct poly *out)
{
	const struct node *n = &M->p->nodes[node];
	struct poly *a, *b;
	enum poly_status st = POLY_OK;
	int rc = -1;

	switch (n->kind) {
	case N_NUM:
		poly_const(out, n->num, n->line, n->col);
		return 0;
	case N_NAME:
		if (M->state_of[n->name] >= 0) {
			poly_var(out, M->state_of[n->name], n->line, n->col);
			return 0;
		}
		if (M->is_param[n->name]) {
			poly_const(out, M->param[n->name], n->line, n->col);
			return 0;
		}
		return diag_set(M->diag, n->line, n->col, "unknown name '%s'", name_of(M, n->name));
	case N_NEG:
		if (eval_poly(M, n->a, out) < 0)
			return -1;
		poly_scale(out, -1.0);
		return 0;
	default:
		break;
	}
	a = malloc(sizeof(*a));
	b = malloc(sizeof(*b));
	if (!a || !b) {
		diag_set(M->diag, n->line, n->col, "out of memory");
		goto out;
	}
	if (eval_poly(M, n->a, a) < 0 || eval_poly(M, n->b, b) < 0)
		goto out;
	if (n->kind == N_MUL) {
		st = poly_mul(out, a, b);
	} else {
		if (n->kind == N_SUB)
			poly_scale(b, -1.0);
		*out = *a;
		st = poly_add(out, b);
	}
	if (st != POLY_OK) {
		poly_fail(M, n, st);
		goto out;
	}
	rc = 0;
out:
	free(a);
	free(b);
	return rc;
}

/* Pass 1: params (in order), state variables, initial values. */
static int resolve(struct mapper *M)
{
	const struct program *p = M->p;
	int i;

	for (i = 0; i < p->nnames; i++)
		M->state_of[i] = -1;
	for (i = 0; i < p->nstmts; i++) {
		const struct stmt *s = &p->stmts[i];

		if (s->kind == S_PARAM) {
			if (M->is_param[s->name])
				return diag_set(M->diag, s->line, s->col,
				                "param '%s' defined twice", name_of(M, s->name));
			M->is_param[s->name] = true;
		}
	}
	for (i = 0; i < p->nstmts; i++) {
		const struct stmt *s = &p->stmts[i];
		int prev;

		if (s->kind != S_EQUATION)
			continue;
		if (M->is_param[s->name])
			return diag_set(M->diag, s->line, s->col,
			                "'%s' is a param and cannot have an equation",
			                name_of(M, s->name));
		if ((prev = M->state_of[s->name]) >= 0)
			return diag_set(M->diag, s->line, s->col,
			                "second equation for '%s' (the first is on line %d)",
			                name_of(M, s->name), p->stmts[M->state_stmt[prev]].line);
		if (M->nstates >= CIRCUIT_INTS)
			return diag_set(
				M->diag, s->line, s->col,
				"too many integrators: '%s' is state variable %d, %s has %d",
				name_of(M, s->name), M->nstates + 1, M->target, CIRCUIT_INTS);
		M->state_of[s->name] = M->nstates;
		M->state_stmt[M->nstates] = i;
		M->init_stmt[M->nstates] = -1;
		M->nstates++;
	}
	if (M->nstates == 0)
		return diag_set(M->diag, 0, 0, "no equations (write x' = ... or dx/dt = ...)");
	for (i = 0; i < p->nstmts; i++) {
		const struct stmt *s = &p->stmts[i];

		if (s->kind != S_PARAM)
			continue;
		if (eval_const(M, s->expr, &M->param[s->name]) < 0)
			return -1;
		if (!isfinite(M->param[s->name]))
			return diag_set(M->diag, s->line, s->col, "param '%s' is not finite",
			                name_of(M, s->name));
		M->param_done[s->name] = true;
	}
	for (i = 0; i < p->nstmts; i++) {
		const struct stmt *s = &p->stmts[i];
		int st = M->state_of[s->name];
		double v;

		if (s->kind != S_INIT)
			continue;
		if (st < 0)
			return diag_set(M->diag, s->line, s->col,
			                "initial value for '%s', which is not a state variable",
			                name_of(M, s->name));
		if (M->init_stmt[st] >= 0)
			return diag_set(M->diag, s->line, s->col, "second initial value for '%s'",
			                name_of(M, s->name));
		if (eval_const(M, s->expr, &v) < 0)
			return -1;
		if (!(fabs(v) <= 1.0))
			return diag_set(
				M->diag, s->line, s->col,
				"initial value %g of '%s' out of range [-1, 1]: scale '%s' by %.3g or less",
				v, name_of(M, s->name), name_of(M, s->name), 1.0 / fabs(v));
		M->x0[st] = v;
		M->init_stmt[st] = i;
	}
	return 0;
}

static void describe(const struct mapper *M, const struct mono *m, char *buf, size_t len)
{
	size_t used = 0;
	int i;

	if (m->deg == 0) {
		snprintf(buf, len, "the constant term");
		return;
	}
	buf[0] = '\0';
	for (i = 0; i < m->deg && used < len; i++) {
		int st = m->v[i];
		int w = snprintf(buf + used, len - used, "%s%s", i ? "*" : "",
		                 name_of(M, M->p->stmts[M->state_stmt[st]].name));

		used += w > 0 ? (size_t)w : 0;
	}
}

/* The M-block output carrying monomial m (degree >= 1), placing
 * multipliers as needed. */
static int source_of(struct mapper *M, const struct mono *m)
{
	struct mono left;
	int j, a, b;
	char what[96];

	if (m->deg == 1)
		return m->v[0];
	for (j = 0; j < M->nmul; j++)
		if (mono_same(&M->mul[j], m))
			return CIRCUIT_MUL_BASE + j;
	left = *m;
	left.deg--;
	if (m->deg == 2)
		a = m->v[0];
	else if ((a = source_of(M, &left)) < 0)
		return -1;
	b = m->v[m->deg - 1];
	if (M->nmul >= CIRCUIT_MULS) {
		describe(M, m, what, sizeof(what));
		return diag_set(
			M->diag, m->line, m->col,
			"too many multipliers: the product %s needs multiplier %d, %s has %d", what,
			M->nmul + 1, M->target, CIRCUIT_MULS);
	}
	j = M->nmul++;
	M->mul[j] = *m;
	M->conn[M->nconn++] =
		(struct conn){ CIRCUIT_MUL_BASE + 2 * j, a, 1.0, m->line, m->col, -1, NULL };
	M->conn[M->nconn++] =
		(struct conn){ CIRCUIT_MUL_BASE + 2 * j + 1, b, 1.0, m->line, m->col, -1, NULL };
	return CIRCUIT_MUL_BASE + j;
}

/* Pass 2: right-hand sides to connections. */
static int connect_terms(struct mapper *M)
{
	int s, t;

	for (s = 0; s < M->nstates; s++) {
		const struct stmt *st = &M->p->stmts[M->state_stmt[s]];

		if (eval_poly(M, st->expr, &M->rhs[s]) < 0)
			return -1;
		for (t = 0; t < M->rhs[s].n; t++) {
			const struct mono *m = &M->rhs[s].t[t];
			int src;

			if (m->c == 0.0)
				continue;
			if (!isfinite(m->c))
				return diag_set(M->diag, m->line, m->col,
				                "coefficient is not finite");
			src = m->deg == 0 ? SRC_CONST : source_of(M, m);
			if (src < 0)
				return -1;
			/* the integrator inverts: feed -c to get +c */
			M->conn[M->nconn++] = (struct conn){ s,       src,    -m->c,
				                             m->line, m->col, M->state_stmt[s],
				                             m };
		}
	}
	return 0;
}

static int coef_fail(struct mapper *M, const struct conn *cn)
{
	char what[96];
	const char *var = name_of(M, M->p->stmts[cn->stmt].name);

	describe(M, cn->term, what, sizeof(what));
	return diag_set(
		M->diag, cn->line, cn->col,
		"coefficient %g of %s in the equation for %s' is out of range: at most 10 in magnitude (1 without upscaling); scale the system down by a factor of at least %.3g (e.g. a slower time scale or scaled variables)",
		-cn->w, what, var, fabs(cn->w) / 10.0);
}

/* Pass 3: lanes, one per distinct (source, weight). */
static int place(struct mapper *M, struct circuit *c)
{
	int i, l, nlanes = 0;
	int lane_src[CIRCUIT_LANES];
	double lane_w[CIRCUIT_LANES];

	for (i = 0; i < M->nconn; i++) {
		const struct conn *cn = &M->conn[i];

		if (fabs(cn->w) > 10.0)
			return coef_fail(M, cn);
		for (l = 0; l < nlanes; l++)
			if (lane_src[l] == cn->src && lane_w[l] == cn->w)
				break;
		if (l == nlanes) {
			if (nlanes >= CIRCUIT_LANES)
				return diag_set(
					M->diag, cn->line, cn->col,
					"too many lanes: this term needs lane %d, %s has %d",
					nlanes + 1, M->target, CIRCUIT_LANES);
			lane_src[l] = cn->src;
			lane_w[l] = cn->w;
			nlanes++;
			if (cn->src == SRC_CONST) {
				c->u[l] = l < 16 ? 15 : 14;
				c->constant = 1.0;
			} else {
				c->u[l] = (int8_t)cn->src;
			}
			c->upscale[l] = fabs(cn->w) > 1.0;
			c->coef[l] = c->upscale[l] ? cn->w / 10.0 : cn->w;
		}
		c->sum[cn->dest] |= UINT32_C(1) << l;
	}
	return 0;
}

/* ADC channels: the measured variables, or all in order. */
static int measure(struct mapper *M, struct circuit *c)
{
	const struct program *p = M->p;
	int i, j;

	for (i = 0; i < p->nstmts; i++) {
		const struct stmt *s = &p->stmts[i];
		int st = M->state_of[s->name];

		if (s->kind != S_MEASURE)
			continue;
		if (st < 0)
			return diag_set(M->diag, s->line, s->col,
			                "cannot measure '%s': not a state variable",
			                name_of(M, s->name));
		for (j = 0; j < c->nadc; j++)
			if (c->adc[j] == st)
				return diag_set(M->diag, s->line, s->col, "'%s' is measured twice",
				                name_of(M, s->name));
		if (c->nadc >= CIRCUIT_ADC_MAX)
			return diag_set(M->diag, s->line, s->col,
			                "too many measured variables: %s has %d ADC channels",
			                M->target, CIRCUIT_ADC_MAX);
		c->adc[c->nadc++] = (int8_t)st;
	}
	if (c->nadc == 0)
		for (i = 0; i < M->nstates; i++)
			c->adc[c->nadc++] = (int8_t)i;
	return 0;
}

int compile_source(const char *src, size_t len, enum compile_target target, struct circuit *out,
                   struct compile_diag *diag)
{
	struct program *prog = malloc(sizeof(*prog));
	struct mapper *M = calloc(1, sizeof(*M));
	struct circuit c;
	struct circuit_error cerr;
	int i, rc = -1;

	memset(diag, 0, sizeof(*diag));
	if (!prog || !M) {
		diag_set(diag, 0, 0, "out of memory");
		goto out;
	}
	if (parse_program(src, len, prog, diag) < 0)
		goto out;
	M->p = prog;
	M->diag = diag;
	M->target = target == COMPILE_REDAC ? "a REDAC cluster" : "LUCIDAC";
	if (resolve(M) < 0 || connect_terms(M) < 0)
		goto out;
	circuit_init(&c);
	for (i = 0; i < M->nstates; i++)
		c.ic[i] = M->x0[i] == 0.0 ? 0.0 : -M->x0[i];
	if (place(M, &c) < 0 || measure(M, &c) < 0)
		goto out;
	if (circuit_validate(&c, &cerr) < 0) {
		diag_set(diag, 0, 0, "internal error: invalid circuit: %s: %s", cerr.loc, cerr.msg);
		goto out;
	}
	*out = c;
	rc = 0;
out:
	free(prog);
	free(M);
	return rc;
}
