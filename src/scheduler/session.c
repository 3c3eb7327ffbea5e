/*
 * session: the scheduler's one database connection as a session: the
 * prepared statements, LISTEN on acloud_tasks and acloud_abort, and what a
 * new connection must redo (LISTEN, advisory locks, the device registry).
 *
 * db.c reconnects transparently inside db_exec(); the scheduler must not let
 * it, because a fresh connection has neither the LISTENs nor the locks.  So
 * every statement goes through session_exec(), which refuses to run while
 * the session is down, and only session_maintain() (called by the loop, at
 * most once a second while the database is away) makes a new session.
 */
#include "autoconfig.h"

#include <string.h>

#include "common/log.h"
#include "scheduler/sched.h"

/*
 * The claim as CTEs q, c, ch: the candidate is picked in a MATERIALIZED
 * CTE: as a plain subquery in FROM, the planner may rescan it, and each
 * rescan with SKIP LOCKED yields the next row, so one claim would take many
 * tasks.  QUEUE, ME and DETAIL are SQL expressions (parameters).
 */
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

const struct db_statement sched_statements[] = {
	/* One task at a time per device, even across schedulers. */
	{ "claim_device", CLAIM_SQL("AND NOT EXISTS (SELECT 1 FROM tasks r"
	                            " WHERE r.queue = $1 AND r.state = 'inprogress')") },
	{ "claim_compile", CLAIM_SQL("") },
	{ "mark_reached", "UPDATE tasks SET reached_device = true, updated_at = now()"
	                  " WHERE id = $1::uuid AND state = 'inprogress' AND claimed_by = $2" },
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
		  " AND r.state = 'inprogress' AND NOT (r.id = $1::uuid AND r.claimed_by = $2))") " SELECT (SELECT count(*) FROM t)::text, c.id::text, cb.data"
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
	  ") SELECT (SELECT count(*) FROM rq), (SELECT count(*) FROM fl), (SELECT count(*) FROM n)" },
	{ "lock_device",
	  "SELECT pg_try_advisory_lock(hashtextextended('acloud-device:' || $1, 0))" },
	{ "unlock_device",
	  "SELECT pg_advisory_unlock(hashtextextended('acloud-device:' || $1, 0))" },
	{ "device_upsert",
	  "INSERT INTO devices (name, class, driver, entity, available, configured, updated_at)"
	  " VALUES ($1, $2::device_class, $3, $4::bytea, false, true, now())"
	  " ON CONFLICT (name) DO UPDATE SET class = EXCLUDED.class, driver = EXCLUDED.driver,"
	  "  entity = EXCLUDED.entity, configured = true, updated_at = now()" },
	{ "device_unconfigure",
	  "UPDATE devices SET configured = false, available = false, updated_at = now()"
	  " WHERE configured AND NOT (name = ANY($1::text[]))" },
	{ "device_available",
	  "UPDATE devices SET available = $2::boolean, updated_at = now()"
	  " WHERE name = $1 AND configured AND available IS DISTINCT FROM $2::boolean" },
	{ NULL, NULL },
};
const struct db_statement *const sched_statement_sets[] = { sched_statements, NULL };

static bool conn_alive(const struct sched *s)
{
	return s->db.conn != NULL && PQstatus(s->db.conn) == CONNECTION_OK;
}

static void session_down(struct sched *s)
{
	if (!s->session_up)
		return;
	log_warn("database session lost; running tasks continue, results wait");
	s->session_up = false;
	registry_locks_lost(s);
}

static int session_listen(struct sched *s)
{
	PGresult *res = db_exec_sql(&s->db, "LISTEN acloud_tasks; LISTEN acloud_abort");
	int ok = res != NULL && db_result_ok(res);

	if (res != NULL && !ok)
		log_error("LISTEN: %s", PQresultErrorMessage(res));
	PQclear(res);
	return ok ? 0 : -1;
}

int session_maintain(struct sched *s, int64_t now)
{
	if (s->session_up && conn_alive(s))
		return 0;
	session_down(s);
	if (now < s->next_connect_ms)
		return -1;
	s->next_connect_ms = now + SCHED_RECONNECT_MS;
	if (db_ready(&s->db) != DB_OK || session_listen(s) != 0)
		return -1;
	s->session_up = true;
	log_info("database session up as %s", s->me);
	registry_write(s);
	registry_locks(s);
	registry_want_all(s);
	s->next_heartbeat_ms = 0; /* before any rescue: our leases may be old */
	return s->session_up ? 0 : -1;
}

static PGresult *checked(struct sched *s, PGresult *res)
{
	if (res == NULL || !conn_alive(s)) {
		PQclear(res);
		session_down(s);
		return NULL;
	}
	return res;
}

PGresult *session_exec(struct sched *s, const char *stmt, int n, const char *const *params)
{
	if (!s->session_up || !conn_alive(s)) {
		session_down(s);
		return NULL;
	}
	return checked(s, db_exec(&s->db, stmt, n, params));
}

PGresult *session_exec_bin(struct sched *s, const char *stmt, int n, const char *const *params,
                           const int *lengths, const int *formats, int result_format)
{
	if (!s->session_up || !conn_alive(s)) {
		session_down(s);
		return NULL;
	}
	return checked(s, db_exec_bin(&s->db, stmt, n, params, lengths, formats, result_format));
}

int session_fd(const struct sched *s)
{
	return s->session_up && conn_alive(s) ? PQsocket(s->db.conn) : -1;
}

void session_on_readable(struct sched *s)
{
	if (!s->session_up || !conn_alive(s))
		return;
	if (PQconsumeInput(s->db.conn) == 0 || !conn_alive(s)) {
		session_down(s);
		return;
	}
	session_notifies(s);
}

bool session_notifies(struct sched *s)
{
	PGnotify *n;
	bool any = false;

	if (!s->session_up || s->db.conn == NULL)
		return false;
	while ((n = PQnotifies(s->db.conn)) != NULL) {
		any = true;
		if (strcmp(n->relname, "acloud_tasks") == 0) {
			registry_want_queue(s, n->extra);
		} else if (strcmp(n->relname, "acloud_abort") == 0) {
			struct exec *e = exec_find(s, n->extra);

			if (e != NULL) {
				log_info("task %s deleted while in progress: aborting", e->id);
				exec_abort(s, e);
			}
		}
		PQfreemem(n);
	}
	return any;
}
