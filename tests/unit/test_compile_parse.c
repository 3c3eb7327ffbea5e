/*
 * test_compile_parse: the ODE compiler's front end and mapping: the
 * circuit it builds for small systems, and every diagnostic with its line
 * and column (syntax, names, resources, ranges).
 */
#include "autoconfig.h"

#include <criterion/criterion.h>
#include <string.h>

#include "compile/compile.h"
#include "circuit/circuit.h"

static struct circuit ok(const char *src)
{
	struct circuit c;
	struct compile_diag d;

	cr_assert_eq(compile_source(src, strlen(src), COMPILE_LUCIDAC, &c, &d), 0, "%d:%d: %s",
	             d.line, d.col, d.msg);
	return c;
}

static void bad(const char *src, int line, int col, const char *part)
{
	struct circuit c;
	struct compile_diag d;

	cr_assert_eq(compile_source(src, strlen(src), COMPILE_LUCIDAC, &c, &d), -1, "accepted: %s",
	             src);
	cr_expect_eq(d.line, line, "line of \"%s\" (%d:%d: %s)", src, d.line, d.col, d.msg);
	cr_expect_eq(d.col, col, "column of \"%s\" (%d:%d: %s)", src, d.line, d.col, d.msg);
	cr_expect_not_null(strstr(d.msg, part), "\"%s\" lacks \"%s\"", d.msg, part);
}

/* The lane reading output `src` with weight w, or -1. */
static int lane_of(const struct circuit *c, int src, double w)
{
	int l;

	for (l = 0; l < CIRCUIT_LANES; l++)
		if (c->u[l] == src && circuit_lane_weight(c, l) == w)
			return l;
	return -1;
}

Test(compile, contract_example)
{
	struct circuit c = ok("# comment\n"
	                      "param a = 0.25\n"
	                      "x' = -a * y          # or: dx/dt = ...\n"
	                      "y' = x - x * y\n"
	                      "x(0) = 0.5\n"
	                      "y(0) = 0\n"
	                      "measure x, y\n");
	int l;

	cr_expect_eq(c.ic[0], -0.5);
	cr_expect_eq(c.ic[1], 0.0);
	cr_expect_eq(c.k[0], 10000);
	/* x' = -a y: the integrator inverts, so the lane carries +0.25 y */
	l = lane_of(&c, 1, 0.25);
	cr_assert_geq(l, 0);
	cr_expect_eq(c.sum[0], 1u << l);
	/* y' = x - xy: -1 x and +1 (x*y) into y's input */
	l = lane_of(&c, 0, -1.0);
	cr_assert_geq(l, 0);
	cr_expect(c.sum[1] & (1u << l));
	l = lane_of(&c, 8, 1.0);
	cr_assert_geq(l, 0);
	cr_expect(c.sum[1] & (1u << l));
	/* multiplier 0 gets x and y with weight 1 */
	cr_expect(c.sum[8] & (1u << lane_of(&c, 0, 1.0)));
	cr_expect(c.sum[9] & (1u << lane_of(&c, 1, 1.0)));
	cr_expect_eq(c.nadc, 2);
	cr_expect_eq(c.adc[0], 0);
	cr_expect_eq(c.adc[1], 1);
	cr_expect_eq(c.constant, 0.0);
}

Test(compile, constants_upscaling_and_shared_lanes)
{
	struct circuit c = ok("dx/dt = 0.5 - 2.5*x\n"
	                      "dy/dt = -2.5 * x + x*x\n"
	                      "measure y\n");
	int l;

	cr_expect_eq(c.constant, 1.0);
	l = lane_of(&c, 15, -0.5); /* constant from lanes 0-15 reads 15 */
	cr_assert_geq(l, 0);
	cr_expect_lt(l, 16);
	l = lane_of(&c, 0, 2.5); /* shared by x' and y' */
	cr_assert_geq(l, 0);
	cr_expect(c.upscale[l]);
	cr_expect_eq(c.coef[l], 0.25);
	cr_expect_eq(c.sum[0] & c.sum[1], 1u << l);
	l = lane_of(&c, 0, 1.0); /* x*x: one lane into both inputs */
	cr_assert_geq(l, 0);
	cr_expect(c.sum[8] & c.sum[9] & (1u << l));
	cr_expect_eq(c.nadc, 1);
	cr_expect_eq(c.adc[0], 1);
}

Test(compile, constant_lanes_in_the_upper_half_read_14)
{
	/* 17 distinct weights of x fill lanes 0-16, the constant lands on 17 */
	struct circuit c = ok("x' = 0.01*x\nx2' = 0.02*x\nx3' = 0.03*x\nx4' = 0.04*x\n"
	                      "x5' = 0.05*x + 0.06*x2 + 0.07*x3 + 0.08*x4\n"
	                      "x6' = 0.09*x2 + 0.10*x3 + 0.11*x4 + 0.12*x5\n"
	                      "x7' = 0.13*x2 + 0.14*x3 + 0.15*x4 + 0.16*x5\n"
	                      "x8' = 0.17*x6 + 0.3\n");
	int l = lane_of(&c, 14, -0.3);

	cr_assert_geq(l, 16);
	cr_expect_eq(c.constant, 1.0);
}

Test(compile, targets)
{
	struct circuit c;
	struct compile_diag d;
	enum compile_target t;

	cr_expect_eq(compile_target_parse("lucidac", &t), 0);
	cr_expect_eq(t, COMPILE_LUCIDAC);
	cr_expect_eq(compile_target_parse("REDAC", &t), 0);
	cr_expect_eq(t, COMPILE_REDAC);
	cr_expect_eq(compile_target_parse("SIMULATOR", &t), -1);
	cr_assert_eq(compile_source("x' = -x\n", 8, COMPILE_REDAC, &c, &d), 0);
	cr_expect_eq(c.cluster, 0);
	cr_assert_eq(compile_source("x' = 20*x", 9, COMPILE_REDAC, &c, &d), -1);
}

Test(compile, syntax_errors)
{
	bad("x' = 2x\n", 1, 7, "expected an operator ('*' for products), found name 'x'");
	bad("x' = (x\n", 1, 8, "expected ')'");
	bad("\n\nx' = x +\n", 3, 9, "expected a number, a name or '('");
	bad("x = 1\n", 1, 3, "expected \"'\", '/' or '(' after the name");
	bad("x' = x / 2\n", 1, 8, "division is not supported");
	bad("dz/dq = 1\n", 1, 4, "expected 'dt'");
	bad("x(1) = 0\nx' = 1\n", 1, 3, "expected 0");
	bad("x' = 1 $\n", 1, 8, "unexpected character '$'");
	bad("x' = 1.2.3\n", 1, 6, "malformed number \"1.2.3\"");
	bad("measure\n", 1, 8, "expected a state variable to measure");
	bad("param' = 1\n", 1, 1, "'param' is a reserved word");
	bad("x' = ((((((((((((((((((((((((((((((((((x))))))))))))))))))))))))))))))))))\n", 1, 38,
	    "nested more than 32 levels");
}

Test(compile, names)
{
	bad("x' = y\n", 1, 6, "unknown name 'y'");
	bad("param a = b\nparam b = 1\nx' = a\n", 1, 11, "param 'b' is used before its definition");
	bad("param a = x\nx' = a\n", 1, 11, "'x' is a state variable; a constant is needed");
	bad("x' = 1\nx' = 2\n", 2, 1, "second equation for 'x' (the first is on line 1)");
	bad("param x = 1\nx' = 2\n", 2, 1, "'x' is a param");
	bad("param a = 1\nparam a = 2\nx' = a\n", 2, 7, "param 'a' defined twice");
	bad("x' = 1\ny(0) = 1\n", 2, 1, "not a state variable");
	bad("x' = 1\nx(0) = 0.5\nx(0) = 0.1\n", 3, 1, "second initial value");
	bad("x' = 1\nmeasure x, z\n", 2, 12, "cannot measure 'z'");
	bad("x' = 1\nmeasure x, x\n", 2, 12, "measured twice");
	bad("# nothing\n", 0, 0, "no equations");
}

Test(compile, resources_and_ranges)
{
	bad("a'=1\nb'=1\nc'=1\nd'=1\ne'=1\nf'=1\ng'=1\nh'=1\ni'=1\n", 9, 1,
	    "too many integrators: 'i' is state variable 9, LUCIDAC has 8");
	bad("x' = x*y + y*z + x*z + x*x\ny' = y*y\nz' = 1\n", 2, 6,
	    "too many multipliers: the product y*y needs multiplier 5, LUCIDAC has 4");
	bad("x' = x*x*x*x*x*x\n", 1, 15, "product of more than 5 factors");
	bad("x' = 12.5*x*y\ny' = 0\n", 1, 6,
	    "coefficient 12.5 of x*y in the equation for x' is out of range: at most 10 in magnitude (1 without upscaling); scale the system down by a factor of at least 1.25");
	bad("x' = 1\nx(0) = -2\n", 2, 1,
	    "initial value -2 of 'x' out of range [-1, 1]: scale 'x' by 0.5 or less");
	bad("a'=0.11*a+0.12*b+0.13*c+0.14*d+0.15*e\n"
	    "b'=0.21*a+0.22*b+0.23*c+0.24*d+0.25*e\n"
	    "c'=0.31*a+0.32*b+0.33*c+0.34*d+0.35*e\n"
	    "d'=0.41*a+0.42*b+0.43*c+0.44*d+0.45*e\n"
	    "e'=0.51*a+0.52*b+0.53*c+0.54*d+0.55*e\n"
	    "f'=0.61*a+0.62*b+0.63*c+0.64*d+0.65*e\n"
	    "g'=0.71*a+0.72*b+0.73*c+0.74*d+0.75*e\n",
	    7, 18, "too many lanes: this term needs lane 33, LUCIDAC has 32");
}

Test(compile, cancelling_terms_use_no_lane)
{
	struct circuit c = ok("x' = y - y + 0*x\ny' = -x\n");
	int l, used = 0;

	for (l = 0; l < CIRCUIT_LANES; l++)
		used += c.u[l] != CIRCUIT_UNUSED;
	cr_expect_eq(used, 1);
	cr_expect_eq(c.sum[0], 0);
}
