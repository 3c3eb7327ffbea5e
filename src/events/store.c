/*
 * store: the LISTEN connection and the reads of acloud-events, as
 * prepared statements on one struct db (src/db), which reconnects.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "events/store.h"

/* An event row: id, task, kind, state, at, detail, line. */
#define EVENT_COLS                                                                               \
	"e.id, e.task_id::text, e.kind, h.state::text, iso_utc(coalesce(h.at, l.at)), h.detail," \
	" l.line"
#define EVENT_JOIN                                           \
	" FROM task_events e"                                \
	" LEFT JOIN task_history h ON h.seq = e.history_seq" \
	" LEFT JOIN task_log l ON l.seq = e.log_seq"

static const struct db_statement events_statements[] = {
	{ "ev_task_page",
	  "SELECT t.state::text, ev.* FROM tasks t LEFT JOIN LATERAL (SELECT " EVENT_COLS EVENT_JOIN
	  " WHERE e.task_id = t.id AND e.id > $4 ORDER BY e.id LIMIT " STORE_PAGE_SQL ") ev ON true"
	  " WHERE t.id = $1::uuid AND ($3::boolean OR t.user_id = $2) ORDER BY ev.id" },
	{ "ev_user_page",
	  "SELECT " EVENT_COLS EVENT_JOIN " WHERE e.user_id = $1 AND e.kind = 'state'"
	  " AND e.id > $2 ORDER BY e.id LIMIT " STORE_PAGE_SQL },
	{ "ev_one", "SELECT " EVENT_COLS EVENT_JOIN " WHERE e.id = $1" },
	{ "ev_last", "SELECT coalesce(max(id), 0) FROM task_events" },
	{ NULL, NULL },
};
static const struct db_statement *const events_sets[] = { events_statements, NULL };

int store_init(struct store *st, const char *conninfo)
{
	st->listen_pid = 0;
	return db_init(&st->db, conninfo, "acloud-events", events_sets);
}

void store_close(struct store *st)
{
	db_close(&st->db);
}

int store_listen(struct store *st, bool *fresh)
{
	PGresult *res;

	*fresh = false;
	if (db_ready(&st->db) != DB_OK)
		return -1;
	if (PQbackendPID(st->db.conn) == st->listen_pid)
		return PQsocket(st->db.conn);
	res = db_exec_sql(&st->db, "LISTEN acloud_events");
	if (res == NULL || !db_result_ok(res)) {
		log_error("LISTEN acloud_events failed");
		PQclear(res);
		return -1;
	}
	PQclear(res);
	/* Notifications are read without blocking; queries still wait. */
	st->listen_pid = PQbackendPID(st->db.conn);
	*fresh = true;
	log_info("listening for events (backend %d)", st->listen_pid);
	return PQsocket(st->db.conn);
}

bool store_consume(struct store *st)
{
	if (st->db.conn == NULL)
		return false;
	if (PQconsumeInput(st->db.conn) == 1 && PQstatus(st->db.conn) == CONNECTION_OK)
		return true;
	log_error("event connection lost: %s", PQerrorMessage(st->db.conn));
	PQfinish(st->db.conn);
	st->db.conn = NULL;
	st->listen_pid = 0;
	return false;
}

static bool parse_note(const char *payload, struct store_note *note)
{
	/* The widths are those of struct store_note's arrays, less one. */
	return sscanf(payload, "%lld %36s %7s %71s", &note->id, note->task_id, note->kind,
	              note->user_id) == 4;
}

bool store_next_note(struct store *st, struct store_note *note)
{
	PGnotify *n;
	bool ok = false;

	if (st->db.conn == NULL)
		return false;
	while (!ok && (n = PQnotifies(st->db.conn)) != NULL) {
		ok = strcmp(n->relname, "acloud_events") == 0 && parse_note(n->extra, note);
		if (!ok)
			log_warn("ignored notification on %s", n->relname);
		PQfreemem(n);
	}
	return ok;
}

static PGresult *checked(PGresult *res)
{
	if (res != NULL && !db_result_ok(res)) {
		log_error("event read failed: %s", PQresultErrorMessage(res));
		PQclear(res);
		return NULL;
	}
	return res;
}

PGresult *store_task_page(struct store *st, const char *task_id, const char *user, bool admin,
                          long long after)
{
	char after_s[24];
	const char *params[4] = { task_id, user, admin ? "true" : "false", after_s };

	snprintf(after_s, sizeof(after_s), "%lld", after);
	return checked(db_exec(&st->db, "ev_task_page", 4, params));
}

PGresult *store_user_page(struct store *st, const char *user, long long after)
{
	char after_s[24];
	const char *params[2] = { user, after_s };

	snprintf(after_s, sizeof(after_s), "%lld", after);
	return checked(db_exec(&st->db, "ev_user_page", 2, params));
}

PGresult *store_event(struct store *st, long long id)
{
	char id_s[24];
	const char *params[1] = { id_s };

	snprintf(id_s, sizeof(id_s), "%lld", id);
	return checked(db_exec(&st->db, "ev_one", 1, params));
}

long long store_last_id(struct store *st)
{
	PGresult *res = checked(db_exec(&st->db, "ev_last", 0, NULL));
	long long id = -1;

	if (res != NULL && PQntuples(res) == 1)
		id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return id;
}

static const char *value_or_null(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

bool store_event_at(const PGresult *res, int row, int first, struct sse_event *ev)
{
	if (PQgetisnull(res, row, first))
		return false;
	ev->id = strtoll(PQgetvalue(res, row, first), NULL, 10);
	ev->task_id = PQgetvalue(res, row, first + 1);
	ev->kind = PQgetvalue(res, row, first + 2);
	ev->state = value_or_null(res, row, first + 3);
	ev->at = value_or_null(res, row, first + 4);
	ev->detail = value_or_null(res, row, first + 5);
	ev->line = value_or_null(res, row, first + 6);
	return true;
}
