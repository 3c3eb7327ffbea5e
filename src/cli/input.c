/*
 * input: reading and recognising the user's circuit files.  APB is
 * protobuf, a binary format with no magic number; ODE source and JSON are
 * text.  So: parseable JSON object -> JSON circuit; valid UTF-8 text
 * without control characters -> ODE source; anything else -> APB (the
 * server validates it and names what is wrong).
 */
#include "autoconfig.h"

#include "cli/input.h"

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *cli_read_input(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *buf = NULL;
	size_t n;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(max + 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	n = fread(buf, 1, max + 1, f);
	if (ferror(f) || n > max) {
		snprintf(err, errlen, "%s: %s", path,
		         ferror(f) ? "read error" : "file too large for the server");
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[n] = '\0';
	*len = n;
out:
	if (f != stdin)
		fclose(f);
	return buf;
}

/* Valid UTF-8 with no control characters but tab, CR and LF. */
static bool is_text(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t extra;

		if (c < 0x80) {
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
				return false;
			if (c == 0x7f)
				return false;
			i++;
			continue;
		}
		extra = (c & 0xe0) == 0xc0   ? 1
		        : (c & 0xf0) == 0xe0 ? 2
		        : (c & 0xf8) == 0xf0 ? 3
		                             : 0;
		if (!extra || c == 0xc0 || c == 0xc1 || i + extra >= len)
			return false;
		for (size_t k = 1; k <= extra; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += extra + 1;
	}
	return true;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

enum circuit_kind cli_circuit_kind(const char *name, const char *data, size_t len)
{
	json_t *doc;
	bool object;

	if (len == 0)
		return CIRCUIT_UNKNOWN;
	if (name && ends_with(name, ".ode"))
		return CIRCUIT_ODE;
	if (!is_text((const unsigned char *)data, len))
		return CIRCUIT_APB;
	doc = json_loadb(data, len, 0, NULL);
	object = json_is_object(doc);
	json_decref(doc);
	return object ? CIRCUIT_JSON : CIRCUIT_ODE;
}

char *cli_base64(const unsigned char *data, size_t len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		unsigned v = (unsigned)data[i] << 16 | (unsigned)data[i + 1] << 8 | data[i + 2];
		*o++ = alphabet[v >> 18];
		*o++ = alphabet[(v >> 12) & 63];
		*o++ = alphabet[(v >> 6) & 63];
		*o++ = alphabet[v & 63];
	}
	if (i < len) {
		unsigned v =
			(unsigned)data[i] << 16 | (i + 1 < len ? (unsigned)data[i + 1] << 8 : 0);
		*o++ = alphabet[v >> 18];
		*o++ = alphabet[(v >> 12) & 63];
		*o++ = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}
