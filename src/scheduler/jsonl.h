/*
 * jsonl: JSON-lines framing of a byte stream.  Bytes go in as the socket
 * delivers them; complete lines come out, without the newline (and without
 * a trailing CR), blank lines skipped.  A line longer than the limit is an
 * error: a peer that never sends a newline cannot make us buffer forever.
 */
#ifndef ACLOUD_SCHED_JSONL_H
#define ACLOUD_SCHED_JSONL_H

#include <stddef.h>

#include "common/buf.h"

struct jsonl {
	struct buf in;
	size_t start; /* first byte not yet returned */
	size_t scan;  /* where to continue looking for '\n' */
	size_t max_line;
};

void jsonl_init(struct jsonl *j, size_t max_line);
/* 0, or -1 when out of memory. */
int jsonl_feed(struct jsonl *j, const char *data, size_t len);
/*
 * 1: *line (not NUL-terminated) and *len hold the next line, valid until the
 * next jsonl_feed; 0: no complete line yet; -1: the current line is longer
 * than max_line.
 */
int jsonl_next(struct jsonl *j, const char **line, size_t *len);
/* Bytes buffered that are not yet part of a returned line. */
size_t jsonl_pending(const struct jsonl *j);
void jsonl_free(struct jsonl *j);

#endif
