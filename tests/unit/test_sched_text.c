/*
 * Unit tests of src/common/buf.c and src/scheduler/text.c: the buffer and
 * the UTF-8 cleaning
 * that keeps arbitrary child output storable as text.
 */
#include "autoconfig.h"

#include <string.h>

#include <criterion/criterion.h>

#include "common/buf.h"
#include "scheduler/text.h"

static void clean_is(const char *in, size_t len, const char *want)
{
	char out[64];
	size_t n = text_clean(in, len, out);

	out[n] = '\0';
	cr_assert_str_eq(out, want);
}

Test(sched_util, keeps_valid_utf8)
{
	clean_is("plain", 5, "plain");
	clean_is("gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80", 15,
	         "gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80");
	clean_is("tab\there", 8, "tab\there");
}

Test(sched_util, replaces_invalid_bytes_and_controls)
{
	clean_is("a\xff"
	         "b",
	         3, "a?b");
	clean_is("nul\0x", 5, "nul?x");
	clean_is("esc\x1b[0m", 7, "esc?[0m");
	clean_is("\xc0\xaf", 2, "??");           /* overlong */
	clean_is("\xed\xa0\x80", 3, "???");      /* surrogate */
	clean_is("\xe2\x82", 2, "??");           /* truncated */
	clean_is("\xf4\x90\x80\x80", 4, "????"); /* > U+10FFFF */
	clean_is("cr\r", 3, "cr?");
}

Test(sched_util, cut_at_character_boundary)
{
	cr_assert_eq(text_cut("abc", 3), 3);
	cr_assert_eq(text_cut("ab\xc3\xa9", 4), 4);           /* é complete */
	cr_assert_eq(text_cut("ab\xc3", 3), 2);               /* é cut after its lead byte */
	cr_assert_eq(text_cut("ab\xe2\x82", 4), 2);           /* € cut after two of three */
	cr_assert_eq(text_cut("a\xf0\x9f\x98", 4), 1);        /* 😀 cut after three of four */
	cr_assert_eq(text_cut("a\xf0\x9f\x98\x80", 5), 5);    /* 😀 complete */
	cr_assert_eq(text_cut("\x80\x80\x80\x80\x80", 5), 5); /* not UTF-8: left to text_clean */
	cr_assert_eq(text_cut("", 0), 0);
}

Test(sched_util, buffer_append_consume_printf)
{
	struct buf b = { 0 };

	cr_assert_eq(buf_append_str(&b, "hello "), 0);
	cr_assert_eq(buf_printf(&b, "%d-%s", 42, "x"), 0);
	cr_assert_str_eq(b.data, "hello 42-x");
	buf_consume(&b, 6);
	cr_assert_str_eq(b.data, "42-x");
	cr_assert_eq(text_append(&b, "\x01ok", 3), 0);
	cr_assert_str_eq(b.data, "42-x?ok");
	buf_consume(&b, 100);
	cr_assert_eq(b.len, 0);
	buf_free(&b);
}
