/*
 * cmd_tasks: commands on existing tasks: `status`, `wait`, `log`,
 * `result`, `tasks`, `search`, `cancel`, `delete`.  Commands taking
 * several ids do each one and exit with the first failure's code.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/output.h"

static int bad_id(const char *id)
{
	fprintf(stderr, "acloud: task id too long: %.40s...\n", id);
	return CLI_USAGE;
}

int cmd_status(struct cli_ctx *c)
{
	struct http_resp r = { .retry_after = -1 };
	char path[300];
	json_t *st = NULL, *h;
	size_t i;
	int code;

	if (cmd_task_path(path, sizeof path, c->a->pos[0], "/status") < 0)
		return bad_id(c->a->pos[0]);
	code = cmd_get_json(c, path, &r, &st);
	if (code)
		goto out;
	if (c->a->json) {
		cmd_print_body(&r);
		goto out;
	}
	printf("%s %s\n", cmd_str(st, "id"), cmd_str(st, "state"));
	json_array_foreach (json_object_get(st, "history"), i, h) {
		const char *detail = json_string_value(json_object_get(h, "detail"));

		printf("  %s  %-10s %s\n", cmd_str(h, "at"), cmd_str(h, "state"),
		       detail ? detail : "");
	}
out:
	json_decref(st);
	http_resp_free(&r);
	return code;
}

int cmd_wait(struct cli_ctx *c)
{
	struct wait_opts o = cmd_wait_opts(c->a);
	int first = 0;

	o.log_out = NULL; /* several tasks: states only; `log` shows a log */
	for (size_t i = 0; i < c->a->n_pos; i++) {
		json_t *task = NULL;
		int code = cli_wait_task(c->h, c->a->pos[i], &o, &task);

		if (c->a->json && task) {
			char *t = json_dumps(task, JSON_COMPACT);
			printf("%s\n", t ? t : "null");
			free(t);
		}
		json_decref(task);
		if (code && !first)
			first = code;
	}
	return first;
}

int cmd_log(struct cli_ctx *c)
{
	struct http_resp r = { .retry_after = -1 };
	char path[300];
	int code;

	if (c->a->follow) {
		struct wait_opts o = { .progress = false,
			               .log_out = stdout,
			               .timeout = c->a->timeout };

		code = cli_wait_task(c->h, c->a->pos[0], &o, NULL);
		return code;
	}
	if (cmd_task_path(path, sizeof path, c->a->pos[0], "/log") < 0)
		return bad_id(c->a->pos[0]);
	code = cmd_call(c, "GET", path, NULL, &r);
	if (!code)
		fwrite(r.body, 1, r.len, stdout);
	http_resp_free(&r);
	return code;
}

/* A run's result needs its sample rate (for the time column); a compile
 * task's result is its APB file. */
int cmd_result(struct cli_ctx *c)
{
	struct http_resp t = { .retry_after = -1 }, r = { .retry_after = -1 };
	char path[300];
	json_t *task = NULL;
	int code;

	if (cmd_task_path(path, sizeof path, c->a->pos[0], "") < 0)
		return bad_id(c->a->pos[0]);
	code = cmd_get_json(c, path, &t, &task);
	if (code)
		goto out;
	strcat(path, "/result");
	code = cmd_call(c, "GET", path, NULL, &r);
	if (code)
		goto out;
	if (!strcmp(cmd_str(task, "type"), "run")) {
		code = cmd_write_result(c, &r,
		                        json_number_value(json_object_get(task, "sample_rate")));
	} else if ((!c->a->output || !strcmp(c->a->output, "-")) && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "acloud: the result is an APB file: write it with -o FILE\n");
		code = CLI_USAGE;
	} else if (cli_write_file(c->a->output, r.body, r.len) < 0) {
		fprintf(stderr, "acloud: %s: %s\n", c->a->output, strerror(errno));
		code = CLI_USAGE;
	}
out:
	json_decref(task);
	http_resp_free(&t);
	http_resp_free(&r);
	return code;
}

static void print_task_table(const json_t *items, bool with_user)
{
	const json_t *t;
	size_t i;

	printf("%-36s %-7s %-10s %-12s %-27s %s%s\n", "ID", "TYPE", "STATE", "DEVICE", "CREATED",
	       with_user ? "USER " : "", "NAME");
	json_array_foreach (items, i, t) {
		const char *dev = json_string_value(json_object_get(t, "device_name"));

		printf("%-36s %-7s %-10s %-12s %-27s ", cmd_str(t, "id"), cmd_str(t, "type"),
		       cmd_str(t, "state"), dev ? dev : cmd_str(t, "device_class"),
		       cmd_str(t, "created_at"));
		if (with_user)
			printf("%s ", cmd_str(t, "user_id"));
		printf("%s\n", json_string_value(json_object_get(t, "name"))
		                       ? json_string_value(json_object_get(t, "name"))
		                       : "");
	}
}

int cmd_tasks(struct cli_ctx *c)
{
	struct http_resp r = { .retry_after = -1 };
	char path[128];
	json_t *list = NULL;
	int code;

	snprintf(path, sizeof path, "/api/v1/tasks?limit=%ld&offset=%ld",
	         c->a->limit >= 0 ? c->a->limit : 100, c->a->offset >= 0 ? c->a->offset : 0);
	code = cmd_get_json(c, path, &r, &list);
	if (code)
		goto out;
	if (c->a->json)
		cmd_print_body(&r);
	else
		print_task_table(list, false);
out:
	json_decref(list);
	http_resp_free(&r);
	return code;
}

static json_t *string_list(const char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *search_body(const struct cli_args *a)
{
	json_t *b = json_object();

	if (a->n_states)
		json_object_set_new(b, "state", string_list(a->states, a->n_states));
	if (a->n_devices)
		json_object_set_new(b, "device_name", string_list(a->devices, a->n_devices));
	if (a->type)
		json_object_set_new(b, "type", string_list(&a->type, 1));
	if (a->since)
		json_object_set_new(b, "from", json_string(a->since));
	if (a->until)
		json_object_set_new(b, "to", json_string(a->until));
	if (a->limit >= 0)
		json_object_set_new(b, "limit", json_integer(a->limit));
	if (a->offset >= 0)
		json_object_set_new(b, "offset", json_integer(a->offset));
	return b;
}

/* Search is a read: retried like one. */
int cmd_search(struct cli_ctx *c)
{
	struct http_resp r = { .retry_after = -1 };
	json_t *body = search_body(c->a), *answer = NULL;
	char *text = json_dumps(body, JSON_COMPACT);
	int code;

	json_decref(body);
	if (!text) {
		fprintf(stderr, "acloud: a filter is not valid UTF-8\n");
		return CLI_USAGE;
	}
	code = cmd_call(c, "POST", "/api/v1/tasks/search", text, &r);
	free(text);
	if (code)
		goto out;
	if (c->a->json) {
		cmd_print_body(&r);
		goto out;
	}
	answer = json_loadb(r.body, r.len, 0, NULL);
	print_task_table(json_object_get(answer, "items"), true);
	fprintf(stderr, "%lld matching, next offset %s\n",
	        (long long)json_integer_value(json_object_get(answer, "total")),
	        json_is_integer(json_object_get(answer, "next_offset")) ? "available" : "none");
out:
	json_decref(answer);
	http_resp_free(&r);
	return code;
}

/* cancel and delete: one request per id, never retried (not idempotent in
 * their answers); the first failure's exit code. */
static int for_each_id(struct cli_ctx *c, const char *method, const char *suffix, const char *done)
{
	int first = 0;

	for (size_t i = 0; i < c->a->n_pos; i++) {
		struct http_resp r = { .retry_after = -1 };
		char path[300];
		int rc, code;

		if (cmd_task_path(path, sizeof path, c->a->pos[i], suffix) < 0) {
			code = bad_id(c->a->pos[i]);
		} else {
			rc = http_request(c->h, method, path, NULL, NULL, HTTP_ONCE, &r);
			code = rc < 0 ? CLI_SERVER : cli_exit_for_status(r.status);
			if (code)
				cli_print_error(stderr, r.status, r.body, r.retry_after, r.err);
			else if (c->a->json)
				cmd_print_body(&r);
			else
				printf("%s %s\n", c->a->pos[i], done);
		}
		http_resp_free(&r);
		if (code && !first)
			first = code;
	}
	return first;
}

int cmd_cancel(struct cli_ctx *c)
{
	return for_each_id(c, "POST", "/cancel", "cancelled");
}

int cmd_delete(struct cli_ctx *c)
{
	return for_each_id(c, "DELETE", "", "deleted");
}
