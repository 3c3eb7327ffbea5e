/*
 * test_sim_apb: the APB reader and writer: the real harmonic oscillator
 * file, an entity specification, hostile bytes (every truncation and
 * corruption of a real file), hand-built files with each class of error
 * and their locations, and writer/reader round trips.
 */
#include "autoconfig.h"

#include <criterion/criterion.h>
#include <jansson.h>

#include "circuit/circuit.h"
#include "circuit/pbwire.h"
#include "sim_testutil.h"

Test(apb, harmonic_fixture)
{
	size_t len;
	unsigned char *buf = tu_read("harmonic_pb.apb", &len);
	struct circuit c;
	struct circuit_error err;
	int i;

	cr_assert_eq(circuit_from_apb(buf, len, &c, &err), 0, "%s: %s", err.loc, err.msg);
	free(buf);
	cr_expect_eq(c.u[0], 1);
	cr_expect_eq(c.u[1], 0);
	for (i = 2; i < CIRCUIT_LANES; i++)
		cr_expect_eq(c.u[i], CIRCUIT_UNUSED);
	cr_expect_eq(c.coef[0], 1.0);
	cr_expect_eq(c.coef[1], -1.0);
	cr_expect_eq(c.sum[0], 1u << 0);
	cr_expect_eq(c.sum[1], 1u << 1);
	cr_expect_eq(c.ic[0], (double)-0.42f);
	cr_expect_eq(c.k[0], 10000);
	cr_expect_eq(c.constant, 1.0); /* POS_REF, unused by any lane */
	cr_expect_eq(c.nadc, 1);
	cr_expect_eq(c.adc[0], 0);
}

Test(apb, entity_specification_is_not_a_circuit)
{
	size_t len;
	unsigned char *buf = tu_read("lucidac.apb", &len);
	struct circuit c;
	struct circuit_error err;

	cr_assert_eq(circuit_from_apb(buf, len, &c, &err), -1);
	free(buf);
	cr_expect_str_eq(err.loc, "/module/items/0");
	cr_expect_not_null(strstr(err.msg, "entity specification"));
}

Test(apb, empty_and_garbage)
{
	static const uint8_t garbage[] = { 0x0b, 0x01 }; /* wire type 3 */
	static const uint8_t overlong[] = { 0x12, 0x7f, 0x00 };
	struct circuit c;
	struct circuit_error err;

	cr_expect_eq(circuit_from_apb((const uint8_t *)"", 0, &c, &err), -1);
	cr_expect_str_eq(err.msg, "APB file has no module");
	cr_expect_eq(circuit_from_apb(garbage, sizeof(garbage), &c, &err), -1);
	cr_expect_not_null(strstr(err.msg, "malformed protobuf"));
	cr_expect_eq(circuit_from_apb(overlong, sizeof(overlong), &c, &err), -1);
	cr_expect_not_null(strstr(err.msg, "runs past the end"));
}

/* Every prefix and every single-byte corruption is handled cleanly (the
 * sanitizer build checks memory safety). */
Test(apb, truncations_and_corruptions)
{
	size_t len, i;
	unsigned char *buf = tu_read("harmonic_pb.apb", &len);
	struct circuit c;
	struct circuit_error err;
	int ok = 0;

	for (i = 0; i < len; i++) {
		unsigned char *copy = malloc(i ? i : 1);

		memcpy(copy, buf, i);
		ok += circuit_from_apb(copy, i, &c, &err) == 0;
		free(copy);
	}
	cr_expect_lt(ok, (int)len, "most prefixes must fail");
	for (i = 0; i < len; i++) {
		unsigned char saved = buf[i];
		int b;

		for (b = 0; b < 8; b++) {
			buf[i] = saved ^ (unsigned char)(1u << b);
			if (circuit_from_apb(buf, len, &c, &err) == 0)
				cr_expect_eq(circuit_validate(&c, &err), 0);
		}
		buf[i] = saved;
	}
	free(buf);
}

Test(apb, writer_round_trip_is_a_fixed_point)
{
	size_t len, len2, len3;
	unsigned char *text = tu_read("lorenz_config.json", &len);
	json_t *root = json_loadb((const char *)text, len, 0, NULL);
	struct circuit a, b, d;
	struct circuit_error err;
	uint8_t *bin, *bin2;

	free(text);
	cr_assert_eq(circuit_from_json(&a, root, &err), 0);
	json_decref(root);
	a.nadc = 3;
	a.adc[0] = 0;
	a.adc[1] = 1;
	a.adc[2] = 8;
	a.k[5] = 100;
	cr_assert_eq(circuit_to_apb(&a, &bin, &len2), 0);
	cr_assert_eq(circuit_from_apb(bin, len2, &b, &err), 0, "%s: %s", err.loc, err.msg);
	tu_assert_circuit_eq(&a, &b, 1e-7); /* float32 in the schema */
	cr_expect_eq(b.nadc, 3);
	cr_expect_eq(b.adc[2], 8);
	cr_assert_eq(circuit_to_apb(&b, &bin2, &len3), 0);
	cr_assert_eq(len2, len3);
	cr_expect_eq(memcmp(bin, bin2, len2), 0);
	cr_assert_eq(circuit_from_apb(bin2, len3, &d, &err), 0);
	tu_assert_circuit_eq(&b, &d, 0.0);
	free(bin);
	free(bin2);
}

Test(apb, writer_handles_constant_magnitudes_and_clusters)
{
	struct circuit a, b;
	struct circuit_error err;
	uint8_t *bin;
	size_t len;

	circuit_init(&a);
	a.cluster = 2;
	a.constant = -0.1;
	tu_lane(&a, 3, 15, 0.5, 0);
	a.upscale[3] = true;
	cr_assert_eq(circuit_to_apb(&a, &bin, &len), 0);
	cr_assert_eq(circuit_from_apb(bin, len, &b, &err), 0, "%s: %s", err.loc, err.msg);
	free(bin);
	tu_assert_circuit_eq(&a, &b, 0.0);
}

/* Hand-built files: a module with one item (entity path, kind, config). */
static void build(struct pb_buf *file, const char *path, uint32_t kind, const struct pb_buf *config)
{
	struct pb_buf id = { 0 }, item = { 0 }, module = { 0 };

	pb_put_bytes_field(&id, 1, path, strlen(path));
	pb_put_message(&item, 1, &id);
	pb_put_message(&item, kind, config);
	pb_put_message(&module, 1, &item);
	pb_put_message(file, 2, &module);
	pb_buf_free(&id);
	pb_buf_free(&item);
	pb_buf_free(&module);
}

static void element(struct pb_buf *cfg, uint32_t field, int idx, int f2_float, double v2, int f3)
{
	struct pb_buf e = { 0 };

	pb_put_varint_field(&e, 1, (uint64_t)idx);
	if (f2_float)
		pb_put_float_field(&e, 2, (float)v2);
	else
		pb_put_varint_field(&e, 2, (uint64_t)v2);
	if (f3 >= 0)
		pb_put_varint_field(&e, 3, (uint64_t)f3);
	pb_put_message(cfg, field, &e);
	pb_buf_free(&e);
}

static void expect_apb_error(const char *path, uint32_t kind, struct pb_buf *cfg, const char *loc,
                             const char *msg_part)
{
	struct pb_buf file = { 0 };
	struct circuit c;
	struct circuit_error err;

	build(&file, path, kind, cfg);
	cr_assert_eq(circuit_from_apb(file.data, file.len, &c, &err), -1, "accepted, expected %s",
	             msg_part);
	cr_expect_str_eq(err.loc, loc);
	cr_expect_not_null(strstr(err.msg, msg_part), "message \"%s\" lacks \"%s\"", err.msg,
	                   msg_part);
	pb_buf_free(&file);
	pb_buf_free(cfg);
}

Test(apb, bad_integrator)
{
	struct pb_buf cfg = { 0 };

	element(&cfg, 1, 0, 1, 0.5, 10000);
	element(&cfg, 1, 1, 1, 0.0, 5);
	expect_apb_error("aa/0/M0", 15, &cfg, "/module/items/0/itor_config/elements/1/k",
	                 "k 5 not allowed");
	element(&cfg, 1, 2, 1, 1.5, 100);
	expect_apb_error("aa/0/M0", 15, &cfg, "/module/items/0/itor_config/elements/0/ic",
	                 "ic 1.5 out of range");
	element(&cfg, 1, 8, 1, 0.0, 100);
	expect_apb_error("aa/0/M0", 15, &cfg, "/module/items/0/itor_config/elements/0/idx",
	                 "integrator 8 out of range 0..7");
	element(&cfg, 1, 3, 1, 0.0, 100);
	element(&cfg, 1, 3, 1, 0.0, 100);
	expect_apb_error("aa/0/M0", 15, &cfg, "/module/items/0/itor_config/elements/1",
	                 "integrator 3 configured twice");
}

Test(apb, bad_coefficients_and_wire_types)
{
	struct pb_buf cfg = { 0 };

	element(&cfg, 1, 0, 1, 0.5, -1);
	element(&cfg, 1, 3, 1, -1.5, -1);
	expect_apb_error("aa/0/C", 14, &cfg, "/module/items/0/coef_config/elements/1/factor",
	                 "coefficient -1.5 of lane 3 out of range");
	element(&cfg, 1, 3, 0, 7, -1); /* factor as a varint */
	expect_apb_error("aa/0/C", 14, &cfg, "/module/items/0/coef_config/elements/0/factor",
	                 "wire type 0, expected 5");
	element(&cfg, 1, 3, 1, 0.5, -1);
	expect_apb_error("aa/0/M0", 14, &cfg, "/module/items/0/coef_config",
	                 "coef_config must address a C block");
}

Test(apb, bad_select_and_sum)
{
	struct pb_buf cfg = { 0 }, up = { 0 };
	static const uint32_t lanes[] = { 1, 40 }, twice[] = { 2, 2 };

	element(&cfg, 1, 1, 0, 5, -1); /* input 1 -> lane 5 */
	element(&cfg, 1, 2, 0, 5, -1); /* input 2 -> lane 5 again */
	expect_apb_error("aa/0/U", 16, &cfg, "/module/items/0/select_config/connections/1",
	                 "lane 5 selected twice");
	element(&cfg, 1, 16, 0, 1, -1);
	expect_apb_error("aa/0/U", 16, &cfg, "/module/items/0/select_config/connections/0/input",
	                 "M-block output 16 out of range 0..15");
	pb_put_varint_field(&cfg, 2, 3);
	expect_apb_error("aa/0/U", 16, &cfg, "/module/items/0/select_config/constant",
	                 "constant (GROUND, POS_REF, NEG_REF) 3 out of range");
	pb_put_packed_field(&up, 1, lanes, 2);
	pb_put_message(&cfg, 1, &up);
	pb_buf_free(&up);
	expect_apb_error("aa/0/I", 17, &cfg, "/module/items/0/sum_config/connections/0/inputs/1",
	                 "lane 40 out of range 0..31");
	pb_put_packed_field(&up, 1, twice, 2);
	pb_put_message(&cfg, 1, &up);
	pb_buf_free(&up);
	expect_apb_error("aa/0/I", 17, &cfg, "/module/items/0/sum_config/connections/0/inputs/1",
	                 "lane 2 listed twice");
}

Test(apb, bad_adc)
{
	struct pb_buf cfg = { 0 };
	int i;

	for (i = 0; i < 9; i++)
		element(&cfg, 1, i, 0, 0, -1);
	expect_apb_error("aa", 10, &cfg, "/module/items/0/adc_config/channels/8",
	                 "too many ADC channels");
	element(&cfg, 1, 3, 0, 0, -1);
	expect_apb_error("aa/0/M0", 10, &cfg, "/module/items/0/adc_config",
	                 "must address the carrier");
}

Test(apb, unpacked_sum_inputs_and_unknown_items_are_accepted)
{
	struct pb_buf file = { 0 }, cfg = { 0 }, conn = { 0 }, item = { 0 };
	struct pb_buf module = { 0 }, id = { 0 }, mul = { 0 };
	struct circuit c;
	struct circuit_error err;

	pb_put_varint_field(&conn, 1, 4); /* unpacked lane 4 */
	pb_put_varint_field(&conn, 1, 6);
	pb_put_varint_field(&conn, 2, 3);
	pb_put_varint_field(&conn, 99, 1); /* unknown field: skipped */
	pb_put_message(&cfg, 1, &conn);
	pb_put_bytes_field(&id, 1, "/xx/1/I", 7);
	pb_put_message(&item, 1, &id);
	pb_put_message(&item, 17, &cfg);
	pb_put_message(&module, 1, &item);
	pb_buf_free(&item);
	pb_buf_free(&id);
	pb_put_bytes_field(&id, 1, "xx/1/M1", 7);
	pb_put_message(&item, 1, &id);
	pb_put_message(&item, 12, &mul); /* MulConfig: calibration only */
	pb_put_message(&module, 1, &item);
	pb_put_message(&file, 2, &module);
	cr_assert_eq(circuit_from_apb(file.data, file.len, &c, &err), 0, "%s: %s", err.loc,
	             err.msg);
	cr_expect_eq(c.cluster, 1);
	cr_expect_eq(c.sum[3], (1u << 4) | (1u << 6));
	pb_buf_free(&file);
	pb_buf_free(&cfg);
	pb_buf_free(&conn);
	pb_buf_free(&item);
	pb_buf_free(&module);
	pb_buf_free(&id);
}

Test(apb, two_carriers_are_rejected)
{
	struct pb_buf file = { 0 }, cfg = { 0 }, module = { 0 };
	int i;

	for (i = 0; i < 2; i++) {
		struct pb_buf id = { 0 }, item = { 0 };

		pb_put_bytes_field(&id, 1, i ? "bb/0/C" : "aa/0/C", 6);
		pb_put_message(&item, 1, &id);
		pb_put_message(&item, 14, &cfg);
		pb_put_message(&module, 1, &item);
		pb_buf_free(&id);
		pb_buf_free(&item);
	}
	pb_put_message(&file, 2, &module);
	{
		struct circuit c;
		struct circuit_error err;

		cr_assert_eq(circuit_from_apb(file.data, file.len, &c, &err), -1);
		cr_expect_str_eq(err.loc, "/module/items/1/entity");
		cr_expect_not_null(strstr(err.msg, "one carrier only"));
	}
	pb_buf_free(&file);
	pb_buf_free(&module);
}
