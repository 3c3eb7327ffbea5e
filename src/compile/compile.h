/*
 * compile: the reference ODE compiler (contract section 6).  A system of
 * first-order ODEs becomes a circuit of one LUCIDAC cluster: each state
 * variable an integrator (k = 10000, so one time unit is 100 us), each
 * distinct product a multiplier, each constant term a lane from the
 * constant source, each term's factor a coefficient (upscaled above 1),
 * the sums the I-block.  Coefficients and initial values are negated so
 * that every integrator output carries its variable with its own sign.
 * The caller writes the circuit as APB or JSON (circuit/circuit.h).
 */
#ifndef ACLOUD_COMPILE_COMPILE_H
#define ACLOUD_COMPILE_COMPILE_H

#include <stddef.h>

#include "circuit/circuit.h"

enum compile_target {
	COMPILE_LUCIDAC,
	COMPILE_REDAC
};

/* Largest source accepted, in bytes. */
#define COMPILE_SOURCE_MAX 65536

/* One diagnostic: 1-based line and column of the cause, or 0 when the
 * problem is the whole source. */
struct compile_diag {
	int line, col;
	char msg[256];
};

/* "LUCIDAC" or "REDAC" (case-insensitive); -1 for anything else. */
int compile_target_parse(const char *name, enum compile_target *target);

/*
 * Compiles src[0..len) for the target.  Returns 0 and fills *out, or -1 with
 * the first error in *diag (syntax, unknown name, resources, ranges).
 */
int compile_source(const char *src, size_t len, enum compile_target target, struct circuit *out,
                   struct compile_diag *diag);

#endif
