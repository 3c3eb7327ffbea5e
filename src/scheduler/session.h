/*
 * session: the scheduler's one database connection as a session: LISTEN on
 * acloud_tasks and acloud_abort, statements that run only while the session
 * is up, and the notifications it receives.  It calls nothing above it: a
 * new or lost session and each notification are returned to the caller
 * (the loop), which decides what they mean.
 */
#ifndef ACLOUD_SCHED_SESSION_H
#define ACLOUD_SCHED_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "db/db.h"

#define SESSION_RECONNECT_MS 1000
#define SESSION_PAYLOAD_MAX  128

struct session {
	struct db db;
	const char *me;   /* for the log: who this session is */
	bool up;          /* connected and LISTENing: statements may run */
	bool reported_up; /* what session_maintain last told its caller */
	int64_t next_connect_ms;
};

/* What session_maintain saw happen since the last call. */
enum session_change {
	SESSION_SAME, /* as before (up, or still down) */
	SESSION_LOST, /* the session went down: locks and LISTENs are gone */
	SESSION_NEW   /* a new session is up: nothing of an older one holds */
};

/* Keep the session: reconnect (at most once a SESSION_RECONNECT_MS) when down. */
enum session_change session_maintain(struct session *ss, int64_t now);
/* A prepared statement, or NULL while the session is down (or when it just went down). */
PGresult *session_exec(struct session *ss, const char *stmt, int n, const char *const *params);
PGresult *session_exec_bin(struct session *ss, const char *stmt, int n, const char *const *params,
                           const int *lengths, const int *formats, int result_format);
/* The socket to poll, -1 while down. */
int session_fd(const struct session *ss);
/* Read what the server sent (notifications are queued for session_next_notice). */
void session_on_readable(struct session *ss);

enum notice_kind {
	NOTICE_QUEUE,      /* acloud_tasks: the queue may hold work */
	NOTICE_ABORT,      /* acloud_abort: the task was deleted */
	NOTICE_RESERVATION /* acloud_reservations: a reservation of the queue's device changed */
};
struct session_notice {
	enum notice_kind kind;
	char payload[SESSION_PAYLOAD_MAX]; /* the queue or the task id (cut when longer) */
};
/* The next queued notification: true and *n filled, or false when there is none. */
bool session_next_notice(struct session *ss, struct session_notice *n);

#endif
