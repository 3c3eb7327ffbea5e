/*
 * pbwire: the protobuf wire format, both ways, for the APB reader and
 * writer.  Reading is zero-copy over a caller's buffer and never allocates;
 * every length is checked against the bytes that remain.  Writing appends
 * to a growable buffer; a nested message is built in its own buffer and
 * then appended with its length.
 */
#ifndef ACLOUD_SIM_PBWIRE_H
#define ACLOUD_SIM_PBWIRE_H

#include <stddef.h>
#include <stdint.h>

enum pb_wire {
	PB_VARINT = 0,
	PB_I64 = 1,
	PB_LEN = 2,
	PB_I32 = 5
};

struct pb_reader {
	const uint8_t *p, *end;
};

struct pb_field {
	uint32_t num;
	enum pb_wire wire;
	uint64_t varint;     /* PB_VARINT */
	uint32_t i32;        /* PB_I32 */
	uint64_t i64;        /* PB_I64 */
	const uint8_t *data; /* PB_LEN */
	size_t len;
};

/* Reads the next field: 1, 0 at the end, -1 on malformed input with a
 * reason in *why. */
int pb_next(struct pb_reader *r, struct pb_field *f, const char **why);

/* Reader over a PB_LEN field's bytes. */
struct pb_reader pb_sub(const struct pb_field *f);

/* Reads one varint from a packed repeated field; same returns. */
int pb_packed_varint(struct pb_reader *r, uint64_t *v, const char **why);

float pb_float(uint32_t bits);
double pb_double(uint64_t bits);

struct pb_buf {
	uint8_t *data;
	size_t len, cap;
	int failed; /* an allocation failed; the buffer is unusable */
};

void pb_buf_free(struct pb_buf *b);
void pb_put_varint_field(struct pb_buf *b, uint32_t num, uint64_t v);
void pb_put_float_field(struct pb_buf *b, uint32_t num, float v);
void pb_put_double_field(struct pb_buf *b, uint32_t num, double v);
void pb_put_bytes_field(struct pb_buf *b, uint32_t num, const void *data, size_t len);
/* A packed repeated varint field (proto3's default for repeated scalars). */
void pb_put_packed_field(struct pb_buf *b, uint32_t num, const uint32_t *v, size_t n);
/* Appends sub as a nested message field; sub's failure carries over. */
void pb_put_message(struct pb_buf *b, uint32_t num, const struct pb_buf *sub);

#endif
