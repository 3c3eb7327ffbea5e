/*
 * fields: the typed validators and the walk over a route's input_spec.
 * The messages and item shapes are FastAPI's (see body.c), unchanged from
 * when each handler checked its own input.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/body.h"
#include "api/fields.h"
#include "api/response.h"
#include "api/timefmt.h"
#include "api/validate.h"
#include "common/hex.h"

static void fail_with_items(struct field_failure *fail, json_t *errors)
{
	fail->status = 422;
	fail->body = json_pack("{s:o}", "detail", errors);
}

static void fail_with_item(struct field_failure *fail, json_t *loc, const char *type,
                           const char *msg)
{
	json_t *errors = json_array();

	validation_add(errors, loc, type, "%s", msg);
	fail_with_items(fail, errors);
}

/* ---- path and query ------------------------------------------------------ */

static bool read_path_param(const char *s, const struct field_spec *spec, struct field_value *out,
                            struct field_failure *fail)
{
	out->str = s;
	if (spec->type == FIELD_UUID && valid_uuid(s, out->uuid)) {
		out->present = true;
		return true;
	}
	if (spec->type == FIELD_NAME && valid_name(s)) {
		out->present = true;
		return true;
	}
	if (spec->type == FIELD_NAME) {
		fail->status = 404;
		fail->body = json_pack("{s:s}", "detail", spec->not_found);
	} else {
		fail_with_item(fail, json_pack("[s,s]", "path", spec->name), "uuid_parsing",
		               "Input should be a valid UUID");
	}
	return false;
}

static bool read_query_integer(const char *value, const struct field_spec *spec,
                               struct field_value *out, struct field_failure *fail)
{
	char msg[96];
	long v;

	if (parse_bounded_long(value, (long)spec->min, (long)spec->max, &v)) {
		out->integer = v;
		out->present = true;
		return true;
	}
	snprintf(msg, sizeof(msg), "Input should be an integer from %ld to %ld", (long)spec->min,
	         (long)spec->max);
	fail_with_item(fail, json_pack("[s,s]", "query", spec->name), "int_parsing", msg);
	return false;
}

static bool read_query_text(const char *value, const struct field_spec *spec,
                            struct field_value *out, struct field_failure *fail)
{
	if (spec->type == FIELD_DATETIME && parse_iso8601(value, &out->number) == 0) {
		out->present = true;
		return true;
	}
	if (spec->type == FIELD_NAME && valid_name(value)) {
		snprintf(out->text, sizeof(out->text), "%s", value);
		out->str = out->text;
		out->present = true;
		return true;
	}
	if (spec->type == FIELD_DATETIME)
		fail_with_item(fail, json_pack("[s,s]", "query", spec->name), "datetime_parsing",
		               "Input should be a valid ISO 8601 datetime");
	else
		fail_with_item(fail, json_pack("[s,s]", "query", spec->name),
		               "string_pattern_mismatch",
		               "String should match pattern '^[A-Za-z0-9_.-]{1,64}$'");
	return false;
}

/* Query parameters: integers (limit, offset), names and datetimes. */
static bool read_query_param(const struct request *r, const struct field_spec *spec,
                             struct field_value *out, struct field_failure *fail)
{
	char value[128];
	int found;

	out->integer = spec->def_int;
	found = request_query_param(r, spec->name, value, sizeof(value));
	if (found == QUERY_ABSENT)
		return true;
	if (found != QUERY_FOUND)
		value[0] = '\0'; /* a bad escape or too long: no valid value */
	if (spec->type == FIELD_INTEGER)
		return read_query_integer(value, spec, out, fail);
	return read_query_text(value, spec, out, fail);
}

/* ---- body ---------------------------------------------------------------- */

static bool is_choice(const char *v, const char *const *choices)
{
	for (size_t i = 0; choices[i]; i++)
		if (strcmp(v, choices[i]) == 0)
			return true;
	return false;
}

void fields_read_list(json_t *body, const struct field_spec *spec, struct field_value *out,
                      json_t *errors)
{
	json_t *list = json_object_get(body, spec->name), *item;
	const char *const *choices = spec->type == FIELD_ENUM_LIST ? spec->choices : NULL;
	size_t i;

	if (list == NULL || json_is_null(list))
		return;
	if (!json_is_array(list)) {
		validation_add(errors, body_loc(spec->name), "list_type",
		               "Input should be a valid list");
		return;
	}
	if (json_array_size(list) > spec->max_items) {
		validation_add(errors, body_loc(spec->name), "too_long",
		               "List should have at most %zu items", spec->max_items);
		return;
	}
	json_array_foreach (list, i, item) {
		const char *v = json_string_value(item);

		if (v == NULL || json_string_length(item) > spec->max_len ||
		    strlen(v) != json_string_length(item) || (choices && !is_choice(v, choices)))
			validation_add(errors, json_pack("[s,s,i]", "body", spec->name, (int)i),
			               choices ? "enum" : "string_type",
			               choices ? "Input should be one of the allowed values"
			                       : "Input should be a valid string");
		else if (spec->charset &&
		         (strlen(v) < spec->min_len || strspn(v, spec->charset) != strlen(v)))
			validation_add(errors, json_pack("[s,s,i]", "body", spec->name, (int)i),
			               "string_pattern_mismatch",
			               "String should match pattern '%s'", spec->pattern);
	}
	out->json = list;
	out->present = true;
}

static void read_body_uuid(json_t *body, const struct field_spec *spec, struct field_value *out,
                           json_t *errors)
{
	const char *s = NULL;

	if (!body_string(body, spec->name, spec->required, spec->max_len, &s, errors))
		return;
	if (!valid_uuid(s, out->uuid)) {
		validation_add(errors, body_loc(spec->name), "uuid_parsing",
		               "Input should be a valid UUID");
		return;
	}
	out->str = s;
	out->present = true;
}

static void read_body_datetime(json_t *body, const struct field_spec *spec, struct field_value *out,
                               json_t *errors)
{
	const char *s = NULL;

	if (!body_string(body, spec->name, spec->required, spec->max_len, &s, errors))
		return;
	if (parse_iso8601(s, &out->number) != 0) {
		validation_add(errors, body_loc(spec->name), "datetime_parsing",
		               "Input should be a valid ISO 8601 datetime");
		return;
	}
	out->str = s;
	out->present = true;
}

static void read_body_bool(json_t *body, const struct field_spec *spec, struct field_value *out,
                           json_t *errors)
{
	json_t *v = json_object_get(body, spec->name);

	if (v == NULL || (json_is_null(v) && !spec->required)) {
		if (spec->required)
			validation_add(errors, body_loc(spec->name), "missing", "Field required");
		return;
	}
	if (!json_is_boolean(v)) {
		validation_add(errors, body_loc(spec->name), "bool_type",
		               "Input should be a valid boolean");
		return;
	}
	out->integer = json_is_true(v);
	out->present = true;
}

static bool read_object(const struct request *r, const struct body_schema *schema, json_t *obj,
                        struct field_value *values, json_t *errors);

/* ["body", key, ...] -> ["body", list, i, key, ...]: an item's errors as
 * the list's. */
static void move_errors_into(json_t *errors, json_t *item_errors, const char *list, size_t i)
{
	json_t *e;
	size_t k;

	json_array_foreach (item_errors, k, e) {
		json_t *loc = json_object_get(e, "loc");

		json_array_insert_new(loc, 1, json_string(list));
		json_array_insert_new(loc, 2, json_integer((json_int_t)i));
		json_array_append(errors, e);
	}
}

/* A list of objects, each read by the item schema into its own slots. */
static void read_object_list(const struct request *r, json_t *body, const struct field_spec *spec,
                             struct field_value *out, json_t *errors)
{
	json_t *list = json_object_get(body, spec->name), *item;
	size_t i, n;

	if (list == NULL || json_is_null(list)) {
		if (spec->required)
			validation_add(errors, body_loc(spec->name), "missing", "Field required");
		return;
	}
	n = json_is_array(list) ? json_array_size(list) : 0;
	if (!json_is_array(list)) {
		validation_add(errors, body_loc(spec->name), "list_type",
		               "Input should be a valid list");
		return;
	}
	if (n < spec->min_items || n > spec->max_items) {
		validation_add(errors, body_loc(spec->name),
		               n < spec->min_items ? "too_short" : "too_long",
		               "List should have from %zu to %zu items", spec->min_items,
		               spec->max_items);
		return;
	}
	out->items = calloc(n, sizeof(*out->items));
	if (out->items == NULL) {
		validation_add(errors, body_loc(spec->name), "value_error", "Out of memory");
		return;
	}
	out->n_items = n;
	json_array_foreach (list, i, item) {
		json_t *item_errors = json_array();

		if (!json_is_object(item))
			validation_add(item_errors, body_loc(NULL), "model_attributes_type",
			               "Input should be a valid dictionary or object");
		else
			read_object(r, spec->items, item, out->items[i].v, item_errors);
		move_errors_into(errors, item_errors, spec->name, i);
		json_decref(item_errors);
	}
	out->json = list;
	out->present = true;
}

static void read_body_field(const struct request *r, json_t *body, const struct field_spec *spec,
                            struct field_value *values, size_t slot, json_t *errors)
{
	struct field_value *out = &values[slot];
	int choice;

	switch (spec->type) {
	case FIELD_STRING:
		out->present = body_string(body, spec->name, spec->required, spec->max_len,
		                           &out->str, errors);
		break;
	case FIELD_NUMBER:
		out->number = spec->def_num;
		out->present =
			body_number(body, spec->name, spec->gt, spec->le, &out->number, errors);
		break;
	case FIELD_INTEGER:
		out->integer = spec->def_int;
		if (spec->required && json_object_get(body, spec->name) == NULL)
			validation_add(errors, body_loc(spec->name), "missing", "Field required");
		out->present =
			body_integer(body, spec->name, spec->min, spec->max, &out->integer, errors);
		break;
	case FIELD_ENUM:
		choice = body_enum(body, spec->name, spec->required, spec->choices, errors);
		out->present = choice >= 0;
		out->integer = choice;
		break;
	case FIELD_UUID:
		read_body_uuid(body, spec, out, errors);
		break;
	case FIELD_DATETIME:
		read_body_datetime(body, spec, out, errors);
		break;
	case FIELD_BOOL:
		read_body_bool(body, spec, out, errors);
		break;
	case FIELD_STRING_LIST:
	case FIELD_ENUM_LIST:
		fields_read_list(body, spec, out, errors);
		break;
	case FIELD_OBJECT_LIST:
		read_object_list(r, body, spec, out, errors);
		break;
	case FIELD_CUSTOM:
	case FIELD_CHECK:
		spec->validate(r, spec, body, values, errors);
		break;
	case FIELD_NAME:
		break; /* path and query only */
	}
}

static void forbid_extra(json_t *body, const struct body_schema *schema, json_t *errors)
{
	const char *key;
	json_t *value;

	json_object_foreach (body, key, value) {
		bool known = false;

		for (size_t i = 0; i < schema->n_fields && !known; i++)
			known = schema->fields[i].name && strcmp(key, schema->fields[i].name) == 0;
		if (!known)
			validation_add(errors, body_loc(key), "extra_forbidden",
			               "Extra inputs are not permitted");
	}
}

/* Exactly one alternative given: its slot, or -1 after adding an item. */
static long one_of_given(json_t *body, const struct body_schema *schema, json_t *errors)
{
	long given = -1;
	int n = 0;

	for (size_t i = 0; i < schema->n_fields && i < FIELDS_BODY_MAX; i++) {
		json_t *v;

		if (!schema->fields[i].one_of)
			continue;
		v = json_object_get(body, schema->fields[i].name);
		if (v != NULL && !json_is_null(v)) {
			given = (long)i;
			n++;
		}
	}
	if (n == 1)
		return given;
	validation_add(errors, body_loc(NULL), "value_error", "%s", schema->one_of_msg);
	return -1;
}

/* One JSON object against a schema: every problem into `errors`; true when
 * it added none. */
static bool read_object(const struct request *r, const struct body_schema *schema, json_t *obj,
                        struct field_value *values, json_t *errors)
{
	size_t before = json_array_size(errors);
	bool has_one_of = false;
	long alt;

	forbid_extra(obj, schema, errors);
	for (size_t i = 0; i < schema->n_fields && i < FIELDS_BODY_MAX; i++) {
		has_one_of |= schema->fields[i].one_of;
		if (!schema->fields[i].one_of)
			read_body_field(r, obj, &schema->fields[i], values, i, errors);
	}
	if (has_one_of && json_array_size(errors) == before &&
	    (alt = one_of_given(obj, schema, errors)) >= 0)
		read_body_field(r, obj, &schema->fields[alt], values, (size_t)alt, errors);
	return json_array_size(errors) == before;
}

static bool read_body(const struct request *r, const struct body_schema *schema,
                      struct field_map *map, struct field_failure *fail)
{
	json_t *errors = json_array();
	bool too_many = false;

	if (schema->optional && r->body_len == 0)
		map->json = json_object();
	else
		map->json = body_parse_object(r->body, r->body_len, r->ctx->app->max_json_values,
		                              &too_many, errors);
	if (too_many) {
		json_decref(errors);
		fail->status = 413;
		fail->body =
			json_pack("{s:s}", "detail", "Request body holds too many JSON values");
		return false;
	}
	if (map->json != NULL && read_object(r, schema, map->json, map->body, errors)) {
		json_decref(errors);
		return true;
	}
	fail_with_items(fail, errors);
	return false;
}

/* Idempotency-Key: 1 to 255 printable ASCII characters. */
static bool read_idempotency_key(const struct request *r, struct field_map *map,
                                 struct field_failure *fail)
{
	const char *k = r->idempotency_key;
	size_t len = k ? strlen(k) : 0;

	if (k == NULL)
		return true;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)k[i] < 0x20 || (unsigned char)k[i] > 0x7e)
			len = 0;
	if (len < 1 || len > FIELDS_IDEMPOTENCY_KEY_MAX) {
		fail_with_item(fail, json_pack("[s,s]", "header", "idempotency-key"), "value_error",
		               "Idempotency-Key must be 1 to 255 printable ASCII characters");
		return false;
	}
	map->idempotency_key = k;
	return true;
}

/* ---- the walk ------------------------------------------------------------- */

bool fields_read(const struct request *r, const struct input_spec *spec, struct field_map *map,
                 struct field_failure *fail)
{
	memset(map, 0, sizeof(*map));
	memset(fail, 0, sizeof(*fail));
	if (spec == NULL)
		return true;
	for (size_t i = 0; i < spec->n_path && i < r->n_path_params; i++)
		if (!read_path_param(r->path_params[i], &spec->path[i], &map->path[i], fail))
			return false;
	for (size_t i = 0; i < spec->n_query && i < FIELDS_QUERY_MAX; i++)
		if (!read_query_param(r, &spec->query[i], &map->query[i], fail))
			return false;
	if (spec->idempotent && !read_idempotency_key(r, map, fail))
		return false;
	return spec->body == NULL || read_body(r, spec->body, map, fail);
}

bool fields_validate(struct request *r, const struct input_spec *spec, struct field_map *map)
{
	struct field_failure fail;

	if (fields_read(r, spec, map, &fail))
		return true;
	respond_json(r, fail.status, fail.body);
	return false;
}

void field_map_free(struct field_map *map)
{
	for (size_t i = 0; i < FIELDS_BODY_MAX; i++) {
		free(map->body[i].items);
		map->body[i].items = NULL;
	}
	json_decref(map->json);
	map->json = NULL;
}
