/*
 * Unit tests of src/scheduler/jsonl.c: line framing over arbitrary chunk
 * boundaries, CRLF, blank lines, and the line length limit.
 */
#include "autoconfig.h"

#include <string.h>

#include <criterion/criterion.h>

#include "scheduler/jsonl.h"

static int next_str(struct jsonl *j, char *out, size_t cap)
{
	const char *line;
	size_t len;
	int rc = jsonl_next(j, &line, &len);

	if (rc == 1) {
		cr_assert_lt(len, cap);
		memcpy(out, line, len);
		out[len] = '\0';
	}
	return rc;
}

Test(sched_jsonl, whole_lines)
{
	struct jsonl j;
	char s[64];

	jsonl_init(&j, 1024);
	cr_assert_eq(jsonl_feed(&j, "{\"a\":1}\n{\"b\":2}\n", 16), 0);
	cr_assert_eq(next_str(&j, s, sizeof(s)), 1);
	cr_assert_str_eq(s, "{\"a\":1}");
	cr_assert_eq(next_str(&j, s, sizeof(s)), 1);
	cr_assert_str_eq(s, "{\"b\":2}");
	cr_assert_eq(next_str(&j, s, sizeof(s)), 0);
	cr_assert_eq(jsonl_pending(&j), 0);
	jsonl_free(&j);
}

Test(sched_jsonl, byte_by_byte_with_crlf_and_blank_lines)
{
	const char *stream = "\n  \r\none\r\n\ntwo\nthr";
	const char *want[] = { "one", "two" };
	struct jsonl j;
	char s[64];
	size_t got = 0;

	jsonl_init(&j, 1024);
	for (size_t i = 0; i < strlen(stream); i++) {
		cr_assert_eq(jsonl_feed(&j, stream + i, 1), 0);
		while (next_str(&j, s, sizeof(s)) == 1) {
			cr_assert_lt(got, 2);
			cr_assert_str_eq(s, want[got]);
			got++;
		}
	}
	cr_assert_eq(got, 2);
	cr_assert_eq(jsonl_pending(&j), 3);
	cr_assert_eq(jsonl_feed(&j, "ee\n", 3), 0);
	cr_assert_eq(next_str(&j, s, sizeof(s)), 1);
	cr_assert_str_eq(s, "three");
	jsonl_free(&j);
}

Test(sched_jsonl, line_limit)
{
	struct jsonl j;
	char big[40];
	char s[64];

	memset(big, 'x', sizeof(big));
	jsonl_init(&j, 16);
	cr_assert_eq(jsonl_feed(&j, "short\n", 6), 0);
	cr_assert_eq(next_str(&j, s, sizeof(s)), 1);
	cr_assert_eq(jsonl_feed(&j, big, sizeof(big)), 0);
	cr_assert_eq(next_str(&j, s, sizeof(s)), -1); /* no newline, over the limit */
	jsonl_free(&j);

	jsonl_init(&j, 16);
	cr_assert_eq(jsonl_feed(&j, big, 20), 0);
	cr_assert_eq(jsonl_feed(&j, "\n", 1), 0);
	cr_assert_eq(next_str(&j, s, sizeof(s)), -1); /* complete, but too long */
	jsonl_free(&j);
}
