/*
 * hex: hex digit decoding (locale-independent, unlike isxdigit).
 */
#include "autoconfig.h"

#include <ctype.h>
#include <string.h>

#include "common/hex.h"

int hex_digit_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool valid_uuid(const char *s, char out[37])
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (s == NULL || strlen(s) != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		unsigned char c = (unsigned char)s[i];

		if (shape[i] == '-' ? c != '-' : !isxdigit(c))
			return false;
		out[i] = (char)tolower(c);
	}
	out[36] = '\0';
	return true;
}
