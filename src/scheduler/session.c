/*
 * session: see session.h.
 *
 * db.c reconnects transparently inside db_exec(); the scheduler must not let
 * it, because a fresh connection has neither the LISTENs nor the locks.  So
 * every statement goes through session_exec(), which refuses to run while
 * the session is down, and only session_maintain() (called by the loop, at
 * most once a second while the database is away) makes a new session.  The
 * statements themselves live beside the modules that run them.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "scheduler/session.h"

static bool conn_alive(const struct session *ss)
{
	return ss->db.conn != NULL && PQstatus(ss->db.conn) == CONNECTION_OK;
}

static void session_down(struct session *ss)
{
	if (!ss->up)
		return;
	log_warn("database session lost; running tasks continue, results wait");
	ss->up = false;
}

static int session_listen(struct session *ss)
{
	PGresult *res = db_exec_sql(
		&ss->db, "LISTEN acloud_tasks; LISTEN acloud_abort; LISTEN acloud_reservations");
	int ok = res != NULL && db_result_ok(res);

	if (res != NULL && !ok)
		log_error("LISTEN: %s", PQresultErrorMessage(res));
	PQclear(res);
	return ok ? 0 : -1;
}

enum session_change session_maintain(struct session *ss, int64_t now)
{
	enum session_change down;

	if (ss->up && conn_alive(ss))
		return SESSION_SAME;
	session_down(ss);
	down = ss->reported_up ? SESSION_LOST : SESSION_SAME;
	ss->reported_up = false;
	if (now < ss->next_connect_ms)
		return down;
	ss->next_connect_ms = now + SESSION_RECONNECT_MS;
	if (db_ready(&ss->db) != DB_OK || session_listen(ss) != 0)
		return down;
	ss->up = ss->reported_up = true;
	log_info("database session up as %s", ss->me);
	return SESSION_NEW;
}

static PGresult *checked(struct session *ss, PGresult *res)
{
	if (res == NULL || !conn_alive(ss)) {
		PQclear(res);
		session_down(ss);
		return NULL;
	}
	return res;
}

PGresult *session_exec(struct session *ss, const char *stmt, int n, const char *const *params)
{
	if (!ss->up || !conn_alive(ss)) {
		session_down(ss);
		return NULL;
	}
	return checked(ss, db_exec(&ss->db, stmt, n, params));
}

PGresult *session_exec_bin(struct session *ss, const char *stmt, int n, const char *const *params,
                           const int *lengths, const int *formats, int result_format)
{
	if (!ss->up || !conn_alive(ss)) {
		session_down(ss);
		return NULL;
	}
	return checked(ss, db_exec_bin(&ss->db, stmt, n, params, lengths, formats, result_format));
}

int session_fd(const struct session *ss)
{
	return ss->up && conn_alive(ss) ? PQsocket(ss->db.conn) : -1;
}

void session_on_readable(struct session *ss)
{
	if (!ss->up || !conn_alive(ss))
		return;
	if (PQconsumeInput(ss->db.conn) == 0 || !conn_alive(ss))
		session_down(ss);
}

bool session_next_notice(struct session *ss, struct session_notice *n)
{
	PGnotify *pn;

	if (!ss->up || ss->db.conn == NULL)
		return false;
	while ((pn = PQnotifies(ss->db.conn)) != NULL) {
		bool known = true;

		if (strcmp(pn->relname, "acloud_tasks") == 0)
			n->kind = NOTICE_QUEUE;
		else if (strcmp(pn->relname, "acloud_abort") == 0)
			n->kind = NOTICE_ABORT;
		else if (strcmp(pn->relname, "acloud_reservations") == 0)
			n->kind = NOTICE_RESERVATION;
		else
			known = false;
		snprintf(n->payload, sizeof(n->payload), "%s", pn->extra);
		PQfreemem(pn);
		if (known)
			return true;
	}
	return false;
}
