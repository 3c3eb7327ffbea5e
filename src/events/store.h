/*
 * store: acloud-events' one PostgreSQL connection: it LISTENs on
 * acloud_events and runs the few reads the streams need (the task's owner
 * and events after an id, a user's state events after an id, one event by
 * id).  Every read is one statement, so what it returns is one snapshot:
 * with event ids in commit order (sql/006_events.sql), "the events after
 * N" read now plus the notifications that arrive afterwards with ids above
 * the last one read are exactly the events a stream must carry.
 *
 * A broken connection is remade on the next call; store_listen() reports a
 * new connection so the caller can catch every stream up (notifications
 * sent while there was no connection are lost, the rows are not).
 */
#ifndef ACLOUD_EVENTS_STORE_H
#define ACLOUD_EVENTS_STORE_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "db/db.h"
#include "events/sse.h"

#define STORE_PAGE     500 /* events per read */
#define STORE_PAGE_SQL "500"

/* A notification: "<id> <task_id> <kind> <user_id>". */
struct store_note {
	long long id;
	char task_id[37];
	char kind[8];
	char user_id[72];
};

struct store {
	struct db db;
	int listen_pid; /* backend pid that LISTENs; 0: none */
};

int store_init(struct store *st, const char *conninfo);
void store_close(struct store *st);

/* Connected and listening: the socket to poll, or -1.  *fresh is set when
 * this is a new connection (every stream must catch up). */
int store_listen(struct store *st, bool *fresh);
/* After the socket is readable: reads input; false when the connection
 * broke (dropped; store_listen() remakes it). */
bool store_consume(struct store *st);
/* The next pending notification; false when none. */
bool store_next_note(struct store *st, struct store_note *note);

/*
 * Reads.  Each returns the result (caller PQclear()s) or NULL when the
 * database is unreachable.  Event rows have the columns of
 * store_event_at(), from column `first`.
 *   task page: one row per event after `after` (at most STORE_PAGE), each
 *              led by the task's state; one row with NULL events when there
 *              are none; no row when the task is not the caller's.
 */
PGresult *store_task_page(struct store *st, const char *task_id, const char *user, bool admin,
                          long long after);
PGresult *store_user_page(struct store *st, const char *user, long long after);
PGresult *store_event(struct store *st, long long id);
/* The newest event id (0 when none), or -1 when unreachable. */
long long store_last_id(struct store *st);

/* Row `row` of a page as an event (pointers into `res`); false when the
 * row has no event. */
bool store_event_at(const PGresult *res, int row, int first, struct sse_event *ev);

#endif
