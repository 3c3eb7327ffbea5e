/*
 * text: log-line hygiene (valid UTF-8, no control characters) so that
 * whatever a child process or a device prints can always be stored as
 * `text`.  Pure functions, covered by tests/unit/test_sched_text.c.
 */
#include "autoconfig.h"

#include <string.h>

#include "scheduler/text.h"

/* Length of the valid UTF-8 sequence starting at p (n bytes left), 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	size_t len;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		len = 2;
		cp = p[0] & 0x1F;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		len = 3;
		cp = p[0] & 0x0F;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	if (cp >= 0xD800 && cp <= 0xDFFF)
		return 0;
	return len;
}

size_t text_clean(const char *in, size_t len, char *out)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, o = 0;

	while (i < len) {
		size_t n = utf8_seq(p + i, len - i);

		if (n == 0 || (n == 1 && ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7F))) {
			out[o++] = '?';
			i++;
			continue;
		}
		memcpy(out + o, p + i, n);
		o += n;
		i += n;
	}
	return o;
}

int text_append(struct buf *b, const char *text, size_t len)
{
	if (buf_reserve(b, len) != 0)
		return -1;
	b->len += text_clean(text, len, b->data + b->len);
	b->data[b->len] = '\0';
	return 0;
}

size_t text_cut(const char *s, size_t len)
{
	/* The last lead byte among the last four bytes, and how long its
	 * sequence should be. */
	for (size_t back = 1; back <= 4 && back <= len; back++) {
		unsigned char c = (unsigned char)s[len - back];
		size_t want;

		if ((c & 0xC0) == 0x80)
			continue; /* a continuation byte: look further back */
		want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
		return want > back ? len - back : len;
	}
	return len;
}
