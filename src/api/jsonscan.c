/*
 * jsonscan: the byte-level count of a JSON text (see jsonscan.h).  It
 * knows strings and escapes only well enough not to count what is inside
 * a string; whether the text is JSON at all is jansson's business later.
 */
#include "autoconfig.h"

#include "api/jsonscan.h"

void json_scan_init(struct json_scan *s)
{
	*s = (struct json_scan){ .values = 1 };
}

bool json_scan_feed(struct json_scan *s, const char *text, size_t len, size_t max_values)
{
	for (size_t i = 0; i < len && s->values <= max_values; i++) {
		char c = text[i];

		if (s->in_string) {
			if (s->escaped)
				s->escaped = false;
			else if (c == '\\')
				s->escaped = true;
			else if (c == '"')
				s->in_string = false;
		} else if (c == '"') {
			s->in_string = true;
		} else if (c == '[' || c == '{') {
			s->values++;
			if (++s->open > s->depth && s->depth >= 0)
				s->depth = s->open;
		} else if (c == ',' || c == ':') {
			s->values++;
		} else if ((c == ']' || c == '}') && --s->open < 0) {
			s->depth = -1;
		}
	}
	return s->values <= max_values;
}
