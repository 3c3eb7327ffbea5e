/*
 * fuzz_body: the JSON request-body validation (api/fields.h over
 * api/body.h): the nesting pre-check json_text_depth(), then the input of
 * every route that takes a body (compile, run, search) read by
 * fields_read() exactly as the dispatcher reads it, as a plain caller and
 * as an admin (whose search user ids are mapped through the key table).
 * A refusal must be a 422 (413 over the value budget) with a body; an acceptance must not come from a
 * text nested deeper than the limit.  Then each field reader of body.h on
 * each key actually present, with tight bounds, so every type branch is
 * reached.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "api/body.h"
#include "api/fields.h"
#include "api/router.h"
#include "fuzz_common.h"

static struct auth_key keys[2] = {
	{ .id = "alice", .enabled = true },
	{ .id = "admin", .enabled = true, .admin = true },
};
static struct auth_config auth = { .keys = keys, .n_keys = 2 };
static struct app_config app = { .max_json_values = 400000 };
static struct api_context ctx = { .auth = &auth, .app = &app };
static const char *const classes[] = { "SIMULATOR", "LUCIDAC", "REDAC", NULL };

/* Each reader on each key actually present, with tight bounds. */
static void read_every_key(json_t *obj, json_t *errors)
{
	const char *key, *s;
	json_t *value;
	double d;
	long long n;

	json_object_foreach (obj, key, value) {
		(void)value;
		(void)body_string(obj, key, true, 8, &s, errors);
		(void)body_number(obj, key, -1.0, 1.0, &d, errors);
		(void)body_integer(obj, key, -5, 5, &n, errors);
		(void)body_enum(obj, key, false, classes, errors);
	}
}

static void read_route_input(const struct route *route, const struct auth_key *key, char *body,
                             size_t size, int depth)
{
	struct request r;
	struct field_map map;
	struct field_failure fail;
	bool ok;

	memset(&r, 0, sizeof(r));
	r.ctx = &ctx;
	r.key = key;
	r.method = route->method;
	r.body = body;
	r.body_len = size;
	ok = fields_read(&r, route->input, &map, &fail);
	if (ok ? depth > BODY_MAX_DEPTH
	       : (fail.status != 422 && fail.status != 413) || fail.body == NULL)
		abort();
	json_decref(fail.body);
	field_map_free(&map);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int depth = json_text_depth((const char *)data, size);
	char *body;
	json_t *obj, *errors;
	bool too_many;

	if (depth < -1 || (size_t)(depth + 1) > size + 1)
		abort();
	body = size ? fuzz_cstr(data, size) : NULL;
	for (size_t i = 0; i < api_routes_count; i++) {
		if (api_routes[i].input == NULL || api_routes[i].input->body == NULL)
			continue;
		for (size_t k = 0; k < 2; k++)
			read_route_input(&api_routes[i], &keys[k], body, size, depth);
	}
	errors = json_array();
	obj = body_parse_object(body, size, app.max_json_values, &too_many, errors);
	if ((obj == NULL) != (json_array_size(errors) == 1 || too_many))
		abort();
	if (obj != NULL)
		read_every_key(obj, errors);
	json_decref(obj);
	json_decref(errors);
	free(body);
	return 0;
}
