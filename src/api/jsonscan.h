/*
 * jsonscan: what a JSON text would cost to parse, counted from its bytes
 * in one pass that can be fed in pieces, so a worker can stop reading a
 * body as soon as it holds more than the value budget (api.max_json_values)
 * and jansson never sees it.  jansson spends up to ~115 bytes of heap per
 * value (an empty object), so a 30 MB body of empty arrays would cost over
 * a gigabyte.  Pure: no I/O, no allocation.
 */
#ifndef ACLOUD_API_JSONSCAN_H
#define ACLOUD_API_JSONSCAN_H

#include <stdbool.h>
#include <stddef.h>

struct json_scan {
	bool in_string, escaped;
	int open;      /* brackets open now */
	int depth;     /* deepest nesting so far, -1 once a bracket closed too many */
	size_t values; /* the root and each '[', '{', ',' and ':' outside strings: an
	                  upper bound of the values and keys jansson would build */
};

void json_scan_init(struct json_scan *s);
/* Counts `len` more bytes; false as soon as `values` passes `max_values`
 * (the rest of the piece is not looked at). */
bool json_scan_feed(struct json_scan *s, const char *text, size_t len, size_t max_values);

#endif
