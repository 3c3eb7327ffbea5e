/*
 * circuit: construction, lane weights and the format-independent checks of
 * the cluster model (ranges and algebraic loops).  The loaders check their
 * own format first and call circuit_validate() last, so every circuit that
 * reaches the simulator passed the same rules.
 */
#include "autoconfig.h"

#include <math.h>
#include <string.h>

#include "circuit/circuit.h"
#include "circuit/cpath.h"

static const char *const cluster_keys[CIRCUIT_CLUSTERS] = { "/0", "/1", "/2" };

void circuit_init(struct circuit *c)
{
	int i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < CIRCUIT_LANES; i++)
		c->u[i] = CIRCUIT_UNUSED;
	for (i = 0; i < CIRCUIT_INTS; i++)
		c->k[i] = CIRCUIT_K_FAST;
	for (i = 0; i < CIRCUIT_ADC_MAX; i++)
		c->adc[i] = CIRCUIT_UNUSED;
}

double circuit_lane_weight(const struct circuit *c, int lane)
{
	return c->upscale[lane] ? 10.0 * c->coef[lane] : c->coef[lane];
}

bool circuit_in_use(const struct circuit *c)
{
	int i;

	for (i = 0; i < CIRCUIT_LANES; i++)
		if (c->u[i] != CIRCUIT_UNUSED)
			return true;
	for (i = 0; i < CIRCUIT_MBLOCK; i++)
		if (c->sum[i])
			return true;
	return false;
}

/* Multiplier whose input is M-block input `input`, or -1. */
static int mul_of_input(int input)
{
	return input >= CIRCUIT_MUL_BASE ? (input - CIRCUIT_MUL_BASE) / 2 : -1;
}

/* Multiplier whose output is M-block output `output`, or -1. */
static int mul_of_output(int output)
{
	return output >= CIRCUIT_MUL_BASE && output < CIRCUIT_ID_BASE ? output - CIRCUIT_MUL_BASE
	                                                              : -1;
}

/*
 * Depth-first search over the multiplier graph (edge m -> j when a lane with
 * non-zero weight reads multiplier m and feeds an input of multiplier j).
 * Returns the lane of a back edge, or -1.
 */
static int loop_dfs(const struct circuit *c, int m, int *state)
{
	int lane, input;

	state[m] = 1; /* on the stack */
	for (lane = 0; lane < CIRCUIT_LANES; lane++) {
		if (mul_of_output(c->u[lane]) != m || c->coef[lane] == 0.0)
			continue;
		for (input = CIRCUIT_MUL_BASE; input < CIRCUIT_MBLOCK; input++) {
			int j = mul_of_input(input), found;

			if (!(c->sum[input] & (UINT32_C(1) << lane)))
				continue;
			if (state[j] == 1)
				return lane;
			if (state[j] == 0 && (found = loop_dfs(c, j, state)) >= 0)
				return found;
		}
	}
	state[m] = 2; /* done */
	return -1;
}

int circuit_find_loop(const struct circuit *c)
{
	int state[CIRCUIT_MULS] = { 0 };
	int m, lane;

	for (m = 0; m < CIRCUIT_MULS; m++)
		if (state[m] == 0 && (lane = loop_dfs(c, m, state)) >= 0)
			return lane;
	return -1;
}

static int valid_constant(double v)
{
	return v == 0.0 || v == 1.0 || v == -1.0 || v == 0.1 || v == -0.1;
}

int circuit_validate(const struct circuit *c, struct circuit_error *err)
{
	struct cpath path = { 0 };
	int i, lane;

	if (c->cluster < 0 || c->cluster >= CIRCUIT_CLUSTERS)
		return cpath_fail(&path, err, "cluster %d out of range 0..2", c->cluster);
	cpath_key(&path, cluster_keys[c->cluster]);
	for (i = 0; i < CIRCUIT_LANES; i++) {
		if (c->u[i] < CIRCUIT_UNUSED || c->u[i] >= CIRCUIT_MBLOCK) {
			cpath_key(&path, "/U");
			cpath_key(&path, "outputs");
			cpath_index(&path, i);
			return cpath_fail(&path, err,
			                  "lane %d reads M-block output %d, allowed 0..15 or null",
			                  i, c->u[i]);
		}
		if (!isfinite(c->coef[i]) || fabs(c->coef[i]) > 1.0) {
			cpath_key(&path, "/C");
			cpath_key(&path, "elements");
			cpath_index(&path, i);
			return cpath_fail(&path, err,
			                  "coefficient %g of lane %d out of range [-1, 1]",
			                  c->coef[i], i);
		}
	}
	if (!valid_constant(c->constant)) {
		cpath_key(&path, "/U");
		cpath_key(&path, "constant");
		return cpath_fail(&path, err, "constant %g not allowed (false, true, 0.1 or 1)",
		                  c->constant);
	}
	for (i = 0; i < CIRCUIT_INTS; i++) {
		cpath_key(&path, "/M0");
		cpath_key(&path, "elements");
		cpath_index(&path, i);
		if (c->k[i] != CIRCUIT_K_FAST && c->k[i] != CIRCUIT_K_SLOW) {
			cpath_key(&path, "k");
			return cpath_fail(&path, err,
			                  "integrator %d: k %d not allowed (100 or 10000)", i,
			                  c->k[i]);
		}
		if (!isfinite(c->ic[i]) || fabs(c->ic[i]) > 1.0) {
			cpath_key(&path, "ic");
			return cpath_fail(&path, err, "integrator %d: ic %g out of range [-1, 1]",
			                  i, c->ic[i]);
		}
		path.n -= 3;
	}
	cpath_pop(&path);
	cpath_key(&path, "adc_channels");
	if (c->nadc < 0 || c->nadc > CIRCUIT_ADC_MAX)
		return cpath_fail(&path, err, "%d ADC channels, at most 8 allowed", c->nadc);
	for (i = 0; i < c->nadc; i++) {
		if (c->adc[i] < CIRCUIT_UNUSED || c->adc[i] >= CIRCUIT_MBLOCK) {
			cpath_index(&path, i);
			return cpath_fail(
				&path, err,
				"ADC channel %d reads M-block output %d, allowed 0..15 or null", i,
				c->adc[i]);
		}
	}
	cpath_pop(&path);
	lane = circuit_find_loop(c);
	if (lane >= 0) {
		cpath_key(&path, cluster_keys[c->cluster]);
		cpath_key(&path, "/U");
		cpath_key(&path, "outputs");
		cpath_index(&path, lane);
		return cpath_fail(
			&path, err,
			"algebraic loop through multipliers: lane %d feeds multiplier %d's output back into a multiplier input",
			lane, c->u[lane] - CIRCUIT_MUL_BASE);
	}
	return 0;
}
