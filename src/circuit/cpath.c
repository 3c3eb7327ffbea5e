/*
 * cpath: location stack and error reporting of the circuit loaders, and the
 * conversion of an error location to a FastAPI "loc" list.  Paths deeper
 * than CIRCUIT_LOC_PARTS keep their first components (the loaders never go
 * that deep).
 */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "circuit/cpath.h"

void cpath_key(struct cpath *path, const char *key)
{
	if (path->n < CIRCUIT_LOC_PARTS) {
		path->p[path->n].key = key;
		path->p[path->n].index = 0;
	}
	path->n++;
}

void cpath_index(struct cpath *path, long index)
{
	if (path->n < CIRCUIT_LOC_PARTS) {
		path->p[path->n].key = NULL;
		path->p[path->n].index = index;
	}
	path->n++;
}

void cpath_pop(struct cpath *path)
{
	if (path->n > 0)
		path->n--;
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one
 * (stray or cut-off bytes, overlong forms, surrogates, beyond U+10FFFF). */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned int cp, n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1fu;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07u;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* Replaces every byte that is not part of valid UTF-8 with '?', in place.
 * Error texts quote keys and APB entity paths, which are cut to fit
 * (possibly inside a character) or arbitrary bytes; the API puts them in
 * JSON, where invalid UTF-8 would make the whole validation item vanish. */
static void utf8_clean(char *s)
{
	while (*s) {
		size_t n = utf8_seq((const unsigned char *)s);

		if (n == 0)
			*s++ = '?';
		else
			s += n;
	}
}

int cpath_fail(const struct cpath *path, struct circuit_error *err, const char *fmt, ...)
{
	va_list ap;
	size_t used = 0;
	int n, i;

	if (!err)
		return -1;
	memset(err, 0, sizeof(*err));
	n = path->n < CIRCUIT_LOC_PARTS ? path->n : CIRCUIT_LOC_PARTS;
	for (i = 0; i < n; i++) {
		const char *key = path->p[i].key;
		int w;

		if (key) {
			snprintf(err->part[i].key, sizeof(err->part[i].key), "%s", key);
			w = snprintf(err->loc + used, sizeof(err->loc) - used, "%s%s",
			             key[0] == '/' ? "" : "/", key);
		} else {
			err->part[i].index = path->p[i].index;
			w = snprintf(err->loc + used, sizeof(err->loc) - used, "/%ld",
			             path->p[i].index);
		}
		if (w > 0 && (size_t)w < sizeof(err->loc) - used)
			used += (size_t)w;
		else
			used = sizeof(err->loc) - 1; /* truncated: stop */
	}
	err->nparts = n;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	utf8_clean(err->msg);
	utf8_clean(err->loc);
	for (i = 0; i < n; i++)
		utf8_clean(err->part[i].key);
	return -1;
}

json_t *circuit_error_loc(const struct circuit_error *err)
{
	json_t *loc = json_array();
	int i;

	if (!loc)
		return NULL;
	for (i = 0; i < err->nparts && i < CIRCUIT_LOC_PARTS; i++) {
		json_t *item = err->part[i].key[0] ? json_string(err->part[i].key)
		                                   : json_integer(err->part[i].index);

		if (json_array_append_new(loc, item) < 0)
			goto fail;
	}
	return loc;
fail:
	json_decref(loc);
	return NULL;
}
