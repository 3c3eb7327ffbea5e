/*
 * buf: a growable byte buffer, always NUL-terminated past `len` once it
 * holds anything, so text can be read from it as a C string.  Used for
 * SQL array literals, log batches, protocol output and child output.  A
 * zeroed struct buf is an empty buffer; buf_free returns it to that.
 */
#ifndef ACLOUD_COMMON_BUF_H
#define ACLOUD_COMMON_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

/* All return 0, or -1 when out of memory (the buffer is left unchanged). */
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *data, size_t len);
int buf_append_str(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drop the first n bytes. */
void buf_consume(struct buf *b, size_t n);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

#endif
