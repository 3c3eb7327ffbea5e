/*
 * cmd: the commands of `acloud`, one group per file (cmd_info: me,
 * devices, entity; cmd_create: compile, run; cmd_tasks: status, wait,
 * log, result, tasks, search, cancel, delete; cmd_config: config), and
 * the helpers they share (cmd_common).  Each command returns its exit
 * code and has printed its own messages.
 */
#ifndef ACLOUD_CLI_CMD_H
#define ACLOUD_CLI_CMD_H

#include <jansson.h>

#include "cli/cli.h"
#include "cli/http.h"
#include "cli/wait.h"

struct cli_ctx {
	const struct cli_args *a;
	struct http_client *h;
};

int cmd_me(struct cli_ctx *c);
int cmd_devices(struct cli_ctx *c);
int cmd_entity(struct cli_ctx *c);
int cmd_compile(struct cli_ctx *c);
int cmd_run(struct cli_ctx *c);
int cmd_status(struct cli_ctx *c);
int cmd_wait(struct cli_ctx *c);
int cmd_log(struct cli_ctx *c);
int cmd_result(struct cli_ctx *c);
int cmd_tasks(struct cli_ctx *c);
int cmd_search(struct cli_ctx *c);
int cmd_cancel(struct cli_ctx *c);
int cmd_delete(struct cli_ctx *c);
/* config needs no server */
int cmd_config(const struct cli_args *a);

/* ---- cmd_common ---- */

/* A request with the read retry policy; on an error answer prints it and
 * returns its exit code, else 0 with the answer in r. */
int cmd_call(struct cli_ctx *c, const char *method, const char *path, const char *body,
             struct http_resp *r);

/* cmd_call of a GET whose answer is JSON, parsed into *doc (also 0 / exit
 * code). */
int cmd_get_json(struct cli_ctx *c, const char *path, struct http_resp *r, json_t **doc);

/* "/api/v1/tasks/<id><suffix>" with the id percent-encoded; -1 if too
 * long. */
int cmd_task_path(char *out, size_t len, const char *id, const char *suffix);

/* Prints an answer's body as is (--json), with a final newline. */
void cmd_print_body(const struct http_resp *r);

/* The progress settings of --wait / wait. */
struct wait_opts cmd_wait_opts(const struct cli_args *a);

/* A string field of a JSON object, or "-". */
const char *cmd_str(const json_t *obj, const char *key);

/* Writes a run result (the body of GET /result) in the format asked for,
 * to -o or stdout.  sample_rate comes from the task. */
int cmd_write_result(struct cli_ctx *c, const struct http_resp *r, double sample_rate);

#endif
