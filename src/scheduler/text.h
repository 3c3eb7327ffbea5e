/*
 * text: hygiene for log lines (valid UTF-8, no control characters) so
 * that whatever a child process or a device prints can always be stored
 * as `text`.
 */
#ifndef ACLOUD_SCHED_TEXT_H
#define ACLOUD_SCHED_TEXT_H

#include <stddef.h>

#include "common/buf.h"

/*
 * text_clean() copies `len` bytes of `in` to `out` (capacity at least len),
 * replacing every byte of an invalid UTF-8 sequence and every control
 * character except TAB by '?', and returns the output length, never longer
 * than the input.
 */
size_t text_clean(const char *in, size_t len, char *out);
/* `len` less the bytes of a UTF-8 sequence that a cut left incomplete at
 * the end of `s`, so that a text cut to a size ends at a character
 * boundary. */
size_t text_cut(const char *s, size_t len);
/* Append `len` bytes of `text` to b, cleaned.  0, or -1 when out of memory. */
int text_append(struct buf *b, const char *text, size_t len);

#endif
