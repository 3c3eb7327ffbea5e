/*
 * pbwire: protobuf wire reading and writing (see pbwire.h).  Only the wire
 * types proto3 uses are accepted; groups (3, 4) and reserved types are
 * malformed input.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "circuit/pbwire.h"

static int read_varint(struct pb_reader *r, uint64_t *v, const char **why)
{
	uint64_t x = 0;
	int shift;

	for (shift = 0; shift < 64; shift += 7) {
		uint8_t byte;

		if (r->p >= r->end) {
			*why = "truncated varint";
			return -1;
		}
		byte = *r->p++;
		x |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80)) {
			*v = x;
			return 1;
		}
	}
	*why = "varint longer than 10 bytes";
	return -1;
}

static int read_fixed(struct pb_reader *r, size_t n, uint64_t *v, const char **why)
{
	uint64_t x = 0;
	size_t i;

	if ((size_t)(r->end - r->p) < n) {
		*why = "truncated fixed-size field";
		return -1;
	}
	for (i = 0; i < n; i++)
		x |= (uint64_t)r->p[i] << (8 * i);
	r->p += n;
	*v = x;
	return 1;
}

int pb_next(struct pb_reader *r, struct pb_field *f, const char **why)
{
	uint64_t key, v;

	if (r->p >= r->end)
		return 0;
	if (read_varint(r, &key, why) < 0)
		return -1;
	if ((key >> 3) == 0 || (key >> 3) > 0x1fffffff) {
		*why = "invalid field number";
		return -1;
	}
	memset(f, 0, sizeof(*f));
	f->num = (uint32_t)(key >> 3);
	f->wire = (enum pb_wire)(key & 7);
	switch (f->wire) {
	case PB_VARINT:
		return read_varint(r, &f->varint, why);
	case PB_I64:
		return read_fixed(r, 8, &f->i64, why);
	case PB_I32:
		if (read_fixed(r, 4, &v, why) < 0)
			return -1;
		f->i32 = (uint32_t)v;
		return 1;
	case PB_LEN:
		if (read_varint(r, &v, why) < 0)
			return -1;
		if (v > (uint64_t)(r->end - r->p)) {
			*why = "length-delimited field runs past the end";
			return -1;
		}
		f->data = r->p;
		f->len = (size_t)v;
		r->p += f->len;
		return 1;
	default:
		*why = "unsupported wire type (groups are not used by the schema)";
		return -1;
	}
}

struct pb_reader pb_sub(const struct pb_field *f)
{
	struct pb_reader r = { f->data, f->data + f->len };

	return r;
}

int pb_packed_varint(struct pb_reader *r, uint64_t *v, const char **why)
{
	if (r->p >= r->end)
		return 0;
	return read_varint(r, v, why);
}

float pb_float(uint32_t bits)
{
	float f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

double pb_double(uint64_t bits)
{
	double d;

	memcpy(&d, &bits, sizeof(d));
	return d;
}

void pb_buf_free(struct pb_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

static void put_raw(struct pb_buf *b, const void *data, size_t len)
{
	if (b->failed)
		return;
	if (len > b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *p;

		while (cap - b->len < len)
			cap *= 2;
		if (!(p = realloc(b->data, cap))) {
			b->failed = 1;
			return;
		}
		b->data = p;
		b->cap = cap;
	}
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
}

static void put_varint(struct pb_buf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;

	do {
		tmp[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			tmp[n] |= 0x80;
		n++;
	} while (v);
	put_raw(b, tmp, n);
}

static void put_fixed(struct pb_buf *b, uint64_t v, size_t n)
{
	uint8_t tmp[8];
	size_t i;

	for (i = 0; i < n; i++)
		tmp[i] = (uint8_t)(v >> (8 * i));
	put_raw(b, tmp, n);
}

static void put_key(struct pb_buf *b, uint32_t num, enum pb_wire wire)
{
	put_varint(b, ((uint64_t)num << 3) | (uint64_t)wire);
}

void pb_put_varint_field(struct pb_buf *b, uint32_t num, uint64_t v)
{
	put_key(b, num, PB_VARINT);
	put_varint(b, v);
}

void pb_put_float_field(struct pb_buf *b, uint32_t num, float v)
{
	uint32_t bits;

	memcpy(&bits, &v, sizeof(bits));
	put_key(b, num, PB_I32);
	put_fixed(b, bits, 4);
}

void pb_put_double_field(struct pb_buf *b, uint32_t num, double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	put_key(b, num, PB_I64);
	put_fixed(b, bits, 8);
}

void pb_put_bytes_field(struct pb_buf *b, uint32_t num, const void *data, size_t len)
{
	put_key(b, num, PB_LEN);
	put_varint(b, len);
	put_raw(b, data, len);
}

void pb_put_message(struct pb_buf *b, uint32_t num, const struct pb_buf *sub)
{
	if (sub->failed)
		b->failed = 1;
	pb_put_bytes_field(b, num, sub->data, sub->len);
}

void pb_put_packed_field(struct pb_buf *b, uint32_t num, const uint32_t *v, size_t n)
{
	struct pb_buf payload = { 0 };
	size_t i;

	for (i = 0; i < n; i++)
		put_varint(&payload, v[i]);
	pb_put_message(b, num, &payload);
	pb_buf_free(&payload);
}
