/*
 * cmd_create: the commands that make tasks: `compile` and `run`.  Every
 * creation carries a fresh Idempotency-Key (a random UUID), reused when
 * the request is sent again after a connection error or a 503, so that a
 * server which honours the header never makes a second task.  `run` takes
 * a JSON circuit, an APB file or ODE source (compiled first for the
 * device's class, and waited for, in the same command).
 */
#include "autoconfig.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "cli/cmd.h"
#include "cli/input.h"
#include "cli/output.h"

#define MAX_SOURCE  (1024 * 1024)      /* the server's limit for ODE source */
#define MAX_CIRCUIT (24 * 1024 * 1024) /* base64 of it stays under the body limit */

/* POSTs a creation; the new task's id goes to id (37 bytes), the answer
 * stays in r.  0 or the exit code (printed). */
static int create_task(struct cli_ctx *c, const char *path, json_t *body, struct http_resp *r,
                       char *id)
{
	char idem[37];
	uuid_t u;
	char *text = json_dumps(body, JSON_COMPACT);
	json_t *created = NULL;
	const char *s;
	int rc, code = 0;

	if (!text) {
		fprintf(stderr, "acloud: out of memory\n");
		return CLI_SERVER;
	}
	uuid_generate_random(u);
	uuid_unparse_lower(u, idem);
	rc = http_request(c->h, "POST", path, text, idem, HTTP_CREATE, r);
	free(text);
	if (rc < 0 || r->status != 201) {
		cli_print_error(stderr, r->status, r->body, r->retry_after, r->err);
		return rc < 0            ? CLI_SERVER
		       : r->status < 300 ? CLI_SERVER
		                         : cli_exit_for_status(r->status);
	}
	created = json_loadb(r->body, r->len, 0, NULL);
	s = json_string_value(json_object_get(created, "id"));
	if (!s || strlen(s) > 36) {
		fprintf(stderr, "acloud: the server's answer has no task id\n");
		code = CLI_SERVER;
	} else {
		memcpy(id, s, strlen(s) + 1);
	}
	json_decref(created);
	return code;
}

/* After a creation: the id (or the answer with --json) when not waiting;
 * else waits, leaving the final task in *task. */
static int created_then_wait(struct cli_ctx *c, const struct http_resp *created, const char *id,
                             json_t **task)
{
	struct wait_opts o;

	*task = NULL;
	if (!c->a->wait) {
		if (c->a->json)
			cmd_print_body(created);
		else
			printf("%s\n", id);
		return 0;
	}
	o = cmd_wait_opts(c->a);
	return cli_wait_task(c->h, id, &o, task);
}

/* Creates a compile task for backend from source; *id gets its id. */
static int start_compile(struct cli_ctx *c, const char *backend, const char *source,
                         struct http_resp *r, char *id)
{
	json_t *body = json_pack("{s:s, s:s}", "backend", backend, "source", source);
	int code;

	if (!body) {
		fprintf(stderr, "acloud: the source is not valid UTF-8\n");
		return CLI_USAGE;
	}
	if (c->a->name)
		json_object_set_new(body, "name", json_string(c->a->name));
	code = create_task(c, "/api/v1/tasks/compile", body, r, id);
	json_decref(body);
	return code;
}

int cmd_compile(struct cli_ctx *c)
{
	struct http_resp r = { .retry_after = -1 }, res = { .retry_after = -1 };
	char id[37], *source;
	size_t len;
	char err[512];
	json_t *task = NULL;
	int code;

	source = cli_read_input(c->a->pos[0], MAX_SOURCE, &len, err, sizeof err);
	if (!source) {
		fprintf(stderr, "acloud: %s\n", err);
		return CLI_USAGE;
	}
	code = start_compile(c, c->a->backend, source, &r, id);
	free(source);
	if (code)
		goto out;
	code = created_then_wait(c, &r, id, &task);
	if (code || !c->a->wait)
		goto out;
	if (c->a->output) {
		char path[300];

		cmd_task_path(path, sizeof path, id, "/result");
		code = cmd_call(c, "GET", path, NULL, &res);
		if (!code && cli_write_file(c->a->output, res.body, res.len) < 0) {
			fprintf(stderr, "acloud: %s: %s\n", c->a->output, strerror(errno));
			code = CLI_USAGE;
		}
	}
	if (!code && c->a->json) {
		char *t = json_dumps(task, JSON_COMPACT);
		printf("%s\n", t ? t : "null");
		free(t);
	} else if (!code) {
		printf("%s\n", id);
	}
out:
	json_decref(task);
	http_resp_free(&r);
	http_resp_free(&res);
	return code;
}

/* The class of a device as GET /devices tells it; "" if unknown. */
static int device_class(struct cli_ctx *c, const char *device, char *cls, size_t len)
{
	struct http_resp r = { .retry_after = -1 };
	json_t *list = NULL, *d;
	size_t i;
	int code = cmd_get_json(c, "/api/v1/devices", &r, &list);

	*cls = '\0';
	if (!code) {
		json_array_foreach (list, i, d)
			if (!strcmp(cmd_str(d, "name"), device))
				snprintf(cls, len, "%s", cmd_str(d, "type"));
		if (!*cls) {
			fprintf(stderr, "acloud: Device %s not found\n", device);
			code = CLI_NOTFOUND;
		}
	}
	json_decref(list);
	http_resp_free(&r);
	return code;
}

/* ODE source for a run: compiled for the device's class (a simulator runs
 * LUCIDAC circuits), waited for; its id goes into the run's body. */
static int compile_for_device(struct cli_ctx *c, const char *source, json_t *body)
{
	struct http_resp r = { .retry_after = -1 };
	struct wait_opts o = cmd_wait_opts(c->a);
	char cls[32], id[37];
	int code = device_class(c, c->a->device, cls, sizeof cls);

	if (code)
		return code;
	code = start_compile(c, strcmp(cls, "SIMULATOR") ? cls : "LUCIDAC", source, &r, id);
	http_resp_free(&r);
	if (code)
		return code;
	code = cli_wait_task(c->h, id, &o, NULL);
	if (!code)
		json_object_set_new(body, "compile_task_id", json_string(id));
	return code;
}

/* The circuit part of a run's body, from FILE. */
static int circuit_from_file(struct cli_ctx *c, const char *file, json_t *body)
{
	char err[512], *data, *b64;
	size_t len = 0;
	json_t *circuit;
	int code = 0;

	data = cli_read_input(file, MAX_CIRCUIT, &len, err, sizeof err);
	if (!data) {
		fprintf(stderr, "acloud: %s\n", err);
		return CLI_USAGE;
	}
	switch (cli_circuit_kind(file, data, len)) {
	case CIRCUIT_JSON:
		circuit = json_loadb(data, len, 0, NULL);
		json_object_set_new(body, "circuit", circuit);
		break;
	case CIRCUIT_APB:
		b64 = cli_base64((const unsigned char *)data, len);
		if (!b64) {
			code = CLI_SERVER;
			break;
		}
		json_object_set_new(body, "circuit_apb", json_string(b64));
		free(b64);
		break;
	case CIRCUIT_ODE:
		code = compile_for_device(c, data, body);
		break;
	case CIRCUIT_UNKNOWN:
		fprintf(stderr, "acloud: %s: empty file\n", file);
		code = CLI_USAGE;
		break;
	}
	free(data);
	return code;
}

/* A number for the body: an integer when it is one (sample_rate is). */
static json_t *number(double v)
{
	if (v == floor(v) && fabs(v) < 1e15)
		return json_integer((json_int_t)v);
	return json_real(v);
}

static json_t *run_body(const struct cli_args *a)
{
	json_t *body = json_pack("{s:s}", "device_name", a->device);

	if (!body)
		return NULL;
	if (!isnan(a->op_time))
		json_object_set_new(body, "op_time", json_real(a->op_time));
	if (!isnan(a->sample_rate))
		json_object_set_new(body, "sample_rate", number(a->sample_rate));
	if (a->name)
		json_object_set_new(body, "name", json_string(a->name));
	if (a->compile_task)
		json_object_set_new(body, "compile_task_id", json_string(a->compile_task));
	return body;
}

/* After a run succeeded: its result, as asked. */
static int fetch_result(struct cli_ctx *c, const char *id, const json_t *task)
{
	struct http_resp r = { .retry_after = -1 };
	char path[300];
	int code;

	cmd_task_path(path, sizeof path, id, "/result");
	code = cmd_call(c, "GET", path, NULL, &r);
	if (!code)
		code = cmd_write_result(c, &r,
		                        json_number_value(json_object_get(task, "sample_rate")));
	http_resp_free(&r);
	return code;
}

int cmd_run(struct cli_ctx *c)
{
	struct http_resp r = { .retry_after = -1 };
	json_t *body = run_body(c->a), *task = NULL;
	char id[37];
	int code;

	if (!body) {
		fprintf(stderr, "acloud: a value is not valid UTF-8\n");
		return CLI_USAGE;
	}
	code = c->a->n_pos ? circuit_from_file(c, c->a->pos[0], body) : 0;
	if (!code)
		code = create_task(c, "/api/v1/tasks/run", body, &r, id);
	json_decref(body);
	if (!code)
		code = created_then_wait(c, &r, id, &task);
	if (!code && c->a->wait)
		code = fetch_result(c, id, task);
	json_decref(task);
	http_resp_free(&r);
	return code;
}
