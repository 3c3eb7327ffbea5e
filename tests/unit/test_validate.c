/* Validators of untrusted strings, and the bearer-token parser. */
#include "autoconfig.h"

#include <criterion/criterion.h>
#include <string.h>

#include "api/body.h"
#include "api/jsonscan.h"
#include "api/validate.h"
#include "common/hex.h"
#include "common/http_words.h"

Test(validate, names)
{
	cr_assert(valid_name("sim-1"));
	cr_assert(valid_name("a.b_c-D9"));
	cr_assert_not(valid_name(""));
	cr_assert_not(valid_name(NULL));
	cr_assert_not(valid_name("a b"));
	cr_assert_not(valid_name("x'; drop table tasks; --"));
	cr_assert_not(valid_name("../etc"));
	cr_assert_not(valid_name("é"));
	cr_assert(valid_name("0123456789012345678901234567890123456789012345678901234567890123"));
	cr_assert_not(
		valid_name("01234567890123456789012345678901234567890123456789012345678901234"));
}

Test(validate, uuids)
{
	char out[37];

	cr_assert(valid_uuid("0F8FAD5B-D9CB-469F-A165-70867728950E", out));
	cr_assert_str_eq(out, "0f8fad5b-d9cb-469f-a165-70867728950e");
	cr_assert_not(valid_uuid("0f8fad5b-d9cb-469f-a165-70867728950", out));
	cr_assert_not(valid_uuid("0f8fad5b-d9cb-469f-a165-70867728950e0", out));
	cr_assert_not(valid_uuid("0f8fad5bd9cb-469f-a165-70867728950e-", out));
	cr_assert_not(valid_uuid("zf8fad5b-d9cb-469f-a165-70867728950e", out));
	cr_assert_not(valid_uuid(NULL, out));
}

Test(validate, bounded_longs)
{
	long v;

	cr_assert(parse_bounded_long("100", 1, 1000, &v));
	cr_assert_eq(v, 100);
	cr_assert(parse_bounded_long("0", 0, 5, &v));
	cr_assert_not(parse_bounded_long("1001", 1, 1000, &v));
	cr_assert_not(parse_bounded_long("0", 1, 1000, &v));
	cr_assert_not(parse_bounded_long("-1", 0, 1000, &v));
	cr_assert_not(parse_bounded_long("12a", 0, 1000, &v));
	cr_assert_not(parse_bounded_long(" 12", 0, 1000, &v));
	cr_assert_not(parse_bounded_long("", 0, 1000, &v));
	cr_assert_not(parse_bounded_long("99999999999999999999999", 0, 1000, &v));
}

/* The token rule both servers use (src/common/http_words.c). */
static const char *token_of(const char *value, size_t *len)
{
	return http_bearer_token(value, value ? strlen(value) : 0, len);
}

Test(auth, bearer_tokens)
{
	size_t len;
	const char *t;

	t = token_of("Bearer abc", &len);
	cr_assert_not_null(t);
	cr_assert_eq(len, 3);
	cr_assert_eq(strncmp(t, "abc", len), 0);
	t = token_of("bearer   xyz  ", &len);
	cr_assert_not_null(t);
	cr_assert_eq(len, 3);
	t = token_of("Bearer \tk1\t", &len);
	cr_assert_not_null(t);
	cr_assert_eq(len, 2);
	cr_assert_null(token_of(NULL, &len));
	cr_assert_null(token_of("Basic abc", &len));
	cr_assert_null(token_of("Bearer ", &len));
	cr_assert_null(token_of("Bearer \t ", &len));
	cr_assert_null(token_of("Bearerabc", &len));
}

Test(auth, overlong_token_rejected)
{
	char header[BEARER_TOKEN_MAX + 20];
	size_t len;

	strcpy(header, "Bearer ");
	memset(header + 7, 'k', BEARER_TOKEN_MAX);
	header[7 + BEARER_TOKEN_MAX] = '\0';
	cr_assert_not_null(token_of(header, &len), "the longest token is taken");
	header[7 + BEARER_TOKEN_MAX] = 'k';
	header[7 + BEARER_TOKEN_MAX + 1] = '\0';
	cr_assert_null(token_of(header, &len));
}

Test(http, reason_phrases)
{
	cr_assert_str_eq(http_reason(404), "Not Found");
	cr_assert_str_eq(http_reason(422), "Unprocessable Entity");
	cr_assert_str_eq(http_reason(503), "Service Unavailable");
	cr_assert_str_eq(http_reason(299), "Unknown");
}

static size_t values_of(const char *text, size_t max, bool *within)
{
	struct json_scan scan;

	json_scan_init(&scan);
	*within = json_scan_feed(&scan, text, strlen(text), max);
	return scan.values;
}

Test(jsonscan, counts_values_and_keys_outside_strings)
{
	bool within;

	cr_assert_eq(values_of("1", 100, &within), 1);
	cr_assert_eq(values_of("[]", 100, &within), 2);
	cr_assert_eq(values_of("[[],[],[]]", 100, &within), 7); /* bounds the 4 values */
	cr_assert_eq(values_of("{\"a\":1,\"b\":[2,3]}", 100, &within), 7);
	cr_assert_eq(values_of("\"[,:{\\\"]\"", 100, &within), 1); /* all inside a string */
	cr_assert(within);
	cr_assert_eq(values_of("[[],[],[],[],[]]", 5, &within), 6); /* stops past the budget */
	cr_assert_not(within);
}

Test(jsonscan, fed_in_pieces_as_whole)
{
	static const char text[] = "{\"s\":\"a\\\\\\\"[,\",\"t\":[[1],[2,{}]]}";
	struct json_scan whole, pieces;

	json_scan_init(&whole);
	json_scan_feed(&whole, text, strlen(text), 1000);
	for (size_t cut = 0; cut <= strlen(text); cut++) {
		json_scan_init(&pieces);
		json_scan_feed(&pieces, text, cut, 1000);
		json_scan_feed(&pieces, text + cut, strlen(text) - cut, 1000);
		cr_assert_eq(pieces.values, whole.values, "cut at %zu", cut);
		cr_assert_eq(pieces.depth, whole.depth, "cut at %zu", cut);
	}
	cr_assert_eq(whole.depth, 4);
	cr_assert_eq(whole.values, 11);
	cr_assert_eq(json_text_depth("[[]]]", 5), -1);
}
