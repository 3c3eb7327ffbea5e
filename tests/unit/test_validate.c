/* Validators of untrusted strings, and the bearer-token parser. */
#include "autoconfig.h"

#include <criterion/criterion.h>
#include <string.h>

#include "api/auth.h"
#include "api/body.h"
#include "api/jsonscan.h"
#include "api/validate.h"
#include "common/hex.h"

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

Test(auth, bearer_tokens)
{
	size_t len;
	const char *t;

	t = auth_bearer_token("Bearer abc", &len);
	cr_assert_not_null(t);
	cr_assert_eq(len, 3);
	cr_assert_eq(strncmp(t, "abc", len), 0);
	t = auth_bearer_token("bearer   xyz  ", &len);
	cr_assert_not_null(t);
	cr_assert_eq(len, 3);
	cr_assert_null(auth_bearer_token(NULL, &len));
	cr_assert_null(auth_bearer_token("Basic abc", &len));
	cr_assert_null(auth_bearer_token("Bearer ", &len));
	cr_assert_null(auth_bearer_token("Bearerabc", &len));
}

Test(auth, overlong_token_rejected)
{
	char header[AUTH_TOKEN_MAX + 20];
	size_t len;

	strcpy(header, "Bearer ");
	memset(header + 7, 'k', AUTH_TOKEN_MAX + 1);
	header[7 + AUTH_TOKEN_MAX + 1] = '\0';
	cr_assert_null(auth_bearer_token(header, &len));
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
