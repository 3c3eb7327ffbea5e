/*
 * parse: the ODE source lexer and parser (grammar in parse.h).  Newlines
 * end statements; '#' starts a comment.  Positions are 1-based lines and
 * byte columns.
 */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile/parse.h"

enum tok_kind {
	T_EOF,
	T_NL,
	T_NAME,
	T_NUM,
	T_PRIME,
	T_EQ,
	T_PLUS,
	T_MINUS,
	T_STAR,
	T_SLASH,
	T_LPAREN,
	T_RPAREN,
	T_COMMA
};

static const char *const tok_names[] = { "end of input", "end of line", "name", "number", "'",
	                                 "'='",          "'+'",         "'-'",  "'*'",    "'/'",
	                                 "'('",          "')'",         "','" };

struct token {
	enum tok_kind kind;
	int line, col;
	double num;
	char text[PROG_NAME_LEN + 1];
};

struct lexer {
	const char *s, *end;
	int line, col;
};

struct parser {
	struct lexer lx;
	struct token tok;
	struct program *p;
	struct compile_diag *diag;
};

int diag_set(struct compile_diag *diag, int line, int col, const char *fmt, ...)
{
	va_list ap;

	if (diag) {
		diag->line = line;
		diag->col = col;
		va_start(ap, fmt);
		vsnprintf(diag->msg, sizeof(diag->msg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void skip_blank(struct lexer *lx)
{
	while (lx->s < lx->end) {
		char ch = *lx->s;

		if (ch == ' ' || ch == '\t' || ch == '\r') {
			lx->s++;
			lx->col++;
		} else if (ch == '#') {
			while (lx->s < lx->end && *lx->s != '\n') {
				lx->s++;
				lx->col++;
			}
		} else {
			break;
		}
	}
}

static int lex_number(struct lexer *lx, struct token *t, struct compile_diag *diag)
{
	const char *start = lx->s;
	char buf[64], *end;
	size_t n;

	while (lx->s < lx->end && (isdigit((unsigned char)*lx->s) || *lx->s == '.'))
		lx->s++;
	if (lx->s < lx->end && (*lx->s == 'e' || *lx->s == 'E')) {
		const char *e = lx->s + 1;

		if (e < lx->end && (*e == '+' || *e == '-'))
			e++;
		if (e < lx->end && isdigit((unsigned char)*e)) {
			lx->s = e;
			while (lx->s < lx->end && isdigit((unsigned char)*lx->s))
				lx->s++;
		}
	}
	n = (size_t)(lx->s - start);
	if (n >= sizeof(buf))
		return diag_set(diag, t->line, t->col, "number too long");
	memcpy(buf, start, n);
	buf[n] = '\0';
	errno = 0;
	t->num = strtod(buf, &end);
	if (*end || errno || n == 0)
		return diag_set(diag, t->line, t->col, "malformed number \"%s\"", buf);
	lx->col += (int)n;
	t->kind = T_NUM;
	return 0;
}

static int lex(struct lexer *lx, struct token *t, struct compile_diag *diag)
{
	static const char singles[] = "'=+-*/(),";
	static const enum tok_kind single_kinds[] = { T_PRIME, T_EQ,     T_PLUS,   T_MINUS, T_STAR,
		                                      T_SLASH, T_LPAREN, T_RPAREN, T_COMMA };
	const char *hit;
	char ch;

	skip_blank(lx);
	memset(t, 0, sizeof(*t));
	t->line = lx->line;
	t->col = lx->col;
	if (lx->s >= lx->end) {
		t->kind = T_EOF;
		return 0;
	}
	ch = *lx->s;
	if (ch == '\n') {
		lx->s++;
		lx->line++;
		lx->col = 1;
		t->kind = T_NL;
		return 0;
	}
	if (isalpha((unsigned char)ch) || ch == '_') {
		size_t n = 0;

		while (lx->s < lx->end && (isalnum((unsigned char)*lx->s) || *lx->s == '_')) {
			if (n >= PROG_NAME_LEN)
				return diag_set(diag, t->line, t->col,
				                "name longer than %d characters", PROG_NAME_LEN);
			t->text[n++] = *lx->s++;
			lx->col++;
		}
		t->kind = T_NAME;
		return 0;
	}
	if (isdigit((unsigned char)ch) || ch == '.')
		return lex_number(lx, t, diag);
	if (ch && (hit = strchr(singles, ch))) {
		lx->s++;
		lx->col++;
		t->kind = single_kinds[hit - singles];
		return 0;
	}
	if (isprint((unsigned char)ch))
		return diag_set(diag, t->line, t->col, "unexpected character '%c'", ch);
	return diag_set(diag, t->line, t->col, "unexpected byte 0x%02x", (unsigned char)ch);
}

static int advance(struct parser *P)
{
	return lex(&P->lx, &P->tok, P->diag);
}

/* The kind of the token after the current one. */
static int peek(struct parser *P, enum tok_kind *kind)
{
	struct lexer copy = P->lx;
	struct token t;

	if (lex(&copy, &t, P->diag) < 0)
		return -1;
	*kind = t.kind;
	return 0;
}

static int unexpected(struct parser *P, const char *wanted)
{
	const struct token *t = &P->tok;

	if (t->kind == T_NAME)
		return diag_set(P->diag, t->line, t->col, "expected %s, found name '%s'", wanted,
		                t->text);
	return diag_set(P->diag, t->line, t->col, "expected %s, found %s", wanted,
	                tok_names[t->kind]);
}

static int expect(struct parser *P, enum tok_kind kind, const char *wanted)
{
	if (P->tok.kind != kind)
		return unexpected(P, wanted);
	return advance(P);
}

static int intern(struct parser *P, const char *name, int line, int col)
{
	struct program *p = P->p;
	int i;

	for (i = 0; i < p->nnames; i++)
		if (strcmp(p->names[i], name) == 0)
			return i;
	if (p->nnames >= PROG_MAX_NAMES)
		return diag_set(P->diag, line, col, "more than %d names", PROG_MAX_NAMES);
	snprintf(p->names[p->nnames], sizeof(p->names[0]), "%s", name);
	return p->nnames++;
}

static int new_node(struct parser *P, enum node_kind kind, int line, int col)
{
	struct program *p = P->p;
	struct node *n;

	if (p->nnodes >= PROG_MAX_NODES)
		return diag_set(P->diag, line, col, "expressions too large (more than %d nodes)",
		                PROG_MAX_NODES);
	n = &p->nodes[p->nnodes];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->line = line;
	n->col = col;
	n->a = n->b = -1;
	return p->nnodes++;
}

static int parse_expr(struct parser *P, int depth);

static int parse_unary(struct parser *P, int depth)
{
	struct token t = P->tok;
	int n, a;

	if (depth >= PROG_MAX_DEPTH)
		return diag_set(P->diag, t.line, t.col,
		                "expression nested more than %d levels deep", PROG_MAX_DEPTH);
	switch (t.kind) {
	case T_MINUS:
	case T_PLUS:
		if (advance(P) < 0 || (a = parse_unary(P, depth + 1)) < 0)
			return -1;
		if (t.kind == T_PLUS)
			return a;
		if ((n = new_node(P, N_NEG, t.line, t.col)) < 0)
			return -1;
		P->p->nodes[n].a = a;
		return n;
	case T_NUM:
		if ((n = new_node(P, N_NUM, t.line, t.col)) < 0)
			return -1;
		P->p->nodes[n].num = t.num;
		return advance(P) < 0 ? -1 : n;
	case T_NAME:
		if ((n = new_node(P, N_NAME, t.line, t.col)) < 0 ||
		    (a = intern(P, t.text, t.line, t.col)) < 0)
			return -1;
		P->p->nodes[n].name = a;
		return advance(P) < 0 ? -1 : n;
	case T_LPAREN:
		if (advance(P) < 0 || (n = parse_expr(P, depth + 1)) < 0 ||
		    expect(P, T_RPAREN, "')'") < 0)
			return -1;
		return n;
	default:
		return unexpected(P, "a number, a name or '('");
	}
}

static int parse_term(struct parser *P, int depth)
{
	int left = parse_unary(P, depth);

	while (left >= 0 && (P->tok.kind == T_STAR || P->tok.kind == T_SLASH)) {
		struct token op = P->tok;
		int right, n;

		if (op.kind == T_SLASH)
			return diag_set(
				P->diag, op.line, op.col,
				"division is not supported (write the factor as a number or a param)");
		if (advance(P) < 0 || (right = parse_unary(P, depth)) < 0 ||
		    (n = new_node(P, N_MUL, op.line, op.col)) < 0)
			return -1;
		P->p->nodes[n].a = left;
		P->p->nodes[n].b = right;
		left = n;
	}
	return left;
}

static int parse_expr(struct parser *P, int depth)
{
	int left = parse_term(P, depth);

	while (left >= 0 && (P->tok.kind == T_PLUS || P->tok.kind == T_MINUS)) {
		struct token op = P->tok;
		int right, n;

		if (advance(P) < 0 || (right = parse_term(P, depth)) < 0 ||
		    (n = new_node(P, op.kind == T_PLUS ? N_ADD : N_SUB, op.line, op.col)) < 0)
			return -1;
		P->p->nodes[n].a = left;
		P->p->nodes[n].b = right;
		left = n;
	}
	if (left >= 0 && P->tok.kind != T_NL && P->tok.kind != T_EOF && P->tok.kind != T_RPAREN &&
	    P->tok.kind != T_COMMA) {
		if (P->tok.kind == T_NAME || P->tok.kind == T_NUM || P->tok.kind == T_LPAREN)
			return unexpected(P, "an operator ('*' for products)");
		return unexpected(P, "an operator or the end of the line");
	}
	return left;
}

static int add_stmt(struct parser *P, enum stmt_kind kind, const struct token *name, int expr)
{
	struct program *p = P->p;
	struct stmt *s;
	int idx;

	if (p->nstmts >= PROG_MAX_STMTS)
		return diag_set(P->diag, name->line, name->col, "more than %d statements",
		                PROG_MAX_STMTS);
	if ((idx = intern(P, name->text, name->line, name->col)) < 0)
		return -1;
	s = &p->stmts[p->nstmts++];
	s->kind = kind;
	s->line = name->line;
	s->col = name->col;
	s->name = idx;
	s->expr = expr;
	return 0;
}

static int reserved(const char *name)
{
	return strcmp(name, "param") == 0 || strcmp(name, "measure") == 0;
}

/* "= expr" then the end of the statement. */
static int parse_rhs(struct parser *P, enum stmt_kind kind, const struct token *name)
{
	int e;

	if (expect(P, T_EQ, "'='") < 0 || (e = parse_expr(P, 0)) < 0)
		return -1;
	if (P->tok.kind != T_NL && P->tok.kind != T_EOF)
		return unexpected(P, "the end of the line");
	return add_stmt(P, kind, name, e);
}

static int parse_measure(struct parser *P)
{
	for (;;) {
		struct token name = P->tok;

		if (name.kind != T_NAME)
			return unexpected(P, "a state variable to measure");
		if (add_stmt(P, S_MEASURE, &name, -1) < 0 || advance(P) < 0)
			return -1;
		if (P->tok.kind != T_COMMA)
			break;
		if (advance(P) < 0)
			return -1;
	}
	if (P->tok.kind != T_NL && P->tok.kind != T_EOF)
		return unexpected(P, "',' or the end of the line");
	return 0;
}

static int parse_statement(struct parser *P)
{
	struct token first = P->tok, name;
	enum tok_kind next;

	if (first.kind != T_NAME)
		return unexpected(
			P, "a statement (param, measure, x' = ..., dx/dt = ..., x(0) = ...)");
	if (strcmp(first.text, "measure") == 0)
		return advance(P) < 0 ? -1 : parse_measure(P);
	if (peek(P, &next) < 0)
		return -1;
	if (strcmp(first.text, "param") == 0 && next == T_NAME) {
		if (advance(P) < 0)
			return -1;
		name = P->tok;
		if (reserved(name.text))
			return diag_set(P->diag, name.line, name.col, "'%s' is a reserved word",
			                name.text);
		return advance(P) < 0 ? -1 : parse_rhs(P, S_PARAM, &name);
	}
	if (reserved(first.text))
		return diag_set(P->diag, first.line, first.col, "'%s' is a reserved word",
		                first.text);
	if (advance(P) < 0)
		return -1;
	switch (next) {
	case T_PRIME:
		return advance(P) < 0 ? -1 : parse_rhs(P, S_EQUATION, &first);
	case T_SLASH:
		if (first.text[0] != 'd' || !first.text[1])
			return diag_set(P->diag, first.line, first.col,
			                "expected dNAME/dt, found '%s/'", first.text);
		name = first;
		memmove(name.text, name.text + 1, strlen(name.text));
		name.col++;
		if (advance(P) < 0)
			return -1;
		if (P->tok.kind != T_NAME || strcmp(P->tok.text, "dt") != 0)
			return unexpected(P, "'dt'");
		if (reserved(name.text))
			return diag_set(P->diag, name.line, name.col, "'%s' is a reserved word",
			                name.text);
		return advance(P) < 0 ? -1 : parse_rhs(P, S_EQUATION, &name);
	case T_LPAREN:
		if (advance(P) < 0)
			return -1;
		if (P->tok.kind != T_NUM || P->tok.num != 0.0)
			return unexpected(P, "0 (initial values are given at t = 0)");
		if (advance(P) < 0 || expect(P, T_RPAREN, "')'") < 0)
			return -1;
		return parse_rhs(P, S_INIT, &first);
	default:
		return unexpected(P, "\"'\", '/' or '(' after the name");
	}
}

int parse_program(const char *src, size_t len, struct program *p, struct compile_diag *diag)
{
	struct parser P;

	memset(p, 0, sizeof(*p));
	if (len > COMPILE_SOURCE_MAX)
		return diag_set(diag, 0, 0, "source larger than %d bytes", COMPILE_SOURCE_MAX);
	P.lx.s = src;
	P.lx.end = src + len;
	P.lx.line = 1;
	P.lx.col = 1;
	P.p = p;
	P.diag = diag;
	if (advance(&P) < 0)
		return -1;
	while (P.tok.kind != T_EOF) {
		if (P.tok.kind != T_NL && parse_statement(&P) < 0)
			return -1;
		if (P.tok.kind == T_NL && advance(&P) < 0)
			return -1;
	}
	return 0;
}
