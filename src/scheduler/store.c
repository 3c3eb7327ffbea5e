/*
 * store: what the scheduler writes about the tasks it runs.  Log lines are
 * appended in batches (every 100 ms while lines come, so GET /log shows
 * progress); the outcome (result blob, content type and size, state, error,
 * history entry) is one statement, conditional on the task still being
 * inprogress and claimed by this process: a task deleted or rescued
 * meanwhile gets nothing.  The same statement claims the device's next
 * task when the loop names the device's queue (claim.c decides when).  Heartbeats keep the running
 * tasks' leases and tell which of them are no longer ours.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "scheduler/claim_sql.h"
#include "scheduler/clock.h"
#include "scheduler/sched.h"

#define SQLSTATE_FOREIGN_KEY "23503"

const struct db_statement store_statements[] = {
	/*
	 * The outcome, with the last log lines, in one statement; and when $9
	 * names the device's queue, the claim of the device's next task too
	 * (the finishing task, still inprogress in the statement's snapshot,
	 * does not count as the device's running task).  One row: whether the
	 * outcome was stored, the claimed task's id and input (NULL if none).
	 */
	{ "finish",
	  "WITH t AS ("
	  " UPDATE tasks SET state = $3::task_state, finished_at = now(), updated_at = now(),"
	  "  heartbeat_at = NULL, error = $4, result_content_type = $5,"
	  "  result_size = octet_length($6::bytea)"
	  " WHERE id = $1::uuid AND state = 'inprogress' AND claimed_by = $2 RETURNING id"
	  "), b AS ("
	  " INSERT INTO task_blobs (task_id, kind, content_type, data)"
	  " SELECT id, 'result', $5, $6::bytea FROM t WHERE $6::bytea IS NOT NULL"
	  "), h AS ("
	  " INSERT INTO task_history (task_id, state, detail) SELECT id, $3::task_state, $7 FROM t"
	  "), l AS ("
	  " INSERT INTO task_log (task_id, line)"
	  " SELECT t.id, x.l FROM t, unnest(string_to_array($8, E'\\n')) WITH ORDINALITY AS x(l, n)"
	  " ORDER BY x.n"
	  "), " CLAIM_CTES(
		  "$9", "$2", "'scheduler ' || $2",
		  "AND NOT EXISTS (SELECT 1 FROM tasks r WHERE r.queue = $9"
		  " AND r.state = 'inprogress' AND NOT (r.id = $1::uuid AND r.claimed_by = $2))" CLAIM_DEVICE_RULES(
			  "$9")) " SELECT (SELECT count(*) FROM t)::text, c.id::text, cb.data"
	                         " FROM (SELECT) one LEFT JOIN c ON true " CLAIM_JOIN },
	{ "requeue",
	  "WITH t AS ("
	  " UPDATE tasks SET state = 'queued', started_at = NULL, heartbeat_at = NULL,"
	  "  claimed_by = NULL, updated_at = now()"
	  " WHERE id = $1::uuid AND state = 'inprogress' AND claimed_by = $2 AND NOT reached_device"
	  " RETURNING id, queue"
	  "), h AS ("
	  " INSERT INTO task_history (task_id, state, detail) SELECT id, 'queued', $3 FROM t"
	  ") SELECT pg_notify('acloud_tasks', queue) FROM t" },
	{ "log_append",
	  "INSERT INTO task_log (task_id, line)"
	  " SELECT $1::uuid, x.l FROM unnest(string_to_array($2, E'\\n')) WITH ORDINALITY AS x(l, n)"
	  " WHERE EXISTS (SELECT 1 FROM tasks WHERE id = $1::uuid) ORDER BY x.n" },
	{ "heartbeat", "UPDATE tasks SET heartbeat_at = now()"
	               " WHERE id = ANY($1::uuid[]) AND state = 'inprogress' AND claimed_by = $2"
	               " RETURNING id::text" },
	{ NULL, NULL },
};

/* The pending lines as one text (NULL when none); the buffer keeps them. */
static const char *pending_lines(struct exec *e)
{
	if (e->log_dropped > 0) {
		buf_printf(&e->log, "[%zu log lines dropped]\n", e->log_dropped);
		e->log_dropped = 0;
	}
	if (e->log.len == 0)
		return NULL;
	e->log.data[e->log.len - 1] = '\0'; /* the last '\n' */
	return e->log.data;
}

/* After a failed attempt: the buffer is as before. */
static void keep_lines(struct exec *e)
{
	if (e->log.len > 0)
		e->log.data[e->log.len - 1] = '\n';
}

void store_flush_logs(struct sched *s, struct exec *e, int64_t now, bool force)
{
	const char *params[2] = { e->id, NULL };
	PGresult *res;

	if (e->log.len == 0 && e->log_dropped == 0)
		return;
	if (!force && now - e->log_first_ms < EXEC_LOG_FLUSH_MS)
		return;
	params[1] = pending_lines(e);
	res = session_exec(&s->session, "log_append", 2, params);
	if (res == NULL) {
		keep_lines(e);
		return;
	}
	if (!db_result_ok(res) && strcmp(db_sqlstate(res), SQLSTATE_FOREIGN_KEY) != 0)
		log_error("task %s: log: %s", e->id, PQresultErrorMessage(res));
	PQclear(res);
	buf_reset(&e->log);
}

/* The finish claimed for e's device: columns 1 (id, NULL when nothing) and 2 (input). */
static void take_successor(struct sched *s, struct exec *e, PGresult *res, const char *queue)
{
	e->successor_tried = true;
	if (PQgetisnull(res, 0, 1))
		return;
	e->successor = exec_claimed(&s->env, res, 1);
	if (e->successor != NULL)
		log_debug("claimed task %s from %s", e->successor->id, queue);
}

static PGresult *store_finish(struct sched *s, struct exec *e, const char *successor_queue)
{
	bool ok = e->outcome == OUTCOME_SUCCEEDED;
	const char *params[9] = { e->id,
		                  s->me,
		                  ok ? "succeeded" : "failed",
		                  ok ? NULL : e->error,
		                  ok ? e->result_type : NULL,
		                  ok ? e->result.data : NULL,
		                  ok ? NULL : e->error,
		                  pending_lines(e),
		                  successor_queue };
	const int lengths[9] = { 0, 0, 0, 0, 0, (int)e->result.len, 0, 0, 0 };
	const int formats[9] = { 0, 0, 0, 0, 0, 1, 0, 0, 0 };
	PGresult *res;

	if (ok && e->result.data == NULL)
		params[5] = "";
	res = session_exec_bin(&s->session, "finish", 9, params, lengths, formats, 1);
	if (res == NULL)
		keep_lines(e);
	else
		buf_reset(&e->log);
	if (res != NULL && db_result_ok(res) && successor_queue != NULL)
		take_successor(s, e, res, successor_queue);
	return res;
}

int store_outcome(struct sched *s, struct exec *e, const char *successor_queue)
{
	const char *params[3] = { e->id, s->me, e->detail };
	PGresult *res;
	int64_t t0 = now_ms();

	if (e->outcome == OUTCOME_REQUEUE) {
		store_flush_logs(s, e, t0, true);
		if (e->log.len > 0)
			return -1;
		res = session_exec(&s->session, "requeue", 3, params);
	} else {
		res = store_finish(s, e, successor_queue);
	}
	if (res == NULL)
		return -1;
	if (!db_result_ok(res))
		log_error("task %s: storing the outcome: %s", e->id, PQresultErrorMessage(res));
	else if (e->outcome != OUTCOME_REQUEUE && strcmp(PQgetvalue(res, 0, 0), "1") != 0)
		log_info("task %s is no longer ours (deleted or rescued): outcome dropped", e->id);
	else
		log_info("task %s %s in %lld ms", e->id,
		         e->outcome == OUTCOME_SUCCEEDED ? "succeeded"
		         : e->outcome == OUTCOME_FAILED  ? "failed"
		                                         : "requeued",
		         (long long)(t0 - e->started_ms));
	PQclear(res);
	return 0;
}

static bool heartbeat_wanted(const struct exec *e)
{
	return e->state == EXEC_RUNNING || e->state == EXEC_DONE;
}

static void heartbeat_check(struct sched *s, PGresult *res)
{
	for (struct exec *e = s->execs; e != NULL; e = e->next) {
		bool alive = false;

		if (e->state != EXEC_RUNNING)
			continue;
		for (int i = 0; i < PQntuples(res) && !alive; i++)
			alive = strcmp(PQgetvalue(res, i, 0), e->id) == 0;
		if (!alive) {
			log_warn("task %s is no longer ours (deleted or rescued): aborting", e->id);
			exec_abort(e);
		}
	}
}

void store_heartbeat(struct sched *s)
{
	struct buf ids = { 0 };
	const char *params[2];
	PGresult *res;

	for (struct exec *e = s->execs; e != NULL; e = e->next)
		if (heartbeat_wanted(e) &&
		    buf_printf(&ids, "%s%s", ids.len ? "," : "{", e->id) != 0)
			goto out;
	if (ids.len == 0 || buf_append_str(&ids, "}") != 0)
		goto out;
	params[0] = ids.data;
	params[1] = s->me;
	res = session_exec(&s->session, "heartbeat", 2, params);
	if (res != NULL && db_result_ok(res))
		heartbeat_check(s, res);
	else if (res != NULL)
		log_error("heartbeat: %s", PQresultErrorMessage(res));
	PQclear(res);
out:
	buf_free(&ids);
}
