/*
 * tasks_create: POST /api/v1/tasks/compile and POST /api/v1/tasks/run.
 *
 * The body arrives validated (inputs.c: types, ranges, exactly one circuit
 * source, the circuit itself through the simulator's loaders), so that a
 * malformed task is a 422 now and not a failed task later.  What is left
 * here needs the database or several fields together: a run from a
 * compile task loads that task's APB first (one extra read; it is checked
 * like an uploaded one), then the measurement bound over op_time,
 * sample_rate and the circuit's channels.  Everything after that (device
 * exists, access, availability, rate limit, the inserts and the NOTIFY) is
 * one call of acloud_create_task(): one round trip, one transaction, the
 * contract's order of checks.
 */
#include "autoconfig.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "api/body.h"
#include "api/handlers.h"
#include "api/inputs.h"
#include "api/response.h"
#include "api/stmt.h"
#include "api/validate.h"
#include "circuit/circuit.h"
#include "sim/integrate.h"

#include <openssl/evp.h>

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
	char *compiled_apb; /* owned: base64 of the compile task's APB */
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
	res = stmt_query(r, "tasks_create", 14, params);
	if (res == NULL)
		return;
	answer_outcome(r, t, res);
	PQclear(res);
}

/* ---- compile ------------------------------------------------------------ */

void handle_tasks_compile(struct request *r, const struct field_map *in)
{
	long long backend = in->body[COMPILE_BACKEND].integer;
	struct new_task t;

	new_task_init(&t, "compile");
	if (backend == DEVICE_CLASS_SIMULATOR) {
		respond_error(r, 400, "Compile tasks are not available for SIMULATOR devices");
		return;
	}
	if (!r->ctx->devices->compilers[backend].configured) {
		respond_error(r, 400, "No compiler is configured for %s",
		              input_class_names[backend]);
		return;
	}
	t.name = in->body[COMPILE_NAME].str;
	t.backend = input_class_names[backend];
	t.input = strdup(in->body[COMPILE_SOURCE].str);
	t.input_type = "text/plain; charset=utf-8";
	if (t.input == NULL)
		respond_error(r, 500, "Out of memory");
	else
		insert_task(r, &t);
	free(t.input);
}

/* ---- run ------------------------------------------------------------------ */

static void reject_field(struct request *r, const char *field, const char *msg)
{
	json_t *errors = json_array();

	validation_add(errors, body_loc(field), "value_error", "%s", msg);
	respond_validation(r, errors);
}

/*
 * A run from a compile task: the caller's succeeded compile task's APB,
 * checked like an upload and carried into the run's input as base64.
 * The handler's first database step; false when the request is answered.
 */
static bool load_compiled_apb(struct request *r, const char *compile_id, struct new_task *t,
                              int *channels)
{
	const char *params[2] = { compile_id, r->key->id };
	PGresult *res = stmt_query_bin(r, "tasks_compiled_apb", 2, params);
	json_t *errors;
	const uint8_t *apb;
	int len;

	if (res == NULL)
		return false;
	if (PQntuples(res) != 1) {
		reject_field(r, "compile_task_id",
		             "No succeeded compile task of yours has this id");
		goto fail;
	}
	apb = (const uint8_t *)PQgetvalue(res, 0, 0);
	len = PQgetlength(res, 0, 0);
	errors = json_array();
	if (input_check_apb(apb, (size_t)len, "compile_task_id", channels, errors) != 0) {
		respond_validation(r, errors);
		goto fail;
	}
	json_decref(errors);
	t->compiled_apb = malloc(4 * ((size_t)len + 2) / 3 + 1);
	if (t->compiled_apb == NULL) {
		respond_error(r, 500, "Out of memory");
		goto fail;
	}
	EVP_EncodeBlock((unsigned char *)t->compiled_apb, apb, len);
	PQclear(res);
	return true;
fail:
	PQclear(res);
	return false;
}

/* The bound on what one run may measure (op_time, sample_rate and the
 * circuit's channels together); false after answering 422. */
static bool check_measurement(struct request *r, const struct new_task *t, int channels)
{
	struct circuit_error lerr;

	if (sim_sample_count(t->op_time, (double)t->sample_rate) < 1) {
		reject_field(r, "op_time", "op_time * sample_rate must give at least one sample");
		return false;
	}
	if (sim_check_limits(t->op_time, (double)t->sample_rate, channels, &lerr) != 0) {
		reject_field(r, lerr.loc[0] ? lerr.loc : "op_time", lerr.msg);
		return false;
	}
	return true;
}

static char *run_input(const struct field_map *in, const struct new_task *t)
{
	json_t *input = json_pack("{s:f,s:I}", "op_time", t->op_time, "sample_rate",
	                          (json_int_t)t->sample_rate);
	char *text;

	if (in->body[RUN_CIRCUIT].present)
		json_object_set(input, "circuit", in->body[RUN_CIRCUIT].json);
	else if (in->body[RUN_CIRCUIT_APB].present)
		json_object_set(input, "circuit_apb", in->body[RUN_CIRCUIT_APB].json);
	else
		json_object_set_new(input, "circuit_apb", json_string(t->compiled_apb));
	text = json_dumps(input, JSON_COMPACT);
	json_decref(input);
	return text;
}

void handle_tasks_run(struct request *r, const struct field_map *in)
{
	const struct field_value *f = in->body;
	struct new_task t;
	int channels;

	new_task_init(&t, "run");
	t.device_name = f[RUN_DEVICE_NAME].str;
	t.op_time = f[RUN_OP_TIME].number;
	t.sample_rate = f[RUN_SAMPLE_RATE].integer;
	t.name = f[RUN_NAME].str;
	if (f[RUN_COMPILE_TASK_ID].present) {
		if (!load_compiled_apb(r, f[RUN_COMPILE_TASK_ID].uuid, &t, &channels))
			goto out;
	} else {
		channels =
			(int)(f[RUN_CIRCUIT].present ? f[RUN_CIRCUIT] : f[RUN_CIRCUIT_APB]).integer;
	}
	if (!check_measurement(r, &t, channels))
		goto out;
	if (!valid_name(t.device_name)) {
		respond_error(r, 404, "Device not found");
		goto out;
	}
	t.input_type = "application/json";
	t.input = run_input(in, &t);
	insert_task(r, &t);
out:
	free(t.input);
	free(t.compiled_apb);
}
