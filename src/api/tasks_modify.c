/*
 * tasks_modify: POST /api/v1/tasks/{id}/cancel and DELETE /api/v1/tasks/{id}.
 * Both are one call of a database function that locks the task row, so a
 * cancel racing with the scheduler's claim has exactly one winner.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "api/response.h"
#include "api/stmt.h"

const struct db_statement tasks_modify_statements[] = {
	{ "tasks_cancel",
	  "SELECT outcome, state FROM acloud_cancel_task($1::uuid, $2, $3::boolean)" },
	{ "tasks_delete",
	  "SELECT outcome, retry_after FROM acloud_delete_task($1::uuid, $2, $3::boolean, $4::integer)" },
	{ NULL, NULL },
};

void handle_task_cancel(struct request *r, const struct field_map *in)
{
	const char *id = in->path[0].uuid;
	PGresult *res = stmt_task_query(r, "tasks_cancel", id);
	const char *outcome;

	if (res == NULL)
		return;
	outcome = PQgetvalue(res, 0, 0);
	if (strcmp(outcome, "cancelled") == 0)
		respond_json(r, 200, json_pack("{s:s,s:s}", "id", id, "state", "cancelled"));
	else if (strcmp(outcome, "not_found") == 0)
		respond_error(r, 404, "Task not found");
	else
		respond_error(r, 409, "Only a queued task can be cancelled; this task is %s",
		              PQgetvalue(res, 0, 1));
	PQclear(res);
}

void handle_task_delete(struct request *r, const struct field_map *in)
{
	char grace[16];
	const char *params[4] = { in->path[0].uuid, r->key->id, r->key->admin ? "true" : "false",
		                  grace };
	PGresult *res;
	const char *outcome;

	snprintf(grace, sizeof(grace), "%d", r->ctx->app->delete_grace_s);
	res = stmt_query(r, "tasks_delete", 4, params);
	if (res == NULL)
		return;
	outcome = PQgetvalue(res, 0, 0);
	if (strcmp(outcome, "deleted") == 0) {
		respond_empty(r, 204);
	} else if (strcmp(outcome, "not_found") == 0) {
		respond_error(r, 404, "Task not found");
	} else {
		response_header(r, "Retry-After", "%s", PQgetvalue(res, 0, 1));
		respond_error(
			r, 409,
			"The task is running; it can be deleted %d s after it started (%s s left)",
			r->ctx->app->delete_grace_s, PQgetvalue(res, 0, 1));
	}
	PQclear(res);
}
