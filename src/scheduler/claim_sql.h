/*
 * claim_sql: the SQL of a claim, shared by the claim statements (claim.c)
 * and the finish statement that claims a device's next task (store.c).
 *
 * The claim as CTEs q, c, ch: the candidate is picked in a MATERIALIZED
 * CTE: as a plain subquery in FROM, the planner may rescan it, and each
 * rescan with SKIP LOCKED yields the next row, so one claim would take many
 * tasks.  QUEUE, ME and DETAIL are SQL expressions (parameters); EXTRA
 * is more conditions on the queue's users (u: a queue_users row).
 *
 * The order is fair dispatch (sql/010_dispatch.sql): the users with queued
 * tasks at the highest priority level, in the order of their last service
 * (queue_users_turn_idx), each probed for its oldest task that is not
 * locked (tasks_queue_user_idx); the first user with one wins.  The
 * subquery's order survives the nested loop, so the probes stop at the
 * first task and lock only it.  The trigger on tasks marks the user served
 * when its task turns inprogress.
 */
#ifndef ACLOUD_SCHED_CLAIM_SQL_H
#define ACLOUD_SCHED_CLAIM_SQL_H

#define CLAIM_CTES(QUEUE, ME, DETAIL, EXTRA)                                                  \
	"q AS MATERIALIZED ("                                                                 \
	" SELECT k.id FROM (SELECT u.user_id, u.priority FROM queue_users u"                  \
	"  WHERE u.queue = " QUEUE " AND u.queued > 0 " EXTRA                                 \
	"  ORDER BY u.priority DESC, u.last_served, u.user_id) w"                             \
	" CROSS JOIN LATERAL (SELECT id FROM tasks k WHERE k.queue = " QUEUE                  \
	"  AND k.state = 'queued' AND k.user_id = w.user_id AND k.priority = w.priority"      \
	"  ORDER BY k.created_at, k.id LIMIT 1 FOR UPDATE SKIP LOCKED) k LIMIT 1"             \
	"), c AS ("                                                                           \
	" UPDATE tasks t SET state = 'inprogress', started_at = now(), updated_at = now(),"   \
	"  heartbeat_at = now(), claimed_by = " ME ", reached_device = false"                 \
	" FROM q WHERE t.id = q.id RETURNING t.id"                                            \
	"), ch AS ("                                                                          \
	" INSERT INTO task_history (task_id, state, detail) SELECT id, 'inprogress', " DETAIL \
	" FROM c"                                                                             \
	")"
/*
 * The lab's rules for a device queue (sql/009_reservations.sql), conditions
 * on the queue's users (EXTRA of CLAIM_CTES), evaluated once per claim
 * (InitPlans): a device in maintenance gets no task, and while a
 * reservation of the device runs only its holder is a candidate; the
 * others keep their turns.  QUEUE is 'device:<name>'.
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
