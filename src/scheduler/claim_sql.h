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
/*
 * The lab's rules for a device queue (sql/009_reservations.sql), one
 * condition on the candidate, evaluated once per claim (InitPlans): a
 * device in maintenance gets no task, and while a reservation of the
 * device runs only its holder's tasks are candidates; the others keep
 * their order.  QUEUE is 'device:<name>'.
 */
#define CLAIM_DEVICE_RULES(QUEUE)                                                      \
	" AND NOT EXISTS (SELECT 1 FROM devices m WHERE m.name = substr(" QUEUE ", 8)" \
	"  AND m.maintenance)"                                                         \
	" AND user_id = coalesce((SELECT v.user_id FROM reservations v"                \
	"  WHERE v.device_name = substr(" QUEUE ", 8) AND v.period @> now()), user_id) "
/* The claimed task's id and input blob. */
#define CLAIM_JOIN "LEFT JOIN task_blobs cb ON cb.task_id = c.id AND cb.kind = 'input'"
#define CLAIM_SQL(EXTRA) \
	"WITH " CLAIM_CTES("$1", "$2", "$3", EXTRA) " SELECT c.id::text, cb.data FROM c " CLAIM_JOIN

#endif
