/*
 * claim_sql: the SQL of a claim, shared by the claim statements (claim.c)
 * and the finish statement that claims a device's next task (store.c).
 *
 * The claim as CTEs q, c, ch: the candidate is picked in a MATERIALIZED
 * CTE: as a plain subquery in FROM, the planner may rescan it, and each
 * rescan with SKIP LOCKED yields the next row, so one claim would take many
 * tasks.  QUEUE, ME and DETAIL are SQL expressions (parameters).
 */
#ifndef ACLOUD_SCHED_CLAIM_SQL_H
#define ACLOUD_SCHED_CLAIM_SQL_H

#define CLAIM_CTES(QUEUE, ME, DETAIL, EXTRA)                                                  \
	"q AS MATERIALIZED ("                                                                 \
	" SELECT id FROM tasks WHERE queue = " QUEUE " AND state = 'queued' " EXTRA           \
	" ORDER BY priority DESC, created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED"              \
	"), c AS ("                                                                           \
	" UPDATE tasks t SET state = 'inprogress', started_at = now(), updated_at = now(),"   \
	"  heartbeat_at = now(), claimed_by = " ME ", reached_device = false"                 \
	" FROM q WHERE t.id = q.id RETURNING t.id"                                            \
	"), ch AS ("                                                                          \
	" INSERT INTO task_history (task_id, state, detail) SELECT id, 'inprogress', " DETAIL \
	" FROM c"                                                                             \
	")"
/* The claimed task's id and input blob. */
#define CLAIM_JOIN "LEFT JOIN task_blobs cb ON cb.task_id = c.id AND cb.kind = 'input'"
#define CLAIM_SQL(EXTRA) \
	"WITH " CLAIM_CTES("$1", "$2", "$3", EXTRA) " SELECT c.id::text, cb.data FROM c " CLAIM_JOIN

#endif
