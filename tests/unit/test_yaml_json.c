/*
 * Unit tests of tools/yaml_json.c: core-schema scalar resolution,
 * collections and key order, the rejected constructs with their line
 * numbers, and the real docs/openapi.yaml.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "tools/yaml_json.h"

static char err[YAML_JSON_ERR_MAX];

static json_t *parse(const char *text)
{
	err[0] = '\0';
	return yaml_json_parse_string(text, strlen(text), err, sizeof(err));
}

/* Parses `text`, which must succeed, and compares it with the JSON `want`. */
static void expect_json(const char *text, const char *want)
{
	json_error_t jerr;
	json_t *got = parse(text);
	json_t *exp = json_loads(want, JSON_DECODE_ANY, &jerr);
	char *dump;

	cr_assert_not_null(exp, "bad expected JSON %s: %s", want, jerr.text);
	cr_assert_not_null(got, "parse failed for %s: %s", text, err);
	dump = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);
	cr_assert(json_equal(got, exp), "for %s got %s, want %s", text, dump, want);
	free(dump);
	json_decref(got);
	json_decref(exp);
}

/* Parses `text`, which must fail with an error containing `want`. */
static void expect_error(const char *text, const char *want)
{
	json_t *got = parse(text);

	cr_assert_null(got, "parse of %s should fail", text);
	cr_assert(strstr(err, want) != NULL, "error '%s' lacks '%s'", err, want);
}

Test(yaml_json, null_scalars)
{
	expect_json("a: null\nb: ~\nc:\nd: Null\ne: NULL\n",
	            "{\"a\":null,\"b\":null,\"c\":null,\"d\":null,\"e\":null}");
}

Test(yaml_json, booleans)
{
	expect_json("[true, True, TRUE, false, False, FALSE]",
	            "[true,true,true,false,false,false]");
	expect_json("[yes, no, on, off]", "[\"yes\",\"no\",\"on\",\"off\"]");
}

Test(yaml_json, integers)
{
	expect_json("[0, 42, -7, +3, 0o17, 0x1F, 0777, 9223372036854775807]",
	            "[0,42,-7,3,15,31,777,9223372036854775807]");
}

Test(yaml_json, floats)
{
	json_t *v = parse("[0.1, -2.5, .5, 1e3, 1., 6.02E+23]");

	cr_assert_not_null(v, "%s", err);
	cr_assert(json_is_real(json_array_get(v, 0)));
	cr_assert_float_eq(json_real_value(json_array_get(v, 0)), 0.1, 1e-15);
	cr_assert_float_eq(json_real_value(json_array_get(v, 1)), -2.5, 1e-15);
	cr_assert_float_eq(json_real_value(json_array_get(v, 2)), 0.5, 1e-15);
	cr_assert_float_eq(json_real_value(json_array_get(v, 3)), 1000.0, 1e-12);
	cr_assert_float_eq(json_real_value(json_array_get(v, 4)), 1.0, 1e-15);
	cr_assert_float_eq(json_real_value(json_array_get(v, 5)), 6.02e23, 1e9);
	json_decref(v);
}

Test(yaml_json, strings_stay_strings)
{
	expect_json("[\"123\", '1.5', \"true\", 'null', 3.1.0, 1e, 0x, 0o8, -, hello world, '']",
	            "[\"123\",\"1.5\",\"true\",\"null\",\"3.1.0\",\"1e\",\"0x\",\"0o8\",\"-\","
	            "\"hello world\",\"\"]");
	expect_json("a: |\n  two\n  lines\nb: >-\n  folded\n  text\n",
	            "{\"a\":\"two\\nlines\\n\",\"b\":\"folded text\"}");
	expect_json("t: '2025-05-01T12:00:00Z'\nu: 2025-05-01T12:00:00Z\n",
	            "{\"t\":\"2025-05-01T12:00:00Z\",\"u\":\"2025-05-01T12:00:00Z\"}");
}

Test(yaml_json, keys_are_strings_in_order)
{
	json_t *v = parse("z: 1\n2: two\n/0: {/U: []}\na: [1, {b: c}]\n");
	const char *want[] = { "z", "2", "/0", "a" };
	size_t i = 0;
	const char *key;
	json_t *val;

	cr_assert_not_null(v, "%s", err);
	json_object_foreach (v, key, val) {
		cr_assert(i < 4);
		cr_assert_str_eq(key, want[i]);
		i++;
	}
	cr_assert_eq(i, 4);
	json_decref(v);
	expect_json("a: [1, {b: c}]\nd: {}\ne: []\n",
	            "{\"a\":[1,{\"b\":\"c\"}],\"d\":{},\"e\":[]}");
}

Test(yaml_json, explicit_tags)
{
	expect_json("[!!int 12, !!float 2, !!bool true, !!null null, !!int '7']",
	            "[12,2.0,true,null,7]");
	expect_error("a: 1\nb: !!int x\n", "line 2: 'x' does not match its tag");
	expect_error("a: !custom 1\n", "line 1: unsupported tag !custom");
	expect_error("a: !!set {x: null}\n", "unsupported tag");
}

Test(yaml_json, top_level_scalar)
{
	expect_json("42", "42");
	expect_json("---\nhello\n", "\"hello\"");
}

Test(yaml_json, rejects_aliases)
{
	expect_error("a: &x [1, 2]\nb: *x\n", "line 2: aliases are not supported");
	expect_error("a: &k key\n*k : 1\n", "aliases are not supported");
}

Test(yaml_json, rejects_undefined_alias)
{
	json_t *v = parse("a: *nowhere\n");

	cr_assert_null(v);
	cr_assert(strstr(err, "line ") != NULL, "%s", err);
}

Test(yaml_json, rejects_duplicate_keys)
{
	expect_error("a: 1\nb: 2\na: 3\n", "line 3: duplicate key 'a'");
}

Test(yaml_json, rejects_complex_keys)
{
	expect_error("? [1, 2]\n: x\n", "line 1: mapping key is not a scalar");
}

Test(yaml_json, rejects_inf_nan_and_overflow)
{
	expect_error("a: .inf\n", "line 1: '.inf' cannot be represented in JSON");
	expect_error("a: 1\nb: -.INF\n", "line 2:");
	expect_error("- .nan\n", "cannot be represented");
	expect_error("a: 99999999999999999999\n",
	             "line 1: integer '99999999999999999999' out of range");
}

Test(yaml_json, rejects_multiple_documents)
{
	expect_error("a: 1\n---\nb: 2\n", "line 2: more than one document");
}

Test(yaml_json, rejects_empty_input)
{
	expect_error("", "no YAML document");
	expect_error("# only a comment\n", "no YAML document");
}

Test(yaml_json, syntax_errors_name_the_line)
{
	expect_error("a: 1\nb: [1, 2\nc: 3\n", "line ");
	expect_error("a: 1\nb: 2\n  c: 3\n", "line 3:");
	expect_error("a: \"unterminated\n", "line ");
}

Test(yaml_json, bounds_depth)
{
	char deep[2 * (YAML_JSON_MAX_DEPTH + 5) + 1];
	size_t n = YAML_JSON_MAX_DEPTH + 5;

	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = '\0';
	expect_error(deep, "nesting deeper than");
}

Test(yaml_json, file_errors_name_the_path)
{
	json_t *v = yaml_json_parse_file("/nonexistent/x.yaml", err, sizeof(err));

	cr_assert_null(v);
	cr_assert(strstr(err, "/nonexistent/x.yaml: ") == err, "%s", err);
}

Test(yaml_json, converts_the_openapi_document)
{
	json_t *doc =
		yaml_json_parse_file(ACLOUD_TOP_SRCDIR "/docs/openapi.yaml", err, sizeof(err));
	json_t *op, *limit;

	cr_assert_not_null(doc, "%s", err);
	cr_assert_str_eq(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
	cr_assert_str_eq(
		json_string_value(json_object_get(json_object_get(doc, "info"), "version")),
		"0.1.0");
	op = json_object_get(json_object_get(json_object_get(doc, "paths"), "/api/v1/tasks"),
	                     "get");
	cr_assert_str_eq(json_string_value(json_object_get(op, "operationId")), "list_tasks");
	limit = json_object_get(json_array_get(json_object_get(op, "parameters"), 0), "schema");
	cr_assert(json_is_integer(json_object_get(limit, "default")));
	cr_assert_eq(json_integer_value(json_object_get(limit, "default")), 100);
	json_decref(doc);
}
