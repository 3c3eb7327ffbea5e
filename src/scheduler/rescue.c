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

void rescue_stale(struct sched *s)
{
	char lease[16];
	const char *params[1] = { lease };
	PGresult *res;

	snprintf(lease, sizeof(lease), "%d", s->app->lease_s);
	res = session_exec(s, "rescue", 1, params);
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
