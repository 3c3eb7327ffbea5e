/*
 * util: the small pieces every scheduler module uses: a growable byte
 * buffer, a monotonic clock in milliseconds, and text hygiene for log lines
 * (valid UTF-8, no control characters, bounded length) so that whatever a
 * child process or a device prints can always be stored as `text`.
 */
#ifndef ACLOUD_SCHED_UTIL_H
#define ACLOUD_SCHED_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
/* Append `len` bytes as clean text (see text_clean_len). */
int buf_append_text(struct buf *b, const char *text, size_t len);
/* Drop the first n bytes. */
void buf_consume(struct buf *b, size_t n);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

/* Milliseconds of CLOCK_MONOTONIC. */
int64_t now_ms(void);

/*
 * Length of the longest prefix of `in` (at most `len` bytes) that is valid
 * UTF-8, and whether the rest would need cleaning.  text_clean() copies `len`
 * bytes of `in` to `out` (capacity at least len), replacing every byte of an
 * invalid UTF-8 sequence and every control character except TAB by '?'.
 * The output is never longer than the input.
 */
size_t text_clean(const char *in, size_t len, char *out);

/* Whether `s` is a lower-case canonical UUID (what the tasks table holds). */
bool is_uuid(const char *s);

#endif
