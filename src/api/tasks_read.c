/*
 * tasks_read: the read side of /api/v1/tasks: the caller's list, one
 * task's details, its state history, its log and its result.  Each is one
 * statement; a task that is not the caller's is indistinguishable from one
 * that does not exist (404), except for admin keys.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/jsonout.h"
#include "api/response.h"
#include "api/inputs.h"
#include "api/stmt.h"
#include "api/tasks_view.h"

#define RESULT_CHUNK_BYTES (1024 * 1024)

const struct db_statement tasks_read_statements[] = {
	/* Count and page in one round trip; see search.c for the shape. */
	{ "tasks_list",
	  "SELECT page.*, c.total FROM (SELECT count(*) AS total FROM tasks WHERE user_id = $1) c"
	  " LEFT JOIN (SELECT " TASK_SUMMARY_COLS " FROM tasks t WHERE t.user_id = $1"
	  " ORDER BY t.created_at DESC, t.id DESC LIMIT $2 OFFSET $3) page ON true" },
	{ "tasks_get",
	  "SELECT " TASK_SUMMARY_COLS ","
	  "       iso_utc(t.started_at), iso_utc(t.finished_at), t.priority, t.op_time, t.sample_rate,"
	  "       CASE WHEN t.state = 'queued' THEN acloud_queue_position(t.queue, t.user_id,"
	  "            t.priority, t.created_at, t.id) END,"
	  "       t.error, t.result_content_type, t.result_size"
	  "  FROM tasks t WHERE t.id = $1::uuid AND " TASK_VISIBLE },
	{ "tasks_status", "SELECT t.state::text, h.state::text, iso_utc(h.at), h.detail"
	                  "  FROM tasks t JOIN task_history h ON h.task_id = t.id"
	                  " WHERE t.id = $1::uuid AND " TASK_VISIBLE " ORDER BY h.seq" },
	{ "tasks_log",
	  "SELECT (SELECT coalesce(string_agg(l.line || E'\\n', '' ORDER BY l.seq), '')"
	  "          FROM task_log l WHERE l.task_id = t.id)"
	  "  FROM tasks t WHERE t.id = $1::uuid AND " TASK_VISIBLE },
	{ "tasks_result_head",
	  "SELECT t.state::text, b.content_type, octet_length(b.data)"
	  "  FROM tasks t LEFT JOIN task_blobs b ON b.task_id = t.id AND b.kind = 'result'"
	  " WHERE t.id = $1::uuid AND " TASK_VISIBLE },
	{ "tasks_result_chunk",
	  "SELECT substring(data FROM $2::integer FOR $3::integer) FROM task_blobs"
	  " WHERE task_id = $1::uuid AND kind = 'result'" },
	{ NULL, NULL },
};

void handle_tasks_list(struct request *r, const struct field_map *in)
{
	char limit_s[24], offset_s[24];
	const char *params[3] = { r->key->id, limit_s, offset_s };
	long total;
	json_t *list;
	PGresult *res;

	snprintf(limit_s, sizeof(limit_s), "%lld", in->query[LIST_LIMIT].integer);
	snprintf(offset_s, sizeof(offset_s), "%lld", in->query[LIST_OFFSET].integer);
	res = stmt_query(r, "tasks_list", 3, params);
	if (res == NULL)
		return;
	list = json_array();
	for (int i = 0; i < PQntuples(res) && !PQgetisnull(res, i, 0); i++)
		json_array_append_new(list, task_summary_from_row(res, i, 0));
	total = PQntuples(res) > 0 ? strtol(PQgetvalue(res, 0, TASK_SUMMARY_NCOLS), NULL, 10) : 0;
	PQclear(res);
	response_header(r, "X-Total-Count", "%ld", total);
	respond_json(r, 200, list);
}

void handle_task_get(struct request *r, const struct field_map *in)
{
	PGresult *res = stmt_task_query(r, "tasks_get", in->path[0].uuid);
	json_t *task;
	int c = TASK_SUMMARY_NCOLS;

	if (res == NULL)
		return;
	if (PQntuples(res) == 0) {
		PQclear(res);
		respond_error(r, 404, "Task not found");
		return;
	}
	task = task_summary_from_row(res, 0, 0);
	json_object_set_new(task, "started_at", pg_json_string(res, 0, c));
	json_object_set_new(task, "finished_at", pg_json_string(res, 0, c + 1));
	json_object_set_new(task, "priority", pg_json_integer(res, 0, c + 2));
	json_object_set_new(task, "op_time", pg_json_real(res, 0, c + 3));
	json_object_set_new(task, "sample_rate", pg_json_integer(res, 0, c + 4));
	json_object_set_new(task, "queue_position", pg_json_integer(res, 0, c + 5));
	json_object_set_new(task, "error", pg_json_string(res, 0, c + 6));
	json_object_set_new(task, "result_content_type", pg_json_string(res, 0, c + 7));
	json_object_set_new(task, "result_size", pg_json_integer(res, 0, c + 8));
	PQclear(res);
	respond_json(r, 200, task);
}

void handle_task_status(struct request *r, const struct field_map *in)
{
	const char *id = in->path[0].uuid;
	PGresult *res = stmt_task_query(r, "tasks_status", id);
	json_t *history;

	if (res == NULL)
		return;
	if (PQntuples(res) == 0) {
		PQclear(res);
		respond_error(r, 404, "Task not found");
		return;
	}
	history = json_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_array_append_new(history,
		                      json_pack("{s:o,s:o,s:o}", "state", pg_json_string(res, i, 1),
		                                "at", pg_json_string(res, i, 2), "detail",
		                                pg_json_string(res, i, 3)));
	respond_json(r, 200,
	             json_pack("{s:s,s:o,s:o}", "id", id, "state", pg_json_string(res, 0, 0),
	                       "history", history));
	PQclear(res);
}

void handle_task_log(struct request *r, const struct field_map *in)
{
	PGresult *res = stmt_task_query(r, "tasks_log", in->path[0].uuid);

	if (res == NULL)
		return;
	if (PQntuples(res) == 0)
		respond_error(r, 404, "Task not found");
	else
		respond_bytes(r, 200, "text/plain; charset=utf-8", PQgetvalue(res, 0, 0),
		              (size_t)PQgetlength(res, 0, 0));
	PQclear(res);
}

/* Streams the result blob in chunks, so a worker never holds a large
 * result in memory at once. */
static void stream_result(struct request *r, const char *id, const char *content_type, long size)
{
	char from[24], count[24];
	const char *params[3] = { id, from, count };

	response_header(r, "Content-Disposition", "attachment; filename=\"%s.%s\"", id,
	                strncmp(content_type, "application/json", 16) == 0 ? "json" : "apb");
	respond_stream_head(r, 200, content_type, (size_t)size);
	for (long done = 0; done < size; done += RESULT_CHUNK_BYTES) {
		PGresult *res;

		snprintf(from, sizeof(from), "%ld", done + 1);
		snprintf(count, sizeof(count), "%d", RESULT_CHUNK_BYTES);
		res = db_exec_bin(&r->ctx->db, "tasks_result_chunk", 3, params, NULL, NULL, 1);
		if (res == NULL || !db_result_ok(res) || PQntuples(res) != 1) {
			PQclear(res);
			respond_stream_abort(r);
			return;
		}
		respond_stream_data(r, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
		PQclear(res);
	}
}

void handle_task_result(struct request *r, const struct field_map *in)
{
	const char *id = in->path[0].uuid;
	PGresult *res = stmt_task_query(r, "tasks_result_head", id);
	char content_type[128];
	long size;

	if (res == NULL)
		return;
	if (PQntuples(res) == 0) {
		respond_error(r, 404, "Task not found");
		goto fail;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "succeeded") != 0 || PQgetisnull(res, 0, 1)) {
		respond_error(r, 404, "Result not available: task is %s", PQgetvalue(res, 0, 0));
		goto fail;
	}
	snprintf(content_type, sizeof(content_type), "%s", PQgetvalue(res, 0, 1));
	size = strtol(PQgetvalue(res, 0, 2), NULL, 10);
	PQclear(res);
	stream_result(r, id, content_type, size);
	return;
fail:
	PQclear(res);
}
