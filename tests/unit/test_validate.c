/* Validators of untrusted strings, and the bearer-token parser. */
#include "autoconfig.h"

#include <criterion/criterion.h>
#include <string.h>

#include "api/auth.h"
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
