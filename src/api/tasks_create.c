/*
 * tasks_create: POST /api/v1/tasks/compile and POST /api/v1/tasks/run.
 *
 * The body is validated completely here (types, ranges, exactly one circuit
 * source, the circuit itself through the simulator's loaders) so that a
 * malformed task is a 422 now and not a failed task later (a run from a
 * compile task costs one extra read: its APB is loaded and checked like an
 * uploaded one).  Everything after that (device exists, access,
 * availability, rate limit, the inserts and the NOTIFY) is one call of
 * acloud_create_task(): one round trip, one transaction, the contract's
 * order of checks.
 */
#include "autoconfig.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "api/body.h"
#include "api/handlers.h"
#include "api/response.h"
#include "api/statements.h"
#include "api/validate.h"
#include "common/base64.h"
#include "sim/circuit.h"
#include "sim/integrate.h"

#include <openssl/evp.h>

#define SOURCE_MAX_BYTES     (1024 * 1024)
#define APB_BASE64_MAX_BYTES (8 * 1024 * 1024)
#define NAME_MAX_CHARS       256

const struct db_statement tasks_create_statements[] = {
	{ "tasks_create",
	  "SELECT outcome, retry_after, limit_window, limit_class, limit_value, created_at"
	  "  FROM acloud_create_task($1::uuid, $2, $3::task_type, $4, $5, $6::device_class, $7::boolean,"
	  " $8::integer, $9::float8, $10::integer, $11, $12, $13::integer[], $14::integer[])" },
	{ "tasks_compiled_apb",
	  "SELECT b.data FROM tasks t JOIN task_blobs b ON b.task_id = t.id AND b.kind = 'result'"
	  " WHERE t.id = $1::uuid AND t.user_id = $2 AND t.type = 'compile' AND t.state = 'succeeded'" },
	{ NULL, NULL },
};

/* A validated creation request, ready for the database. */
struct new_task {
	char id[37];
	const char *type; /* "compile" | "run" */
	const char *name;
	const char *device_name; /* run */
	const char *backend;     /* compile */
	double op_time;
	long long sample_rate;
	char *input; /* owned: the input blob's text */
	const char *input_type;
	char compile_task_id[37]; /* "" when not given */
	char *compiled_apb;       /* owned: base64 of the compile task's APB */
};

static void new_task_init(struct new_task *t, const char *type)
{
	uuid_t raw;

	memset(t, 0, sizeof(*t));
	uuid_generate_random(raw);
	uuid_unparse_lower(raw, t->id);
	t->type = type;
}

static void format_limits(const struct auth_key *key, int hourly, char *out, size_t outlen)
{
	size_t used = 0;

	for (int c = 0; c < DEVICE_CLASS_COUNT && used < outlen; c++) {
		long v = hourly ? key->limits[c].hourly : key->limits[c].daily;
		int n = v < 0 ? snprintf(out + used, outlen - used, "%sNULL", c ? "," : "{")
		              : snprintf(out + used, outlen - used, "%s%ld", c ? "," : "{", v);

		if (n > 0)
			used += (size_t)n;
	}
	if (used + 2 <= outlen)
		memcpy(out + used, "}", 2);
}

static void answer_created(struct request *r, const struct new_task *t, const char *created_at)
{
	respond_json(r, 201,
	             json_pack("{s:s,s:s,s:s,s:s}", "id", t->id, "type", t->type, "state", "queued",
	                       "created_at", created_at));
}

static void answer_outcome(struct request *r, const struct new_task *t, PGresult *res)
{
	const char *outcome = PQgetvalue(res, 0, 0);

	if (strcmp(outcome, "created") == 0) {
		answer_created(r, t, PQgetvalue(res, 0, 5));
	} else if (strcmp(outcome, "device_not_found") == 0) {
		respond_error(r, 404, "Device %s not found", t->device_name);
	} else if (strcmp(outcome, "device_forbidden") == 0) {
		respond_error(r, 403, "Access to device %s denied", t->device_name);
	} else if (strcmp(outcome, "device_unavailable") == 0) {
		respond_error(r, 503, "Device %s is not available", t->device_name);
	} else {
		bool hourly = strcmp(PQgetvalue(res, 0, 2), "hourly") == 0;

		response_header(r, "Retry-After", "%s", PQgetvalue(res, 0, 1));
		respond_error(r, 429, "Rate limit exceeded for %s: %s run tasks per %s",
		              PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 4),
		              hourly ? "hour" : "day");
	}
}

static void insert_task(struct request *r, struct new_task *t)
{
	char priority[16], op_time[32], sample_rate[32], hourly[64], daily[64];
	bool run = strcmp(t->type, "run") == 0;
	const char *params[14];
	PGresult *res;

	snprintf(priority, sizeof(priority), "%d", r->key->priority);
	snprintf(op_time, sizeof(op_time), "%.17g", t->op_time);
	snprintf(sample_rate, sizeof(sample_rate), "%lld", t->sample_rate);
	format_limits(r->key, 1, hourly, sizeof(hourly));
	format_limits(r->key, 0, daily, sizeof(daily));
	params[0] = t->id;
	params[1] = r->key->id;
	params[2] = t->type;
	params[3] = t->name;
	params[4] = run ? t->device_name : NULL;
	params[5] = run ? NULL : t->backend;
	params[6] = !run || auth_key_allows_device(r->key, t->device_name) ? "true" : "false";
	params[7] = priority;
	params[8] = run ? op_time : NULL;
	params[9] = run ? sample_rate : NULL;
	params[10] = t->input;
	params[11] = t->input_type;
	params[12] = hourly;
	params[13] = daily;
	res = api_query(r, "tasks_create", 14, params);
	if (res == NULL)
		return;
	answer_outcome(r, t, res);
	PQclear(res);
}

/* ---- compile ------------------------------------------------------------ */

static const char *const compile_fields[] = { "backend", "source", "name", NULL };
static const char *const class_names[] = { "SIMULATOR", "LUCIDAC", "REDAC", NULL };

void handle_tasks_compile(struct request *r)
{
	json_t *body = body_parse_object(r);
	json_t *errors;
	struct new_task t;
	const char *source = NULL;
	int backend;

	if (body == NULL)
		return;
	new_task_init(&t, "compile");
	errors = json_array();
	body_forbid_extra(body, compile_fields, errors);
	backend = body_enum(body, "backend", true, class_names, errors);
	body_string(body, "source", true, SOURCE_MAX_BYTES, &source, errors);
	body_string(body, "name", false, NAME_MAX_CHARS, &t.name, errors);
	if (json_array_size(errors) > 0) {
		respond_validation(r, errors);
		goto out;
	}
	json_decref(errors);
	if (backend == DEVICE_CLASS_SIMULATOR) {
		respond_error(r, 400, "Compile tasks are not available for SIMULATOR devices");
		goto out;
	}
	if (!r->ctx->devices->compilers[backend].configured) {
		respond_error(r, 400, "No compiler is configured for %s", class_names[backend]);
		goto out;
	}
	t.backend = class_names[backend];
	t.input = strdup(source);
	t.input_type = "text/plain; charset=utf-8";
	if (t.input == NULL)
		respond_error(r, 500, "Out of memory");
	else
		insert_task(r, &t);
out:
	free(t.input);
	json_decref(body);
}

/* ---- run ------------------------------------------------------------------ */

static const char *const run_fields[] = { "device_name", "circuit",
	                                  "circuit_apb", "compile_task_id",
	                                  "op_time",     "sample_rate",
	                                  "name",        NULL };

/* Loads and checks the circuit source; counts measured channels. */
static int check_circuit_json(json_t *circuit, int *channels, json_t *errors)
{
	struct circuit c;
	struct circuit_error err;

	if (circuit_from_json(&c, circuit, &err) != 0) {
		json_t *parts = circuit_error_loc(&err);
		json_t *loc = json_pack("[s,s]", "body", "circuit");

		json_array_extend(loc, parts);
		json_decref(parts);
		validation_add(errors, loc, "value_error", "%s", err.msg);
		return -1;
	}
	*channels = sim_measured_channels(&c);
	return 0;
}

static int check_apb_bytes(const uint8_t *apb, size_t len, const char *field, int *channels,
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

static int check_circuit_apb(const char *b64, int *channels, json_t *errors)
{
	uint8_t *apb = NULL;
	size_t len;
	int rc;

	if (base64_decode(b64, strlen(b64), &apb, &len) != 0) {
		validation_add(errors, body_loc("circuit_apb"), "value_error", "Invalid base64");
		return -1;
	}
	rc = check_apb_bytes(apb, len, "circuit_apb", channels, errors);
	free(apb);
	return rc;
}

/*
 * A run from a compile task: the caller's succeeded compile task's APB,
 * checked like an upload and carried into the run's input as base64.
 * Returns 0, or -1 after adding a validation item; -2 when the database
 * failed (the request is answered).
 */
static int load_compiled_apb(struct request *r, struct new_task *t, int *channels, json_t *errors)
{
	const char *params[2] = { t->compile_task_id, r->key->id };
	PGresult *res = db_exec_bin(&r->ctx->db, "tasks_compiled_apb", 2, params, NULL, NULL, 1);
	const uint8_t *apb;
	int len, rc = -1;

	if (res == NULL) {
		respond_error(r, 503, "Database unavailable, try again shortly");
		return -2;
	}
	if (!db_result_ok(res) || PQntuples(res) != 1) {
		validation_add(errors, body_loc("compile_task_id"), "value_error",
		               "No succeeded compile task of yours has this id");
		goto out;
	}
	apb = (const uint8_t *)PQgetvalue(res, 0, 0);
	len = PQgetlength(res, 0, 0);
	if (check_apb_bytes(apb, (size_t)len, "compile_task_id", channels, errors) != 0)
		goto out;
	t->compiled_apb = malloc(4 * ((size_t)len + 2) / 3 + 1);
	if (t->compiled_apb == NULL)
		goto out;
	EVP_EncodeBlock((unsigned char *)t->compiled_apb, apb, len);
	rc = 0;
out:
	PQclear(res);
	return rc;
}

static int count_sources(json_t *body)
{
	static const char *const sources[] = { "circuit", "circuit_apb", "compile_task_id" };
	int n = 0;

	for (size_t i = 0; i < 3; i++) {
		json_t *v = json_object_get(body, sources[i]);

		n += v != NULL && !json_is_null(v);
	}
	return n;
}

/* Validates the circuit source and the measurement bound; fills t.
 * Returns -2 when the request was answered (database failure). */
static int check_run_source(struct request *r, json_t *body, struct new_task *t, json_t *errors)
{
	json_t *circuit = json_object_get(body, "circuit");
	const char *apb = NULL, *compile_id = NULL;
	size_t samples = sim_sample_count(t->op_time, (double)t->sample_rate);
	struct circuit_error lerr;
	int channels = -1;

	if (count_sources(body) != 1) {
		validation_add(
			errors, body_loc(NULL), "value_error",
			"Exactly one of circuit, circuit_apb or compile_task_id is required");
		return 0;
	}
	if (circuit != NULL && !json_is_null(circuit)) {
		if (!json_is_object(circuit))
			validation_add(errors, body_loc("circuit"), "model_attributes_type",
			               "Input should be a valid circuit object");
		else
			check_circuit_json(circuit, &channels, errors);
	} else if (body_string(body, "circuit_apb", false, APB_BASE64_MAX_BYTES, &apb, errors)) {
		check_circuit_apb(apb, &channels, errors);
	} else if (body_string(body, "compile_task_id", false, 64, &compile_id, errors)) {
		if (!valid_uuid(compile_id, t->compile_task_id))
			validation_add(errors, body_loc("compile_task_id"), "uuid_parsing",
			               "Input should be a valid UUID");
		else if (load_compiled_apb(r, t, &channels, errors) == -2)
			return -2;
	}
	if (channels < 0)
		return 0;
	if (samples < 1)
		validation_add(errors, body_loc("op_time"), "value_error",
		               "op_time * sample_rate must give at least one sample");
	else if (sim_check_limits(t->op_time, (double)t->sample_rate, channels, &lerr) != 0)
		validation_add(errors, body_loc(lerr.loc[0] ? lerr.loc : "op_time"), "value_error",
		               "%s", lerr.msg);
	return 0;
}

static char *run_input(json_t *body, const struct new_task *t)
{
	json_t *input = json_pack("{s:f,s:I}", "op_time", t->op_time, "sample_rate",
	                          (json_int_t)t->sample_rate);
	json_t *circuit = json_object_get(body, "circuit");
	json_t *apb = json_object_get(body, "circuit_apb");
	char *text;

	if (circuit != NULL && !json_is_null(circuit))
		json_object_set(input, "circuit", circuit);
	else if (apb != NULL && !json_is_null(apb))
		json_object_set(input, "circuit_apb", apb);
	else
		json_object_set_new(input, "circuit_apb", json_string(t->compiled_apb));
	text = json_dumps(input, JSON_COMPACT);
	json_decref(input);
	return text;
}

void handle_tasks_run(struct request *r)
{
	json_t *body = body_parse_object(r);
	json_t *errors;
	struct new_task t;

	if (body == NULL)
		return;
	new_task_init(&t, "run");
	t.op_time = 0.1;
	t.sample_rate = 10000;
	errors = json_array();
	body_forbid_extra(body, run_fields, errors);
	body_string(body, "device_name", true, 64, &t.device_name, errors);
	body_number(body, "op_time", 0.0, 10.0, &t.op_time, errors);
	body_integer(body, "sample_rate", 1, 1000000, &t.sample_rate, errors);
	body_string(body, "name", false, NAME_MAX_CHARS, &t.name, errors);
	if (json_array_size(errors) == 0 && check_run_source(r, body, &t, errors) == -2) {
		json_decref(errors);
		goto out;
	}
	if (json_array_size(errors) > 0) {
		respond_validation(r, errors);
		goto out;
	}
	json_decref(errors);
	if (!valid_name(t.device_name)) {
		respond_error(r, 404, "Device not found");
		goto out;
	}
	t.input_type = "application/json";
	t.input = run_input(body, &t);
	insert_task(r, &t);
out:
	free(t.input);
	free(t.compiled_apb);
	json_decref(body);
}
