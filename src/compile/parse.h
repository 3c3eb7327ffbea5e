/*
 * parse: lexer and recursive-descent parser of the ODE source language into
 * a flat program (statements with expression trees in a node pool).
 * Names are resolved later (map.c), so statements may come in any order.
 * Every size is bounded; exceeding a bound is a diagnostic.
 *
 *   statement := 'param' NAME '=' expr
 *              | NAME "'" '=' expr | 'd'NAME '/' 'dt' '=' expr
 *              | NAME '(' 0 ')' '=' expr
 *              | 'measure' NAME {',' NAME}
 *   expr := term {('+'|'-') term};  term := unary {'*' unary}
 *   unary := ('-'|'+') unary | NUMBER | NAME | '(' expr ')'
 */
#ifndef ACLOUD_COMPILE_PARSE_H
#define ACLOUD_COMPILE_PARSE_H

#include <stddef.h>

#include "compile/compile.h"

enum {
	PROG_MAX_NAMES = 128,
	PROG_NAME_LEN = 32,
	PROG_MAX_NODES = 4096,
	PROG_MAX_STMTS = 512,
	PROG_MAX_DEPTH = 32 /* nesting of unary minus and parentheses */
};

enum node_kind {
	N_NUM,
	N_NAME,
	N_NEG,
	N_ADD,
	N_SUB,
	N_MUL
};

struct node {
	enum node_kind kind;
	int line, col;
	double num; /* N_NUM */
	int name;   /* N_NAME: index into names */
	int a, b;   /* operands (node indices) */
};

enum stmt_kind {
	S_PARAM,
	S_EQUATION,
	S_INIT,
	S_MEASURE
};

struct stmt {
	enum stmt_kind kind;
	int line, col; /* of the name */
	int name;
	int expr; /* root node; -1 for S_MEASURE */
};

struct program {
	int nnames, nnodes, nstmts;
	char names[PROG_MAX_NAMES][PROG_NAME_LEN + 1];
	struct node nodes[PROG_MAX_NODES];
	struct stmt stmts[PROG_MAX_STMTS];
};

/* Parses src into *p; -1 with a diagnostic on the first error. */
int parse_program(const char *src, size_t len, struct program *p, struct compile_diag *diag);

/* Sets *diag; returns -1. */
int diag_set(struct compile_diag *diag, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
