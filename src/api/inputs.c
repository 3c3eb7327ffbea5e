/*
 * inputs: the route inputs of the API and its own validators.  The rules
 * and messages are the contract's (FastAPI's shapes); the integration
 * tests and tests/unit/test_api_validate.c hold them to it.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "api/allocguard.h"
#include "api/body.h"
#include "api/inputs.h"
#include "api/response.h"
#include "api/timefmt.h"
#include "api/validate.h"
#include "common/base64.h"
#include "circuit/circuit.h"
#include "common/config.h"
#include "compile/compile.h"
#include "sim/integrate.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* What acloud-compile reads; a longer source could only fail later. */
#define SOURCE_MAX_BYTES     COMPILE_SOURCE_MAX
#define APB_BASE64_MAX_BYTES (8 * 1024 * 1024)
#define NAME_MAX_CHARS       256
#define SEARCH_LIST_MAX      100
#define SEARCH_VALUE_MAX     256
#define DEFAULT_WINDOW_S     (24.0 * 3600)
#define MAX_WINDOW_S         (90.0 * 24 * 3600)

static const char *const type_choices[] = { "compile", "run", NULL };
static const char *const state_choices[] = { "queued", "inprogress", "succeeded",
	                                     "failed", "cancelled",  NULL };

/* ---- path and query ------------------------------------------------------ */

static const struct field_spec task_id_path[] = {
	{ .name = "task_id", .type = FIELD_UUID },
};
const struct input_spec input_task_id = { .path = task_id_path, .n_path = 1 };

static const struct field_spec device_name_path[] = {
	{ .name = "device_name", .type = FIELD_NAME, .not_found = "Device not found" },
};
const struct input_spec input_device_name = { .path = device_name_path, .n_path = 1 };

static const struct field_spec list_query[] = {
	[LIST_LIMIT] = { .name = "limit",
	                 .type = FIELD_INTEGER,
	                 .min = 1,
	                 .max = 1000,
	                 .def_int = 100 },
	[LIST_OFFSET] = { .name = "offset", .type = FIELD_INTEGER, .min = 0, .max = 1000000000LL },
};
const struct input_spec input_tasks_list = { .query = list_query, .n_query = N_OF(list_query) };

/* Tags: up to 16 of [A-Za-z0-9_.:=-]{1,64}, on runs, compiles and search. */
#define TAGS_FIELD(key)                                                                           \
	{                                                                                         \
		.name = key, .type = FIELD_STRING_LIST, .max_items = 16, .min_len = 1,            \
		.max_len = 64,                                                                    \
		.charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:=-", \
		.pattern = "^[A-Za-z0-9_.:=-]{1,64}$"                                             \
	}

/* ---- compile ------------------------------------------------------------- */

static const struct field_spec compile_fields[] = {
	[COMPILE_BACKEND] = { .name = "backend",
	                      .type = FIELD_ENUM,
	                      .required = true,
	                      .choices = device_class_names },
	[COMPILE_SOURCE] = { .name = "source",
	                     .type = FIELD_STRING,
	                     .required = true,
	                     .max_len = SOURCE_MAX_BYTES },
	[COMPILE_NAME] = { .name = "name", .type = FIELD_STRING, .max_len = NAME_MAX_CHARS },
	[COMPILE_TAGS] = TAGS_FIELD("tags"),
};
static const struct body_schema compile_body = { compile_fields, N_OF(compile_fields), false,
	                                         NULL };
const struct input_spec input_tasks_compile = { .body = &compile_body, .idempotent = true };

/* ---- run ------------------------------------------------------------------ */

int input_check_apb(const uint8_t *apb, size_t len, const char *field, int *channels,
                    json_t *errors)
{
	struct circuit c;
	struct circuit_error err;

	if (circuit_from_apb(apb, len, &c, &err) != 0) {
		validation_add(errors, body_loc(field), "value_error",
		               "Invalid APB circuit: %s%s%s", err.msg, err.loc[0] ? " at " : "",
		               err.loc);
		return -1;
	}
	*channels = sim_measured_channels(&c);
	return 0;
}

/* The circuit source as JSON: loaded by the simulator's reader, so a bad
 * element is a 422 now and not a failed task later. */
static void read_circuit(const struct request *r, const struct field_spec *spec, json_t *body,
                         struct field_value *values, json_t *errors)
{
	json_t *circuit = json_object_get(body, spec->name);
	struct circuit c;
	struct circuit_error err;

	(void)r;
	if (!json_is_object(circuit)) {
		validation_add(errors, body_loc(spec->name), "model_attributes_type",
		               "Input should be a valid circuit object");
		return;
	}
	if (circuit_from_json(&c, circuit, &err) != 0) {
		json_t *parts = circuit_error_loc(&err);
		json_t *loc = json_pack("[s,s]", "body", spec->name);

		json_array_extend(loc, parts);
		json_decref(parts);
		validation_add(errors, loc, "value_error", "%s", err.msg);
		return;
	}
	values[RUN_CIRCUIT].json = circuit;
	values[RUN_CIRCUIT].integer = sim_measured_channels(&c);
	values[RUN_CIRCUIT].present = true;
}

/* The circuit source as base64 APB. */
static void read_circuit_apb(const struct request *r, const struct field_spec *spec, json_t *body,
                             struct field_value *values, json_t *errors)
{
	const char *b64 = NULL;
	uint8_t *apb = NULL;
	size_t len;
	int channels;

	(void)r;
	if (!body_string(body, spec->name, false, spec->max_len, &b64, errors))
		return;
	if (base64_decode(b64, strlen(b64), &apb, &len) != 0) {
		validation_add(errors, body_loc(spec->name), "value_error", "Invalid base64");
		return;
	}
	if (input_check_apb(apb, len, spec->name, &channels, errors) == 0) {
		values[RUN_CIRCUIT_APB].json = json_object_get(body, spec->name);
		values[RUN_CIRCUIT_APB].str = b64;
		values[RUN_CIRCUIT_APB].integer = channels;
		values[RUN_CIRCUIT_APB].present = true;
	}
	free(apb);
}

static const struct field_spec run_fields[] = {
	[RUN_DEVICE_NAME] = { .name = "device_name",
	                      .type = FIELD_STRING,
	                      .required = true,
	                      .max_len = 64 },
	[RUN_CIRCUIT] = { .name = "circuit",
	                  .type = FIELD_CUSTOM,
	                  .one_of = true,
	                  .validate = read_circuit },
	[RUN_CIRCUIT_APB] = { .name = "circuit_apb",
	                      .type = FIELD_CUSTOM,
	                      .one_of = true,
	                      .max_len = APB_BASE64_MAX_BYTES,
	                      .validate = read_circuit_apb },
	[RUN_COMPILE_TASK_ID] = { .name = "compile_task_id",
	                          .type = FIELD_UUID,
	                          .one_of = true,
	                          .max_len = 64 },
	[RUN_OP_TIME] = { .name = "op_time",
	                  .type = FIELD_NUMBER,
	                  .gt = 0.0,
	                  .le = 10.0,
	                  .def_num = 0.1 },
	[RUN_SAMPLE_RATE] = { .name = "sample_rate",
	                      .type = FIELD_INTEGER,
	                      .min = 1,
	                      .max = 1000000,
	                      .def_int = 10000 },
	[RUN_NAME] = { .name = "name", .type = FIELD_STRING, .max_len = NAME_MAX_CHARS },
	[RUN_TAGS] = TAGS_FIELD("tags"),
};
static const struct body_schema run_body = {
	run_fields, N_OF(run_fields), false,
	"Exactly one of circuit, circuit_apb or compile_task_id is required"
};
const struct input_spec input_tasks_run = { .body = &run_body, .idempotent = true };

/* ---- batch ------------------------------------------------------------------ */

static const struct field_spec batch_fields[] = {
	[BATCH_RUNS] = { .name = "runs",
	                 .type = FIELD_OBJECT_LIST,
	                 .required = true,
	                 .min_items = 1,
	                 .max_items = INPUT_BATCH_MAX_RUNS,
	                 .items = &run_body },
};
static const struct body_schema batch_body = { batch_fields, N_OF(batch_fields), false, NULL };
const struct input_spec input_tasks_batch = { .body = &batch_body, .idempotent = true };

/* ---- search --------------------------------------------------------------- */

/* An admin's user_id filter names auth.yml ids or raw keys; keys become
 * the ids they belong to.  Anyone else searches their own tasks, whatever
 * the field says. */
static void read_user_ids(const struct request *r, const struct field_spec *spec, json_t *body,
                          struct field_value *values, json_t *errors)
{
	json_t *list = json_object_get(body, spec->name), *item, *mapped;
	struct field_spec as_list = *spec;
	size_t i;

	if (!r->key->admin)
		return;
	as_list.type = FIELD_STRING_LIST;
	/* Only a list the list reader will accept is worth mapping (no
	 * hashing of oversized lists or values before they are rejected). */
	if (json_is_array(list) && json_array_size(list) <= spec->max_items) {
		mapped = json_array();
		json_array_foreach (list, i, item) {
			const char *v = json_string_value(item);
			const struct auth_key *key = v ? auth_find_by_id(r->ctx->auth, v) : NULL;
			unsigned char digest[32];

			if (v != NULL && key == NULL && json_string_length(item) <= spec->max_len) {
				if (!sha256_try(v, strlen(v), digest))
					allocguard_fail(); /* the answer becomes a 500 */
				else
					key = auth_find_by_hash(r->ctx->auth, digest);
			}
			json_array_append_new(mapped, key ? json_string(key->id) : json_copy(item));
		}
		json_object_set_new(body, spec->name, mapped);
	}
	fields_read_list(body, &as_list, &values[SEARCH_USER_ID], errors);
}

/* from/to (ISO 8601) into epoch seconds: 24 hours up to now unless given,
 * at most 90 days. */
static void check_window(const struct request *r, const struct field_spec *spec, json_t *body,
                         struct field_value *values, json_t *errors)
{
	struct field_value *from = &values[SEARCH_FROM], *to = &values[SEARCH_TO];

	(void)r;
	(void)spec;
	(void)body;
	to->number = now_epoch();
	if (to->present && parse_iso8601(to->str, &to->number) != 0) {
		validation_add(errors, body_loc("to"), "datetime_parsing",
		               "Input should be a valid ISO 8601 datetime");
		return;
	}
	from->number = to->number - DEFAULT_WINDOW_S;
	if (from->present && parse_iso8601(from->str, &from->number) != 0) {
		validation_add(errors, body_loc("from"), "datetime_parsing",
		               "Input should be a valid ISO 8601 datetime");
		return;
	}
	if (from->present && !to->present && from->number + DEFAULT_WINDOW_S > to->number)
		to->number = from->number + DEFAULT_WINDOW_S;
	if (from->number > to->number)
		validation_add(errors, body_loc("from"), "value_error",
		               "from must not be after to");
	else if (to->number - from->number > MAX_WINDOW_S)
		validation_add(errors, body_loc(NULL), "value_error",
		               "The search window may span at most 90 days");
}

#define SEARCH_LIST(key, list_type, list_choices)                             \
	{                                                                     \
		.name = key, .type = list_type, .max_items = SEARCH_LIST_MAX, \
		.max_len = SEARCH_VALUE_MAX, .choices = list_choices          \
	}

static const struct field_spec search_fields[] = {
	[SEARCH_USER_ID] = { .name = "user_id",
	                     .type = FIELD_CUSTOM,
	                     .max_items = SEARCH_LIST_MAX,
	                     .max_len = SEARCH_VALUE_MAX,
	                     .validate = read_user_ids },
	[SEARCH_DEVICE_NAME] = SEARCH_LIST("device_name", FIELD_STRING_LIST, NULL),
	[SEARCH_DEVICE_CLASS] = SEARCH_LIST("device_class", FIELD_ENUM_LIST, device_class_names),
	[SEARCH_TYPE] = SEARCH_LIST("type", FIELD_ENUM_LIST, type_choices),
	[SEARCH_STATE] = SEARCH_LIST("state", FIELD_ENUM_LIST, state_choices),
	[SEARCH_FROM] = { .name = "from", .type = FIELD_STRING, .max_len = 64 },
	[SEARCH_TO] = { .name = "to", .type = FIELD_STRING, .max_len = 64 },
	[SEARCH_WINDOW] = { .type = FIELD_CHECK, .validate = check_window },
	[SEARCH_TAGS] = TAGS_FIELD("tags"),
	[SEARCH_LIMIT] = { .name = "limit",
	                   .type = FIELD_INTEGER,
	                   .min = 1,
	                   .max = 1000,
	                   .def_int = 50 },
	[SEARCH_OFFSET] = { .name = "offset",
	                    .type = FIELD_INTEGER,
	                    .min = 0,
	                    .max = 1000000000LL },
};
static const struct body_schema search_body = { search_fields, N_OF(search_fields), true, NULL };
const struct input_spec input_tasks_search = { .body = &search_body };

/* ---- reservations, sessions, maintenance ---------------------------------- */

static const struct field_spec reservation_id_path[] = {
	{ .name = "reservation_id", .type = FIELD_UUID },
};
const struct input_spec input_reservation_id = { .path = reservation_id_path, .n_path = 1 };

/* end after start, at most a week long, and not already over. */
static void check_reservation_window(const struct request *r, const struct field_spec *spec,
                                     json_t *body, struct field_value *values, json_t *errors)
{
	const struct field_value *start = &values[RESERVE_START], *end = &values[RESERVE_END];

	(void)r;
	(void)spec;
	(void)body;
	if (!start->present || !end->present)
		return;
	if (end->number <= start->number)
		validation_add(errors, body_loc("end"), "value_error", "end must be after start");
	else if (end->number - start->number > RESERVATION_MAX_S)
		validation_add(errors, body_loc(NULL), "value_error",
		               "A reservation may span at most 7 days");
	else if (end->number <= now_epoch())
		validation_add(errors, body_loc("end"), "value_error", "end must be in the future");
}

/* The holder must be a user of auth.yml. */
static void read_reservation_user(const struct request *r, const struct field_spec *spec,
                                  json_t *body, struct field_value *values, json_t *errors)
{
	struct field_value *out = &values[RESERVE_USER_ID];

	if (!body_string(body, spec->name, true, spec->max_len, &out->str, errors))
		return;
	if (auth_find_by_id(r->ctx->auth, out->str) == NULL) {
		validation_add(errors, body_loc(spec->name), "value_error", "Unknown user id %s",
		               valid_name(out->str) ? out->str : "");
		return;
	}
	out->present = true;
}

static const struct field_spec reservation_fields[] = {
	[RESERVE_DEVICE_NAME] = { .name = "device_name",
	                          .type = FIELD_STRING,
	                          .required = true,
	                          .max_len = 64 },
	[RESERVE_USER_ID] = { .name = "user_id",
	                      .type = FIELD_CUSTOM,
	                      .max_len = 64,
	                      .validate = read_reservation_user },
	[RESERVE_START] = { .name = "start",
	                    .type = FIELD_DATETIME,
	                    .required = true,
	                    .max_len = 64 },
	[RESERVE_END] = { .name = "end", .type = FIELD_DATETIME, .required = true, .max_len = 64 },
	[RESERVE_WINDOW] = { .type = FIELD_CHECK, .validate = check_reservation_window },
};
static const struct body_schema reservation_body = { reservation_fields, N_OF(reservation_fields),
	                                             false, NULL };
const struct input_spec input_reservation_create = { .body = &reservation_body };

static const struct field_spec reservations_query[] = {
	[RESERVATIONS_DEVICE_NAME] = { .name = "device_name", .type = FIELD_NAME },
	[RESERVATIONS_USER_ID] = { .name = "user_id", .type = FIELD_NAME },
	[RESERVATIONS_FROM] = { .name = "from", .type = FIELD_DATETIME },
	[RESERVATIONS_TO] = { .name = "to", .type = FIELD_DATETIME },
	[RESERVATIONS_LIMIT] = { .name = "limit",
	                         .type = FIELD_INTEGER,
	                         .min = 1,
	                         .max = 1000,
	                         .def_int = 100 },
	[RESERVATIONS_OFFSET] = { .name = "offset",
	                          .type = FIELD_INTEGER,
	                          .min = 0,
	                          .max = 1000000000LL },
};
const struct input_spec input_reservations_list = { .query = reservations_query,
	                                            .n_query = N_OF(reservations_query) };

static const struct field_spec session_fields[] = {
	[SESSION_DURATION_S] = { .name = "duration_s",
	                         .type = FIELD_INTEGER,
	                         .required = true,
	                         .min = 1,
	                         .max = RESERVATION_MAX_S },
};
static const struct body_schema session_body = { session_fields, N_OF(session_fields), false,
	                                         NULL };
const struct input_spec input_device_session = { .path = device_name_path,
	                                         .n_path = 1,
	                                         .body = &session_body };

static const struct field_spec maintenance_fields[] = {
	[MAINTENANCE_ENABLED] = { .name = "enabled", .type = FIELD_BOOL, .required = true },
	[MAINTENANCE_REASON] = { .name = "reason",
	                         .type = FIELD_STRING,
	                         .max_len = MAINTENANCE_REASON_MAX },
};
static const struct body_schema maintenance_body = { maintenance_fields, N_OF(maintenance_fields),
	                                             false, NULL };
const struct input_spec input_device_maintenance = { .path = device_name_path,
	                                             .n_path = 1,
	                                             .body = &maintenance_body };
