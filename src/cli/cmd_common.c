/*
 * cmd_common: what the commands share: one request call that prints the
 * server's error, task paths, result writing, progress settings.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/output.h"

int cmd_call(struct cli_ctx *c, const char *method, const char *path, const char *body,
             struct http_resp *r)
{
	int rc = http_request(c->h, method, path, body, NULL, HTTP_RETRY, r);

	if (rc < 0 || r->status >= 300) {
		cli_print_error(stderr, r->status, r->body, r->retry_after, r->err);
		return rc < 0 ? CLI_SERVER : cli_exit_for_status(r->status);
	}
	return 0;
}

int cmd_get_json(struct cli_ctx *c, const char *path, struct http_resp *r, json_t **doc)
{
	int code = cmd_call(c, "GET", path, NULL, r);

	*doc = NULL;
	if (code)
		return code;
	*doc = json_loadb(r->body, r->len, 0, NULL);
	if (!*doc) {
		fprintf(stderr, "acloud: the server's answer is not JSON\n");
		return CLI_SERVER;
	}
	return 0;
}

int cmd_task_path(char *out, size_t len, const char *id, const char *suffix)
{
	char seg[200];

	if (http_segment(seg, sizeof seg, id) < 0)
		return -1;
	return snprintf(out, len, "/api/v1/tasks/%s%s", seg, suffix) >= (int)len ? -1 : 0;
}

void cmd_print_body(const struct http_resp *r)
{
	if (!r->len)
		return;
	fwrite(r->body, 1, r->len, stdout);
	if (r->body[r->len - 1] != '\n')
		putchar('\n');
}

struct wait_opts cmd_wait_opts(const struct cli_args *a)
{
	struct wait_opts o = {
		.progress = !a->quiet,
		.tty = isatty(STDERR_FILENO) == 1,
		.log_out = a->quiet ? NULL : stderr,
		.timeout = a->timeout,
	};
	return o;
}

const char *cmd_str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "-";
}

static int write_csv_to(const char *path, const json_t *result, double sample_rate)
{
	FILE *f = path && strcmp(path, "-") ? fopen(path, "w") : stdout;
	const char *msg = NULL;
	int rc;

	if (!f) {
		fprintf(stderr, "acloud: %s: %s\n", path, strerror(errno));
		return CLI_USAGE;
	}
	rc = cli_write_csv(f, result, sample_rate, &msg);
	if (f != stdout && fclose(f) != 0 && rc == 0) {
		rc = -1;
		msg = strerror(errno);
	}
	if (rc < 0) {
		fprintf(stderr, "acloud: %s\n", msg ? msg : "cannot write the CSV");
		return CLI_SERVER;
	}
	return 0;
}

int cmd_write_result(struct cli_ctx *c, const struct http_resp *r, double sample_rate)
{
	const struct cli_args *a = c->a;
	json_t *result;
	int code;

	if (a->format == FMT_JSON || a->json) {
		if (cli_write_file(a->output, r->body, r->len) < 0) {
			fprintf(stderr, "acloud: %s: %s\n", a->output ? a->output : "stdout",
			        strerror(errno));
			return CLI_USAGE;
		}
		return 0;
	}
	result = cli_parse_result(r->body, r->len);
	if (!result) {
		fprintf(stderr, "acloud: the result is not JSON\n");
		return CLI_SERVER;
	}
	code = write_csv_to(a->output, result, sample_rate);
	json_decref(result);
	return code;
}
