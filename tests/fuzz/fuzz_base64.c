/*
 * fuzz_base64: base64_decode() (common/base64.h), which decodes the
 * "circuit_apb" field of task bodies.  Checks the contract: a failure
 * leaves *out NULL; an accepted text decodes to bytes whose unpadded
 * encoding is that text again (strict: one meaning per text).
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "common/base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Unpadded standard base64 of buf[0..len) into a malloc'ed string. */
static char *encode(const uint8_t *buf, size_t len)
{
	char *s = malloc(len / 3 * 4 + 5), *p = s;
	size_t i;

	if (s == NULL)
		abort();
	for (i = 0; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)buf[i] << 16 | (uint32_t)buf[i + 1] << 8 | buf[i + 2];

		*p++ = alphabet[v >> 18 & 63];
		*p++ = alphabet[v >> 12 & 63];
		*p++ = alphabet[v >> 6 & 63];
		*p++ = alphabet[v & 63];
	}
	if (len - i == 1) {
		*p++ = alphabet[buf[i] >> 2];
		*p++ = alphabet[(buf[i] & 3) << 4];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)buf[i] << 8 | buf[i + 1];

		*p++ = alphabet[v >> 10 & 63];
		*p++ = alphabet[v >> 4 & 63];
		*p++ = alphabet[(v & 15) << 2];
	}
	*p = '\0';
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *out = (uint8_t *)"";
	size_t outlen = 12345, textlen = size;
	char *again;

	if (base64_decode((const char *)data, size, &out, &outlen) != 0) {
		if (out != NULL)
			abort();
		return 0;
	}
	if (out == NULL)
		abort();
	while (textlen > 0 && data[textlen - 1] == '=')
		textlen--;
	again = encode(out, outlen);
	if (strlen(again) != textlen || memcmp(again, data, textlen) != 0)
		abort();
	free(again);
	free(out);
	return 0;
}
