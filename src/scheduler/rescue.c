/*
 * rescue: tasks whose scheduler died.  Any scheduler runs this every half
 * lease: an inprogress task whose heartbeat is older than the lease goes
 * back to the queue if it never reached its device, and fails with a log
 * line saying the scheduler was lost if it did (a run on hardware is not
 * idempotent, so it is never repeated blindly).  One statement with SKIP
 * LOCKED, so two rescuers never handle the same task.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"
#include "scheduler/sched.h"

const struct db_statement rescue_statements[] = {
	{ "rescue",
	  "WITH stale AS MATERIALIZED ("
	  " SELECT id, reached_device, claimed_by FROM tasks"
	  " WHERE state = 'inprogress' AND heartbeat_at < now() - make_interval(secs => $1::int)"
	  " FOR UPDATE SKIP LOCKED"
	  "), rq AS ("
	  " UPDATE tasks t SET state = 'queued', started_at = NULL, heartbeat_at = NULL,"
	  "  claimed_by = NULL, updated_at = now()"
	  " FROM stale s WHERE t.id = s.id AND NOT s.reached_device"
	  " RETURNING t.id, t.queue, s.claimed_by"
	  "), fl AS ("
	  " UPDATE tasks t SET state = 'failed', finished_at = now(), updated_at = now(),"
	  "  heartbeat_at = NULL, error = 'scheduler lost while the task ran'"
	  " FROM stale s WHERE t.id = s.id AND s.reached_device"
	  " RETURNING t.id, s.claimed_by"
	  "), h AS ("
	  " INSERT INTO task_history (task_id, state, detail)"
	  " SELECT id, 'queued'::task_state, 'requeued: its scheduler was lost before the task reached the device' FROM rq"
	  " UNION ALL SELECT id, 'failed'::task_state, 'its scheduler was lost while the task ran' FROM fl"
	  "), l AS ("
	  " INSERT INTO task_log (task_id, line)"
	  " SELECT id, 'scheduler ' || coalesce(claimed_by, '?') || ' was lost before the task reached"
	  " the device; requeued' FROM rq"
	  " UNION ALL SELECT id, 'scheduler ' || coalesce(claimed_by, '?') || ' was lost while the task"
	  " ran on the device; its result is unknown' FROM fl"
	  "), n AS ("
	  " SELECT pg_notify('acloud_tasks', d.queue) FROM (SELECT DISTINCT queue FROM rq) d"
	  "), m AS ("
	  " SELECT acloud_metric_add('acloud_scheduler_rescues_total', 'action=\"requeued\"', count(*))"
	  "   FROM rq HAVING count(*) > 0"
	  " UNION ALL SELECT acloud_metric_add('acloud_scheduler_rescues_total', 'action=\"failed\"',"
	  "   count(*)) FROM fl HAVING count(*) > 0"
	  ") SELECT (SELECT count(*) FROM rq), (SELECT count(*) FROM fl), (SELECT count(*) FROM n),"
	  "  (SELECT count(*) FROM m)" },
	{ NULL, NULL },
};

void rescue_stale(struct sched *s)
{
	char lease[16];
	const char *params[1] = { lease };
	PGresult *res;

	snprintf(lease, sizeof(lease), "%d", s->app->lease_s);
	res = session_exec(&s->session, "rescue", 1, params);
	if (res == NULL)
		return;
	if (!db_result_ok(res)) {
		log_error("rescue: %s", PQresultErrorMessage(res));
	} else if (atoi(PQgetvalue(res, 0, 0)) > 0 || atoi(PQgetvalue(res, 0, 1)) > 0) {
		log_warn("rescued tasks of a lost scheduler: %s requeued, %s failed",
		         PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	}
	PQclear(res);
}
