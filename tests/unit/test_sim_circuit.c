/*
 * test_sim_circuit: the JSON circuit loader and writer, and the model's
 * validation: good circuits (the lucipy Lorenz fixture, a REDAC carrier)
 * and every class of bad input with its exact error location.
 */
#include "autoconfig.h"

#include <criterion/criterion.h>
#include <jansson.h>

#include "circuit/circuit.h"
#include "sim_testutil.h"

static json_t *lorenz(void)
{
	size_t len;
	unsigned char *text = tu_read("lorenz_config.json", &len);
	json_t *root = json_loadb((const char *)text, len, 0, NULL);

	free(text);
	cr_assert_not_null(root);
	return root;
}

/* Applies a JSON-patch-like edit: set root[path...] = value. */
static json_t *edit(const char *pointer_keys[], json_t *value)
{
	json_t *root = lorenz(), *node = root;
	int i;

	for (i = 0; pointer_keys[i + 1]; i++) {
		const char *k = pointer_keys[i];

		node = json_is_array(node) ? json_array_get(node, (size_t)atoi(k))
		                           : json_object_get(node, k);
		cr_assert_not_null(node, "no %s", k);
	}
	if (json_is_array(node))
		json_array_set_new(node, (size_t)atoi(pointer_keys[i]), value);
	else
		json_object_set_new(node, pointer_keys[i], value);
	return root;
}

static void expect_error(json_t *root, const char *loc, const char *msg_part)
{
	struct circuit c;
	struct circuit_error err;

	cr_assert_eq(circuit_from_json(&c, root, &err), -1);
	cr_expect_str_eq(err.loc, loc);
	cr_expect_not_null(strstr(err.msg, msg_part), "message \"%s\" lacks \"%s\"", err.msg,
	                   msg_part);
	json_decref(root);
}

#define KEYS(...) ((const char *[]){ __VA_ARGS__, NULL })

Test(circuit_json, lorenz_fixture_loads)
{
	json_t *root = lorenz();
	struct circuit c;
	struct circuit_error err;

	cr_assert_eq(circuit_from_json(&c, root, &err), 0, "%s: %s", err.loc, err.msg);
	json_decref(root);
	cr_expect_eq(c.u[0], 0);
	cr_expect_eq(c.u[4], 8);
	cr_expect_eq(c.u[16], 14);
	cr_expect_eq(c.u[10], CIRCUIT_UNUSED);
	cr_expect_eq(c.constant, 1.0);
	cr_expect(c.upscale[1] && !c.upscale[0]);
	cr_expect_float_eq(circuit_lane_weight(&c, 1), -1.8, 1e-12);
	cr_expect_eq(c.sum[0], (1u << 0) | (1u << 1));
	cr_expect_eq(c.sum[11], (1u << 7) | (1u << 16));
	cr_expect_eq(c.ic[0], 1.0);
	cr_expect_eq(c.k[7], 10000);
	cr_expect_eq(c.nadc, 0);
	cr_expect_eq(c.cluster, 0);
}

Test(circuit_json, writer_round_trip)
{
	json_t *root = lorenz(), *again;
	struct circuit a, b;
	struct circuit_error err;

	cr_assert_eq(circuit_from_json(&a, root, &err), 0);
	a.nadc = 3;
	a.adc[0] = 0;
	a.adc[1] = CIRCUIT_UNUSED;
	a.adc[2] = 9;
	again = circuit_to_json(&a);
	cr_assert_not_null(again);
	cr_assert_eq(circuit_from_json(&b, again, &err), 0, "%s: %s", err.loc, err.msg);
	tu_assert_circuit_eq(&a, &b, 0.0);
	cr_expect_eq(b.nadc, 3);
	cr_expect_eq(b.adc[1], CIRCUIT_UNUSED);
	cr_expect_eq(b.adc[2], 9);
	json_decref(root);
	json_decref(again);
}

Test(circuit_json, redac_carrier_with_one_cluster_in_use)
{
	json_t *root = lorenz(), *cl = json_object_get(root, "/0");
	struct circuit c;
	struct circuit_error err;

	json_object_set(root, "/1", cl);
	json_object_set_new(root, "/0", json_object());
	json_object_set_new(root, "/2", json_pack("{s:{s:[]}}", "/M0", "elements"));
	json_object_set_new(root, "adc_channels", json_pack("[i,n,i]", 0, 2));
	cr_assert_eq(circuit_from_json(&c, root, &err), 0, "%s: %s", err.loc, err.msg);
	cr_expect_eq(c.cluster, 1);
	cr_expect_eq(c.u[16], 14);
	cr_expect_eq(c.nadc, 3);
	cr_expect_eq(c.adc[2], 2);
	json_decref(root);
}

Test(circuit_json, two_clusters_in_use)
{
	json_t *root = lorenz();

	json_object_set(root, "/2", json_object_get(root, "/0"));
	expect_error(root, "/2", "only one cluster");
}

Test(circuit_json, unknown_keys)
{
	expect_error(edit(KEYS("foo"), json_true()), "/foo", "unknown key");
	expect_error(edit(KEYS("/0", "/SH"), json_object()), "/0/SH", "unknown key");
	expect_error(edit(KEYS("/0", "/C", "gain"), json_true()), "/0/C/gain", "allowed: elements");
	expect_error(edit(KEYS("/0", "/M1", "x"), json_integer(1)), "/0/M1/x", "unknown key");
	expect_error(edit(KEYS("/0", "/M0", "elements", "0", "slow"), json_true()),
	             "/0/M0/elements/0/slow", "allowed: k, ic");
}

Test(circuit_json, wrong_types)
{
	expect_error(edit(KEYS("/0", "/C", "elements", "3"), json_string("x")), "/0/C/elements/3",
	             "expected a number, got a string");
	expect_error(edit(KEYS("/0", "/U", "outputs", "1"), json_real(1.0)), "/0/U/outputs/1",
	             "expected an integer or null");
	expect_error(edit(KEYS("/0", "/I", "upscaling", "4"), json_integer(1)), "/0/I/upscaling/4",
	             "expected a boolean");
	expect_error(edit(KEYS("/0", "/U"), json_array()), "/0/U", "expected an object");
	expect_error(edit(KEYS("/0", "/I", "outputs", "2"), json_integer(3)), "/0/I/outputs/2",
	             "expected an array of lanes or null");
	expect_error(json_array(), "", "expected an object");
}

Test(circuit_json, ranges)
{
	expect_error(edit(KEYS("/0", "/U", "outputs", "2"), json_integer(16)), "/0/U/outputs/2",
	             "M-block output 16 out of range 0..15");
	expect_error(edit(KEYS("/0", "/I", "outputs", "0"), json_pack("[i,i]", 1, 32)),
	             "/0/I/outputs/0/1", "lane 32 out of range 0..31");
	expect_error(edit(KEYS("/0", "/C", "elements", "5"), json_real(1.5)), "/0/C/elements/5",
	             "coefficient 1.5 of lane 5 out of range [-1, 1]");
	expect_error(edit(KEYS("/0", "/M0", "elements", "2", "k"), json_integer(1000)),
	             "/0/M0/elements/2/k", "k 1000 not allowed (100 or 10000)");
	expect_error(edit(KEYS("/0", "/M0", "elements", "0", "ic"), json_real(-1.25)),
	             "/0/M0/elements/0/ic", "ic -1.25 out of range");
	expect_error(edit(KEYS("/0", "/U", "constant"), json_real(0.5)), "/0/U/constant",
	             "constant 0.5 not allowed");
	expect_error(edit(KEYS("adc_channels"),
	                  json_pack("[i,i,i,i,i,i,i,i,i]", 0, 1, 2, 3, 4, 5, 6, 7, 8)),
	             "/adc_channels", "too many ADC channels: 9");
	expect_error(edit(KEYS("adc_channels"), json_pack("[i,i]", 0, 17)), "/adc_channels/1",
	             "M-block output 17 out of range");
}

Test(circuit_json, array_lengths_are_bounded)
{
	json_t *lanes = json_array();
	int i;

	for (i = 0; i < 33; i++)
		json_array_append_new(lanes, json_null());
	expect_error(edit(KEYS("/0", "/U", "outputs"), lanes), "/0/U/outputs",
	             "at most 32 entries allowed, got 33");
}

Test(circuit_json, lane_used_twice)
{
	expect_error(edit(KEYS("/0", "/I", "outputs", "0"), json_pack("[i,i,i]", 0, 1, 0)),
	             "/0/I/outputs/0/2", "lane 0 listed twice for M-block input 0");
	expect_error(edit(KEYS("/0", "/U", "outputs", "3"), json_pack("[i,i]", 0, 1)),
	             "/0/U/outputs/3", "lane 3 reads more than one M-block output");
}

Test(circuit_json, algebraic_loop)
{
	/* lane 10 carries multiplier 0's output (8) back into its input 8 */
	json_t *root = edit(KEYS("/0", "/U", "outputs", "10"), json_integer(8));

	json_array_set_new(
		json_object_get(json_object_get(json_object_get(root, "/0"), "/C"), "elements"), 10,
		json_real(0.5));
	json_array_append_new(
		json_array_get(json_object_get(json_object_get(json_object_get(root, "/0"), "/I"),
	                                       "outputs"),
	                       8),
		json_integer(10));
	expect_error(root, "/0/U/outputs/10", "algebraic loop");
}

Test(circuit_json, multiplier_chain_is_no_loop)
{
	/* multiplier 1 reads multiplier 0: a chain, not a loop */
	json_t *root = edit(KEYS("/0", "/U", "outputs", "10"), json_integer(8));
	struct circuit c;
	struct circuit_error err;

	json_array_set_new(
		json_object_get(json_object_get(json_object_get(root, "/0"), "/C"), "elements"), 10,
		json_real(0.5));
	json_array_append_new(
		json_array_get(json_object_get(json_object_get(json_object_get(root, "/0"), "/I"),
	                                       "outputs"),
	                       12),
		json_integer(10));
	cr_expect_eq(circuit_from_json(&c, root, &err), 0, "%s: %s", err.loc, err.msg);
	cr_expect_eq(circuit_find_loop(&c), -1);
	json_decref(root);
}

Test(circuit_json, no_cluster)
{
	expect_error(json_pack("{s:[i]}", "adc_channels", 0), "", "no cluster");
}

Test(circuit_json, error_loc_as_fastapi_list)
{
	json_t *root = edit(KEYS("/0", "/C", "elements", "5"), json_real(2.0));
	struct circuit c;
	struct circuit_error err;
	json_t *loc, *want = json_pack("[s,s,s,i]", "/0", "/C", "elements", 5);

	cr_assert_eq(circuit_from_json(&c, root, &err), -1);
	loc = circuit_error_loc(&err);
	cr_assert_not_null(loc);
	cr_expect(json_equal(loc, want), "loc %s", err.loc);
	json_decref(loc);
	json_decref(want);
	json_decref(root);
}

Test(circuit, validate_catches_bad_fields)
{
	struct circuit c;
	struct circuit_error err;

	circuit_init(&c);
	cr_expect_eq(circuit_validate(&c, &err), 0);
	c.k[3] = 7;
	cr_expect_eq(circuit_validate(&c, &err), -1);
	cr_expect_str_eq(err.loc, "/0/M0/elements/3/k");
	circuit_init(&c);
	c.cluster = 2;
	c.coef[4] = NAN;
	cr_expect_eq(circuit_validate(&c, &err), -1);
	cr_expect_str_eq(err.loc, "/2/C/elements/4");
	cr_expect_not(circuit_in_use(&c));
}
