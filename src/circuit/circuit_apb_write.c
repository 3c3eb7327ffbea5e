/*
 * circuit_apb_write: struct circuit to an APB file, the inverse of
 * circuit_apb.c (field numbers listed there).  The layout follows what
 * pybrid writes: a carrier item with the ADC config, then the M0, C, U and
 * I blocks of the cluster, proto3 defaults (zeros) left out.  The carrier
 * id is the placeholder pybrid uses for files not bound to a device.
 */
#include "autoconfig.h"

#include <stdio.h>

#include "circuit/circuit.h"
#include "circuit/pbwire.h"

#define APB_CARRIER "00-00-00-00-00-00"

static void put_entity(struct pb_buf *item, const struct circuit *c, const char *block)
{
	struct pb_buf id = { 0 };
	char path[64];
	int n;

	if (block)
		n = snprintf(path, sizeof(path), APB_CARRIER "/%d/%s", c->cluster, block);
	else
		n = snprintf(path, sizeof(path), APB_CARRIER);
	pb_put_bytes_field(&id, 1, path, (size_t)n);
	pb_put_message(item, 1, &id);
	pb_buf_free(&id);
}

/* Appends Item{entity, <kind> = config} to the module. */
static void put_item(struct pb_buf *module, const struct circuit *c, const char *block,
                     uint32_t kind, const struct pb_buf *config)
{
	struct pb_buf item = { 0 };

	put_entity(&item, c, block);
	pb_put_message(&item, kind, config);
	pb_put_message(module, 1, &item);
	pb_buf_free(&item);
}

static void put_adc(struct pb_buf *module, const struct circuit *c)
{
	struct pb_buf cfg = { 0 };
	int i;

	for (i = 0; i < c->nadc; i++) {
		struct pb_buf ch = { 0 };

		if (c->adc[i] == CIRCUIT_UNUSED)
			continue;
		if (c->adc[i])
			pb_put_varint_field(&ch, 1, (uint64_t)c->adc[i]);
		pb_put_double_field(&ch, 2, 1.0); /* gain */
		pb_put_message(&cfg, 1, &ch);
		pb_buf_free(&ch);
	}
	put_item(module, c, NULL, 10, &cfg);
	pb_buf_free(&cfg);
}

static void put_itor(struct pb_buf *module, const struct circuit *c)
{
	struct pb_buf cfg = { 0 };
	int i;

	for (i = 0; i < CIRCUIT_INTS; i++) {
		struct pb_buf e = { 0 };

		if (i)
			pb_put_varint_field(&e, 1, (uint64_t)i);
		if (c->ic[i] != 0.0)
			pb_put_float_field(&e, 2, (float)c->ic[i]);
		pb_put_varint_field(&e, 3, (uint64_t)c->k[i]);
		pb_put_message(&cfg, 1, &e);
		pb_buf_free(&e);
	}
	put_item(module, c, "M0", 15, &cfg);
	pb_buf_free(&cfg);
}

static void put_coef(struct pb_buf *module, const struct circuit *c)
{
	struct pb_buf cfg = { 0 };
	int l;

	for (l = 0; l < CIRCUIT_LANES; l++) {
		struct pb_buf e = { 0 };

		if (l)
			pb_put_varint_field(&e, 1, (uint64_t)l);
		if (c->coef[l] != 0.0)
			pb_put_float_field(&e, 2, (float)c->coef[l]);
		pb_put_message(&cfg, 1, &e);
		pb_buf_free(&e);
	}
	put_item(module, c, "C", 14, &cfg);
	pb_buf_free(&cfg);
}

static void put_select(struct pb_buf *module, const struct circuit *c)
{
	struct pb_buf cfg = { 0 };
	int l;

	for (l = 0; l < CIRCUIT_LANES; l++) {
		struct pb_buf conn = { 0 };

		if (c->u[l] == CIRCUIT_UNUSED)
			continue;
		if (c->u[l])
			pb_put_varint_field(&conn, 1, (uint64_t)c->u[l]);
		if (l)
			pb_put_varint_field(&conn, 2, (uint64_t)l);
		pb_put_message(&cfg, 1, &conn);
		pb_buf_free(&conn);
	}
	if (c->constant != 0.0)
		pb_put_varint_field(&cfg, 2, c->constant > 0 ? 1 : 2);
	if (c->constant == 0.1 || c->constant == -0.1)
		pb_put_varint_field(&cfg, 3, 1);
	put_item(module, c, "U", 16, &cfg);
	pb_buf_free(&cfg);
}

static void put_sum(struct pb_buf *module, const struct circuit *c)
{
	struct pb_buf cfg = { 0 };
	uint32_t lanes[CIRCUIT_LANES];
	int i, l;

	for (i = 0; i < CIRCUIT_MBLOCK; i++) {
		struct pb_buf conn = { 0 };
		size_t n = 0;

		if (!c->sum[i])
			continue;
		for (l = 0; l < CIRCUIT_LANES; l++)
			if (c->sum[i] & (UINT32_C(1) << l))
				lanes[n++] = (uint32_t)l;
		pb_put_packed_field(&conn, 1, lanes, n);
		if (i)
			pb_put_varint_field(&conn, 2, (uint64_t)i);
		pb_put_message(&cfg, 1, &conn);
		pb_buf_free(&conn);
	}
	for (l = 0; l < CIRCUIT_LANES; l++) {
		struct pb_buf up = { 0 };

		if (!c->upscale[l])
			continue;
		if (l)
			pb_put_varint_field(&up, 1, (uint64_t)l);
		pb_put_varint_field(&up, 2, 1);
		pb_put_message(&cfg, 2, &up);
		pb_buf_free(&up);
	}
	put_item(module, c, "I", 17, &cfg);
	pb_buf_free(&cfg);
}

int circuit_to_apb(const struct circuit *c, uint8_t **buf, size_t *len)
{
	struct pb_buf file = { 0 }, version = { 0 }, module = { 0 };

	*buf = NULL;
	*len = 0;
	if (c->cluster < 0 || c->cluster >= CIRCUIT_CLUSTERS)
		return -1;
	pb_put_varint_field(&version, 2, 1); /* Version{minor: 1} */
	put_adc(&module, c);
	put_itor(&module, c);
	put_coef(&module, c);
	put_select(&module, c);
	put_sum(&module, c);
	pb_put_message(&file, 1, &version);
	pb_put_message(&file, 2, &module);
	pb_buf_free(&version);
	pb_buf_free(&module);
	if (file.failed) {
		pb_buf_free(&file);
		return -1;
	}
	*buf = file.data;
	*len = file.len;
	return 0;
}
