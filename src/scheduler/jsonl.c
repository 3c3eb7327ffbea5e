/*
 * jsonl: line framing for the LUCIDAC driver and its availability probe.
 * Covered by tests/unit/test_sched_jsonl.c.
 */
#include "autoconfig.h"

#include <string.h>

#include "scheduler/jsonl.h"

void jsonl_init(struct jsonl *j, size_t max_line)
{
	memset(j, 0, sizeof(*j));
	j->max_line = max_line;
}

int jsonl_feed(struct jsonl *j, const char *data, size_t len)
{
	if (j->start > 0) {
		buf_consume(&j->in, j->start);
		j->scan -= j->start;
		j->start = 0;
	}
	return buf_append(&j->in, data, len);
}

static int is_blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

int jsonl_next(struct jsonl *j, const char **line, size_t *len)
{
	for (;;) {
		const char *base = j->in.data + j->start;
		const char *nl;
		size_t n;

		if (j->in.len == j->start)
			return 0;
		nl = memchr(j->in.data + j->scan, '\n', j->in.len - j->scan);
		if (nl == NULL) {
			j->scan = j->in.len;
			return j->in.len - j->start > j->max_line ? -1 : 0;
		}
		n = (size_t)(nl - base);
		j->start += n + 1;
		j->scan = j->start;
		if (n > j->max_line)
			return -1;
		if (n > 0 && base[n - 1] == '\r')
			n--;
		if (is_blank(base, n))
			continue;
		*line = base;
		*len = n;
		return 1;
	}
}

size_t jsonl_pending(const struct jsonl *j)
{
	return j->in.len - j->start;
}

void jsonl_free(struct jsonl *j)
{
	buf_free(&j->in);
	memset(j, 0, sizeof(*j));
}
