/*
 * fields: the typed validators and the walk over a route's input_spec.
 * The messages and item shapes are FastAPI's (see body.c), unchanged from
 * when each handler checked its own input.
 */
#include "autoconfig.h"

#include <string.h>

#include "api/body.h"
#include "api/fields.h"
#include "api/response.h"
#include "api/validate.h"

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

/* Query parameters are integers today (limit, offset). */
static bool read_query_param(const struct request *r, const struct field_spec *spec,
                             struct field_value *out, struct field_failure *fail)
{
	char value[32], msg[96];
	long v;

	out->integer = spec->def_int;
	switch (request_query_param(r, spec->name, value, sizeof(value))) {
	case QUERY_ABSENT:
		return true;
	case QUERY_FOUND:
		if (!parse_bounded_long(value, (long)spec->min, (long)spec->max, &v))
			break;
		out->integer = v;
		out->present = true;
		return true;
	default:
		break;
	}
	snprintf(msg, sizeof(msg), "Input should be an integer from %ld to %ld", (long)spec->min,
	         (long)spec->max);
	fail_with_item(fail, json_pack("[s,s]", "query", spec->name), "int_parsing", msg);
	return false;
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
	case FIELD_STRING_LIST:
	case FIELD_ENUM_LIST:
		fields_read_list(body, spec, out, errors);
		break;
	case FIELD_CUSTOM:
	case FIELD_CHECK:
		spec->validate(r, spec, body, values, errors);
		break;
	case FIELD_NAME:
		break; /* path parameters only */
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

static bool read_body(const struct request *r, const struct body_schema *schema,
                      struct field_map *map, struct field_failure *fail)
{
	json_t *errors = json_array();
	bool has_one_of = false, too_many = false;
	long alt;

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
	if (map->json == NULL)
		goto fail;
	forbid_extra(map->json, schema, errors);
	for (size_t i = 0; i < schema->n_fields && i < FIELDS_BODY_MAX; i++) {
		has_one_of |= schema->fields[i].one_of;
		if (!schema->fields[i].one_of)
			read_body_field(r, map->json, &schema->fields[i], map->body, i, errors);
	}
	if (has_one_of && json_array_size(errors) == 0 &&
	    (alt = one_of_given(map->json, schema, errors)) >= 0)
		read_body_field(r, map->json, &schema->fields[alt], map->body, (size_t)alt, errors);
	if (json_array_size(errors) == 0) {
		json_decref(errors);
		return true;
	}
fail:
	fail_with_items(fail, errors);
	return false;
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
	json_decref(map->json);
	map->json = NULL;
}
