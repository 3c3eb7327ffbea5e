/*
 * sse: the text of Server-Sent Events: one event row (a state change or a
 * log line of a task) as "id:", "event:" and one "data:" line of compact
 * JSON.  JSON escapes every newline, so a data line never breaks the
 * framing, whatever a log line holds.  Pure; unit tested.
 */
#ifndef ACLOUD_EVENTS_SSE_H
#define ACLOUD_EVENTS_SSE_H

#include <stddef.h>

/* One row of task_events joined with its history or log row. */
struct sse_event {
	long long id;
	const char *task_id;
	const char *kind;   /* "state" | "log" */
	const char *state;  /* state: the new state */
	const char *at;     /* ISO 8601 UTC */
	const char *detail; /* state: may be NULL */
	const char *line;   /* log: the line */
};

/* malloc'd event text and its length in *len; NULL on OOM or bad input. */
char *sse_format_event(const struct sse_event *ev, size_t *len);
/* The closing event of a task stream: id of the last event, the task's
 * terminal state (or "deleted"). */
char *sse_format_end(long long id, const char *task_id, const char *state, size_t *len);

/* What a keep-alive comment says. */
extern const char sse_keepalive[];

#endif
