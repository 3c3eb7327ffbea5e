/*
 * sim_testutil: helpers shared by the sim and compile unit tests: reading
 * test data, comparing circuits, building small circuits by hand.
 */
#ifndef ACLOUD_TESTS_SIM_TESTUTIL_H
#define ACLOUD_TESTS_SIM_TESTUTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "circuit/circuit.h"

/* Reads TEST_DATA_DIR/name; aborts the test when it is missing. */
static inline unsigned char *tu_read(const char *name, size_t *len)
{
	char path[512];
	unsigned char *buf;
	long size;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", TEST_DATA_DIR, name);
	f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	buf = malloc((size_t)size + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
	buf[size] = 0;
	fclose(f);
	*len = (size_t)size;
	return buf;
}

/* Circuits equal, with coefficients and ics up to tol (float rounding). */
static inline void tu_assert_circuit_eq(const struct circuit *a, const struct circuit *b,
                                        double tol)
{
	int i;

	for (i = 0; i < CIRCUIT_LANES; i++) {
		cr_assert_eq(a->u[i], b->u[i], "lane %d source", i);
		cr_assert_leq(fabs(a->coef[i] - b->coef[i]), tol, "lane %d coef", i);
		cr_assert_eq(a->upscale[i], b->upscale[i], "lane %d upscale", i);
	}
	for (i = 0; i < CIRCUIT_MBLOCK; i++)
		cr_assert_eq(a->sum[i], b->sum[i], "sum %d", i);
	for (i = 0; i < CIRCUIT_INTS; i++) {
		cr_assert_eq(a->k[i], b->k[i], "k %d", i);
		cr_assert_leq(fabs(a->ic[i] - b->ic[i]), tol, "ic %d", i);
	}
	cr_assert_eq(a->constant, b->constant);
	cr_assert_eq(a->cluster, b->cluster);
}

/* Lane l of c reads output `out`, weight coef, into input `in`. */
static inline void tu_lane(struct circuit *c, int l, int out, double coef, int in)
{
	c->u[l] = (int8_t)out;
	c->coef[l] = coef;
	c->sum[in] |= UINT32_C(1) << l;
}

#endif
