/*
 * base64: strict decoder (see base64.h).  Non-zero padding bits are
 * rejected so that every accepted text has exactly one meaning.
 */
#include "autoconfig.h"

#include <stdlib.h>

#include "common/base64.h"

static int sextet(char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

int base64_decode(const char *in, size_t len, uint8_t **out, size_t *outlen)
{
	uint8_t *buf;
	uint32_t acc = 0;
	size_t i, n = 0, chars;
	int bits = 0;

	*out = NULL;
	*outlen = 0;
	if (len % 4 == 0 && len >= 1 && in[len - 1] == '=')
		len -= (len >= 2 && in[len - 2] == '=') ? 2 : 1;
	chars = len;
	if (chars % 4 == 1)
		return -1;
	if (!(buf = malloc(chars / 4 * 3 + 3)))
		return -1;
	for (i = 0; i < chars; i++) {
		int v = sextet(in[i]);

		if (v < 0)
			goto fail;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[n++] = (uint8_t)(acc >> bits);
		}
	}
	if (acc & ((UINT32_C(1) << bits) - 1))
		goto fail; /* non-zero padding bits */
	*out = buf;
	*outlen = n;
	return 0;
fail:
	free(buf);
	return -1;
}
