/*
 * timefmt: the datetime parser.  Written by hand because strptime accepts
 * too much (and is locale-dependent); the grammar here is exactly what the
 * API documents.
 */
#include "autoconfig.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#include "api/timefmt.h"

static int digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int expect(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

static int parse_offset(const char *p, int *offset_s)
{
	int sign, hh, mm;

	*offset_s = 0;
	if (*p == '\0' || (p[0] == 'Z' && p[1] == '\0') || (p[0] == 'z' && p[1] == '\0'))
		return 0;
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	if (digits(&p, 2, &hh) || expect(&p, ':') || digits(&p, 2, &mm) || *p != '\0' || hh > 23 ||
	    mm > 59)
		return -1;
	*offset_s = sign * (hh * 3600 + mm * 60);
	return 0;
}

int parse_iso8601(const char *s, double *out)
{
	static const int days_in[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct tm tm;
	const char *p = s;
	int y, mo, d, h, mi, sec, offset;
	double frac = 0, scale = 0.1;

	if (digits(&p, 4, &y) || expect(&p, '-') || digits(&p, 2, &mo) || expect(&p, '-') ||
	    digits(&p, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in[mo - 1] || y < 1970 || y > 9999)
		return -1;
	if ((*p != 'T' && *p != 't' && *p != ' ') || (p++, digits(&p, 2, &h)) || expect(&p, ':') ||
	    digits(&p, 2, &mi) || expect(&p, ':') || digits(&p, 2, &sec) || h > 23 || mi > 59 ||
	    sec > 59)
		return -1;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		for (int n = 0; isdigit((unsigned char)*p); p++, n++) {
			if (n < 9) {
				frac += (*p - '0') * scale;
				scale /= 10;
			}
		}
	}
	if (parse_offset(p, &offset) != 0)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = (double)timegm(&tm) - offset + frac;
	return 0;
}

double now_epoch(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
