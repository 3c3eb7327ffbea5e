/*
 * result: the measurement list writer (see result.h).  Output goes through
 * a local buffer flushed in large blocks.
 */
#include "autoconfig.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/result.h"

enum {
	OUT_BUF = 1 << 16,
	NUM_MAX = 32
};

int result_format_number(char *buf, double v)
{
	return snprintf(buf, NUM_MAX, "%.9g", v + 0.0); /* no "-0" */
}

struct out {
	FILE *f;
	size_t len;
	int failed;
	char buf[OUT_BUF];
};

static void flush(struct out *o)
{
	if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len)
		o->failed = 1;
	o->len = 0;
}

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n > sizeof(o->buf))
		flush(o);
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

int result_write_json(FILE *f, const struct sim_result *res)
{
	struct out *o = malloc(sizeof(*o));
	size_t ch, k;
	int rc = -1;

	if (!o)
		return -1;
	o->f = f;
	o->len = 0;
	o->failed = 0;
	put(o, "[", 1);
	for (ch = 0; ch < res->nchannels; ch++) {
		const double *d = res->data + ch * res->nsamples;

		put(o, ch ? ",[" : "[", ch ? 2 : 1);
		for (k = 0; k < res->nsamples; k++) {
			char num[NUM_MAX + 1];
			int n;

			if (!isfinite(d[k]))
				goto out;
			if (k)
				num[0] = ',';
			n = result_format_number(num + (k != 0), d[k]);
			put(o, num, (size_t)n + (k != 0));
		}
		put(o, "]", 1);
	}
	put(o, "]\n", 2);
	flush(o);
	rc = o->failed || fflush(f) != 0 ? -1 : 0;
out:
	free(o);
	return rc;
}
