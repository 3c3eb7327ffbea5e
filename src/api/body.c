/*
 * body: JSON body parsing and the field readers, with FastAPI's error
 * vocabulary (types "missing", "extra_forbidden", "string_type", ...), so
 * generated clients understand our 422s.  Pure: problems become items of
 * an error list; answering is the caller's business (fields.c).
 * Before jansson sees a text, jsonscan.h counts what it would build.
 */
#include "autoconfig.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "api/body.h"
#include "api/jsonscan.h"
#include "api/response.h"

int json_text_depth(const char *text, size_t len)
{
	struct json_scan scan;

	json_scan_init(&scan);
	json_scan_feed(&scan, text, len, SIZE_MAX);
	return scan.depth;
}

json_t *body_loc(const char *key)
{
	return key ? json_pack("[s,s]", "body", key) : json_pack("[s]", "body");
}

json_t *body_parse_object(const char *text, size_t len, size_t max_values, bool *too_many,
                          json_t *errors)
{
	struct json_scan scan;
	json_error_t jerr;
	json_t *root;

	*too_many = false;
	if (text == NULL || len == 0) {
		validation_add(errors, body_loc(NULL), "missing", "Field required");
		return NULL;
	}
	json_scan_init(&scan);
	if (!json_scan_feed(&scan, text, len, max_values)) {
		*too_many = true;
		return NULL;
	}
	if (scan.depth > BODY_MAX_DEPTH) {
		validation_add(errors, body_loc(NULL), "json_invalid", "JSON nested too deeply");
		return NULL;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		validation_add(errors, json_pack("[s,i]", "body", jerr.position), "json_invalid",
		               "JSON decode error: %s", jerr.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		validation_add(
			errors, body_loc(NULL), "model_attributes_type",
			"Input should be a valid dictionary or object to extract fields from");
		return NULL;
	}
	return root;
}

static json_t *body_field(json_t *obj, const char *key, bool required, json_t *errors)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL && required)
		validation_add(errors, body_loc(key), "missing", "Field required");
	return v;
}

bool body_string(json_t *obj, const char *key, bool required, size_t max_len, const char **out,
                 json_t *errors)
{
	json_t *v = body_field(obj, key, required, errors);

	if (v == NULL || (json_is_null(v) && !required))
		return false;
	if (!json_is_string(v)) {
		validation_add(errors, body_loc(key), "string_type",
		               "Input should be a valid string");
		return false;
	}
	if (json_string_length(v) > max_len) {
		validation_add(errors, body_loc(key), "string_too_long",
		               "String should have at most %zu characters", max_len);
		return false;
	}
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		validation_add(errors, body_loc(key), "string_type",
		               "String must not contain NUL characters");
		return false;
	}
	*out = json_string_value(v);
	return true;
}

bool body_number(json_t *obj, const char *key, double gt, double le, double *out, json_t *errors)
{
	json_t *v = body_field(obj, key, false, errors);
	double x;

	if (v == NULL)
		return false;
	if (!json_is_number(v)) {
		validation_add(errors, body_loc(key), "float_type",
		               "Input should be a valid number");
		return false;
	}
	x = json_number_value(v);
	if (!isfinite(x) || !(x > gt)) {
		validation_add(errors, body_loc(key), "greater_than",
		               "Input should be greater than %g", gt);
		return false;
	}
	if (x > le) {
		validation_add(errors, body_loc(key), "less_than_equal",
		               "Input should be less than or equal to %g", le);
		return false;
	}
	*out = x;
	return true;
}

bool body_integer(json_t *obj, const char *key, long long ge, long long le, long long *out,
                  json_t *errors)
{
	json_t *v = body_field(obj, key, false, errors);
	long long x;

	if (v == NULL)
		return false;
	if (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)) &&
	    fabs(json_real_value(v)) < 9e15) {
		x = (long long)json_real_value(v);
	} else if (json_is_integer(v)) {
		x = json_integer_value(v);
	} else {
		validation_add(errors, body_loc(key), "int_type",
		               "Input should be a valid integer");
		return false;
	}
	if (x < ge) {
		validation_add(errors, body_loc(key), "greater_than_equal",
		               "Input should be greater than or equal to %lld", ge);
		return false;
	}
	if (x > le) {
		validation_add(errors, body_loc(key), "less_than_equal",
		               "Input should be less than or equal to %lld", le);
		return false;
	}
	*out = x;
	return true;
}

int body_enum(json_t *obj, const char *key, bool required, const char *const *choices,
              json_t *errors)
{
	json_t *v = body_field(obj, key, required, errors);
	char expected[256] = "";

	if (v == NULL)
		return -1;
	for (int i = 0; json_is_string(v) && choices[i]; i++)
		if (strcmp(json_string_value(v), choices[i]) == 0)
			return i;
	for (int i = 0; choices[i]; i++) {
		strncat(expected, i == 0 ? "'" : (choices[i + 1] ? ", '" : " or '"),
		        sizeof(expected) - strlen(expected) - 1);
		strncat(expected, choices[i], sizeof(expected) - strlen(expected) - 1);
		strncat(expected, "'", sizeof(expected) - strlen(expected) - 1);
	}
	validation_add(errors, body_loc(key), "enum", "Input should be %s", expected);
	return -1;
}
