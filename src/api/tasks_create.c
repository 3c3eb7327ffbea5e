/*
 * tasks_create: POST /api/v1/tasks/compile, /tasks/run and /tasks/batch.
 *
 * The body arrives validated (inputs.c: types, ranges, tags, exactly one
 * circuit source per run, the circuit itself through the simulator's
 * loaders, the Idempotency-Key header), so that a malformed task is a 422
 * now and not a failed task later.  What is left here needs the database
 * or several fields together: a run from a compile task loads that task's
 * APB first (one extra read, shared by the runs of a batch that name the
 * same compile task; it is checked like an uploaded one), then the
 * measurement bound over op_time, sample_rate and the circuit's channels.
 *
 * Everything after that is one call of acloud_create_task() with the
 * whole list (sql/007_batch.sql): the idempotency key, every run's device
 * (exists, access, availability), the active-task cap and the rate limits
 * for the whole list, the inserts, the stored answer and the NOTIFY.  One
 * round trip, one transaction: all tasks or none, and a 201 is sent only
 * after the commit.  The answer's JSON is built by the database, so that a
 * replay is the same bytes.
 */
#include "autoconfig.h"

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
#include "common/config.h"
#include "sim/integrate.h"

#include <openssl/evp.h>

const struct db_statement tasks_create_statements[] = {
	{ "tasks_create",
	  "SELECT outcome, run_index, device, body, retry_after, limit_window, limit_class,"
	  "       limit_value, limit_need"
	  "  FROM acloud_create_task($1, $2::task_type, $3::device_class, $4::integer, $5::json, $6,"
	  " $7::integer[], $8::integer[], $9::integer, $10::boolean, $11, $12)" },
	{ "tasks_compiled_apb",
	  "SELECT b.data FROM tasks t JOIN task_blobs b ON b.task_id = t.id AND b.kind = 'result'"
	  " WHERE t.id = $1::uuid AND t.user_id = $2 AND t.type = 'compile' AND t.state = 'succeeded'" },
	{ NULL, NULL },
};

/* The columns of tasks_create. */
enum {
	COL_OUTCOME,
	COL_RUN_INDEX,
	COL_DEVICE,
	COL_BODY,
	COL_RETRY_AFTER,
	COL_LIMIT_WINDOW,
	COL_LIMIT_CLASS,
	COL_LIMIT_VALUE,
	COL_LIMIT_NEED
};

/* A creation request on its way to the database. */
struct creation {
	const char *type;       /* "compile" | "run" */
	const char *backend;    /* compile */
	const char *input_type; /* of every input blob */
	bool batch;             /* answers {"tasks": [...]}, errors name the run */
	json_t *tasks;          /* owned: the list acloud_create_task reads */
	char compiled_id[37];   /* the compile task whose APB is in compiled_apb */
	char *compiled_apb;     /* owned: base64 */
	int compiled_channels;  /* its measured channels */
};

/* "runs[3]: " in a batch, "" otherwise. */
static const char *run_prefix(const struct creation *c, size_t i, char *buf, size_t len)
{
	if (!c->batch)
		return "";
	snprintf(buf, len, "runs[%zu]: ", i);
	return buf;
}

/* Answers 422 with `errors` (locs ["body", field, ...]) as errors of run i. */
static void respond_run_errors(struct request *r, const struct creation *c, size_t i,
                               json_t *errors)
{
	json_t *e;
	size_t k;

	if (c->batch) {
		json_array_foreach (errors, k, e) {
			json_t *loc = json_object_get(e, "loc");

			json_array_insert_new(loc, 1, json_string("runs"));
			json_array_insert_new(loc, 2, json_integer((json_int_t)i));
		}
	}
	respond_validation(r, errors);
}

static void reject_field(struct request *r, const struct creation *c, size_t i, const char *field,
                         const char *msg)
{
	json_t *errors = json_array();

	validation_add(errors, body_loc(field), "value_error", "%s", msg);
	respond_run_errors(r, c, i, errors);
}

/* ---- answering ------------------------------------------------------------- */

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

/* " (the batch asks for 12)" when a batch is refused as a whole. */
static const char *batch_need(const struct creation *c, PGresult *res, char *buf, size_t len)
{
	if (!c->batch)
		return "";
	snprintf(buf, len, " (the batch asks for %s)", PQgetvalue(res, 0, COL_LIMIT_NEED));
	return buf;
}

static void answer_refused(struct request *r, const struct creation *c, PGresult *res,
                           const char *outcome)
{
	char need[64];

	if (strcmp(outcome, "rate_limited") == 0) {
		bool hourly = strcmp(PQgetvalue(res, 0, COL_LIMIT_WINDOW), "hourly") == 0;

		response_header(r, "Retry-After", "%s", PQgetvalue(res, 0, COL_RETRY_AFTER));
		respond_error(r, 429, "Rate limit exceeded for %s: %s run tasks per %s%s",
		              PQgetvalue(res, 0, COL_LIMIT_CLASS),
		              PQgetvalue(res, 0, COL_LIMIT_VALUE), hourly ? "hour" : "day",
		              batch_need(c, res, need, sizeof(need)));
	} else if (strcmp(outcome, "active_limited") == 0) {
		/* No slot frees at a known time: a task has to finish first. */
		response_header(r, "Retry-After", "%d", 30);
		respond_error(r, 429,
		              "Active task limit reached: max_active_tasks is %s queued or running"
		              " tasks per key%s",
		              PQgetvalue(res, 0, COL_LIMIT_VALUE),
		              batch_need(c, res, need, sizeof(need)));
	} else if (strcmp(outcome, "idempotency_in_flight") == 0) {
		respond_error(r, 409,
		              "A request with this Idempotency-Key is still being processed");
	} else {
		json_t *errors = json_array();

		validation_add(errors, json_pack("[s,s]", "header", "idempotency-key"),
		               "value_error",
		               "This Idempotency-Key was used with a different request");
		respond_validation(r, errors);
	}
}

static void answer_device(struct request *r, const struct creation *c, PGresult *res,
                          const char *outcome)
{
	const char *device = PQgetvalue(res, 0, COL_DEVICE);
	size_t i = (size_t)strtoul(PQgetvalue(res, 0, COL_RUN_INDEX), NULL, 10);
	char buf[32];
	const char *prefix = run_prefix(c, i, buf, sizeof(buf));

	if (strcmp(outcome, "device_not_found") == 0)
		respond_error(r, 404, "%sDevice %s not found", prefix, device);
	else if (strcmp(outcome, "device_forbidden") == 0)
		respond_error(r, 403, "%sAccess to device %s denied", prefix, device);
	else
		respond_error(r, 503, "%sDevice %s is not available", prefix, device);
}

static void answer_outcome(struct request *r, const struct creation *c, PGresult *res)
{
	const char *outcome = PQgetvalue(res, 0, COL_OUTCOME);
	const char *body = PQgetvalue(res, 0, COL_BODY);

	if (strcmp(outcome, "created") == 0) {
		respond_json_text(r, 201, body, strlen(body));
	} else if (strcmp(outcome, "replayed") == 0) {
		response_header(r, "Idempotent-Replayed", "true");
		respond_json_text(r, 201, body, strlen(body));
	} else if (strncmp(outcome, "device_", 7) == 0) {
		answer_device(r, c, res, outcome);
	} else {
		answer_refused(r, c, res, outcome);
	}
}

/* ---- the database call --------------------------------------------------------- */

/* SHA-256 of the path and the body's bytes, in hex: what a replay must match. */
static void request_digest(const struct request *r, char hex[65])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char digest[32];
	unsigned int len = 0;

	memset(digest, 0, sizeof(digest));
	if (md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(md, r->path, strlen(r->path) + 1) == 1 &&
	    EVP_DigestUpdate(md, r->body ? r->body : "", r->body_len) == 1)
		EVP_DigestFinal_ex(md, digest, &len);
	EVP_MD_CTX_free(md);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

static void create_tasks(struct request *r, const struct field_map *in, struct creation *c)
{
	char priority[16], hourly[64], daily[64], max_active[24], digest[65];
	const char *params[12];
	char *tasks = json_dumps(c->tasks, JSON_COMPACT);
	PGresult *res;

	if (tasks == NULL) {
		respond_error(r, 500, "Out of memory");
		return;
	}
	snprintf(priority, sizeof(priority), "%d", r->key->priority);
	snprintf(max_active, sizeof(max_active), "%ld", r->key->max_active_tasks);
	format_limits(r->key, 1, hourly, sizeof(hourly));
	format_limits(r->key, 0, daily, sizeof(daily));
	if (in->idempotency_key)
		request_digest(r, digest);
	params[0] = r->key->id;
	params[1] = c->type;
	params[2] = c->backend;
	params[3] = priority;
	params[4] = tasks;
	params[5] = c->input_type;
	params[6] = hourly;
	params[7] = daily;
	params[8] = r->key->max_active_tasks < 0 ? NULL : max_active;
	params[9] = c->batch ? "true" : "false";
	params[10] = in->idempotency_key;
	params[11] = in->idempotency_key ? digest : NULL;
	res = stmt_query(r, "tasks_create", 12, params);
	free(tasks);
	if (res == NULL)
		return;
	answer_outcome(r, c, res);
	PQclear(res);
}

/* One task of the list: {"i", "id", "name", "tags", "input"} and, for a
 * run, "device", "allowed", "op_time", "sample_rate". */
static json_t *task_entry(size_t i, const char *name, json_t *tags, json_t *input)
{
	char id[37];
	uuid_t raw;

	uuid_generate_random(raw);
	uuid_unparse_lower(raw, id);
	return json_pack("{s:I,s:s,s:s?,s:O?,s:o}", "i", (json_int_t)i, "id", id, "name", name,
	                 "tags", tags, "input", input);
}

static void creation_free(struct creation *c)
{
	json_decref(c->tasks);
	free(c->compiled_apb);
}

/* ---- compile ------------------------------------------------------------ */

void handle_tasks_compile(struct request *r, const struct field_map *in)
{
	const struct field_value *f = in->body;
	long long backend = f[COMPILE_BACKEND].integer;
	struct creation c = { .type = "compile", .input_type = "text/plain; charset=utf-8" };

	if (backend == DEVICE_CLASS_SIMULATOR) {
		respond_error(r, 400, "Compile tasks are not available for SIMULATOR devices");
		return;
	}
	if (!r->ctx->devices->compilers[backend].configured) {
		respond_error(r, 400, "No compiler is configured for %s",
		              device_class_names[backend]);
		return;
	}
	c.backend = device_class_names[backend];
	c.tasks = json_array();
	json_array_append_new(c.tasks, task_entry(0, f[COMPILE_NAME].str, f[COMPILE_TAGS].json,
	                                          json_string(f[COMPILE_SOURCE].str)));
	if (json_array_size(c.tasks) != 1)
		respond_error(r, 500, "Out of memory");
	else
		create_tasks(r, in, &c);
	creation_free(&c);
}

/* ---- runs ------------------------------------------------------------------ */

/*
 * A run from a compile task: the caller's succeeded compile task's APB,
 * checked like an upload and carried into the run's input as base64.
 * Kept for the next run of a batch that names the same task.  False when
 * the request is answered.
 */
static bool load_compiled_apb(struct request *r, struct creation *c, size_t i,
                              const char *compile_id, int *channels)
{
	const char *params[2] = { compile_id, r->key->id };
	PGresult *res;
	json_t *errors;
	const uint8_t *apb;
	int len;

	if (c->compiled_apb != NULL && strcmp(c->compiled_id, compile_id) == 0) {
		*channels = c->compiled_channels;
		return true;
	}
	res = stmt_query_bin(r, "tasks_compiled_apb", 2, params);
	if (res == NULL)
		return false;
	if (PQntuples(res) != 1) {
		reject_field(r, c, i, "compile_task_id",
		             "No succeeded compile task of yours has this id");
		goto fail;
	}
	apb = (const uint8_t *)PQgetvalue(res, 0, 0);
	len = PQgetlength(res, 0, 0);
	errors = json_array();
	if (input_check_apb(apb, (size_t)len, "compile_task_id", channels, errors) != 0) {
		respond_run_errors(r, c, i, errors);
		goto fail;
	}
	json_decref(errors);
	free(c->compiled_apb);
	c->compiled_apb = malloc(4 * ((size_t)len + 2) / 3 + 1);
	if (c->compiled_apb == NULL) {
		respond_error(r, 500, "Out of memory");
		goto fail;
	}
	EVP_EncodeBlock((unsigned char *)c->compiled_apb, apb, len);
	snprintf(c->compiled_id, sizeof(c->compiled_id), "%s", compile_id);
	c->compiled_channels = *channels;
	PQclear(res);
	return true;
fail:
	PQclear(res);
	return false;
}

/* The bound on what one run may measure (op_time, sample_rate and the
 * circuit's channels together); false after answering 422. */
static bool check_measurement(struct request *r, const struct creation *c, size_t i,
                              const struct field_value *f, int channels)
{
	double op_time = f[RUN_OP_TIME].number, rate = (double)f[RUN_SAMPLE_RATE].integer;
	struct circuit_error lerr;

	if (sim_sample_count(op_time, rate) < 1) {
		reject_field(r, c, i, "op_time",
		             "op_time * sample_rate must give at least one sample");
		return false;
	}
	if (sim_check_limits(op_time, rate, channels, &lerr) != 0) {
		reject_field(r, c, i, lerr.loc[0] ? lerr.loc : "op_time", lerr.msg);
		return false;
	}
	return true;
}

static json_t *run_input(const struct field_value *f, const struct creation *c)
{
	json_t *input = json_pack("{s:f,s:I}", "op_time", f[RUN_OP_TIME].number, "sample_rate",
	                          (json_int_t)f[RUN_SAMPLE_RATE].integer);

	if (f[RUN_CIRCUIT].present)
		json_object_set(input, "circuit", f[RUN_CIRCUIT].json);
	else if (f[RUN_CIRCUIT_APB].present)
		json_object_set(input, "circuit_apb", f[RUN_CIRCUIT_APB].json);
	else
		json_object_set_new(input, "circuit_apb", json_string(c->compiled_apb));
	return input;
}

/* Run i of the request checked and added to the list; false after answering. */
static bool add_run(struct request *r, struct creation *c, size_t i, const struct field_value *f)
{
	const char *device = f[RUN_DEVICE_NAME].str;
	char prefix[32];
	json_t *task;
	int channels;

	if (f[RUN_COMPILE_TASK_ID].present) {
		if (!load_compiled_apb(r, c, i, f[RUN_COMPILE_TASK_ID].uuid, &channels))
			return false;
	} else {
		channels =
			(int)(f[RUN_CIRCUIT].present ? f[RUN_CIRCUIT] : f[RUN_CIRCUIT_APB]).integer;
	}
	if (!check_measurement(r, c, i, f, channels))
		return false;
	if (!valid_name(device)) {
		respond_error(r, 404, "%sDevice not found",
		              run_prefix(c, i, prefix, sizeof(prefix)));
		return false;
	}
	task = task_entry(i, f[RUN_NAME].str, f[RUN_TAGS].json, run_input(f, c));
	if (task == NULL || json_object_set_new(task, "device", json_string(device)) != 0 ||
	    json_object_set_new(task, "allowed",
	                        json_boolean(auth_key_allows_device(r->key, device))) != 0 ||
	    json_object_set_new(task, "op_time", json_real(f[RUN_OP_TIME].number)) != 0 ||
	    json_object_set_new(task, "sample_rate", json_integer(f[RUN_SAMPLE_RATE].integer)) !=
	            0 ||
	    json_array_append_new(c->tasks, task) != 0) {
		respond_error(r, 500, "Out of memory");
		return false;
	}
	return true;
}

void handle_tasks_run(struct request *r, const struct field_map *in)
{
	struct creation c = { .type = "run", .input_type = "application/json" };

	c.tasks = json_array();
	if (add_run(r, &c, 0, in->body))
		create_tasks(r, in, &c);
	creation_free(&c);
}

void handle_tasks_batch(struct request *r, const struct field_map *in)
{
	const struct field_value *runs = &in->body[BATCH_RUNS];
	struct creation c = { .type = "run", .input_type = "application/json", .batch = true };
	size_t i;

	c.tasks = json_array();
	for (i = 0; i < runs->n_items; i++)
		if (!add_run(r, &c, i, runs->items[i].v))
			break;
	if (i == runs->n_items)
		create_tasks(r, in, &c);
	creation_free(&c);
}
