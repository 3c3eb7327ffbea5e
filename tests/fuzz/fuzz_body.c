/*
 * fuzz_body: the JSON request-body validators (api/body.h): the nesting
 * pre-check json_text_depth(), body_parse_object(), and every field reader
 * on the fields the handlers read, plus body_forbid_extra().  Rejections
 * must be answered (a 422 recorded on the request); accepted objects go
 * through the readers with the handlers' bounds, and then through each
 * reader on each of their own keys, so every type branch is reached.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "api/body.h"
#include "fuzz_common.h"

static const char *const handler_fields[] = {
	"name",        "source",  "backend",     "device_name",     "op_time",
	"sample_rate", "circuit", "circuit_apb", "compile_task_id", "from",
	"to",          "limit",   "offset",      "state",           "type",
	NULL,
};
static const char *const classes[] = { "SIMULATOR", "LUCIDAC", "REDAC", NULL };

/* The readers as the task and search handlers call them. */
static void read_handler_fields(json_t *obj, json_t *errors)
{
	const char *s;
	double d;
	long long n;

	body_forbid_extra(obj, handler_fields, errors);
	(void)body_enum(obj, "backend", true, classes, errors);
	(void)body_string(obj, "source", true, 1024 * 1024, &s, errors);
	(void)body_string(obj, "name", false, 256, &s, errors);
	(void)body_string(obj, "device_name", true, 64, &s, errors);
	(void)body_string(obj, "compile_task_id", false, 64, &s, errors);
	(void)body_string(obj, "circuit_apb", false, 8 * 1024 * 1024, &s, errors);
	(void)body_number(obj, "op_time", 0.0, 10.0, &d, errors);
	(void)body_integer(obj, "sample_rate", 1, 1000000, &n, errors);
	(void)body_integer(obj, "offset", 0, 1000000000LL, &n, errors);
}

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request r;
	json_t *obj, *errors;
	int depth = json_text_depth((const char *)data, size);

	if (depth < -1 || (size_t)(depth + 1) > size + 1)
		abort();
	memset(&r, 0, sizeof(r));
	r.method = HTTP_POST;
	r.body = size ? fuzz_cstr(data, size) : NULL;
	r.body_len = size;
	obj = body_parse_object(&r);
	if (obj == NULL) {
		if (!r.responded || r.status != 422)
			abort();
	} else {
		if (r.responded || depth > BODY_MAX_DEPTH)
			abort();
		errors = json_array();
		read_handler_fields(obj, errors);
		read_every_key(obj, errors);
		json_decref(errors);
		json_decref(obj);
	}
	free(r.body);
	return 0;
}
