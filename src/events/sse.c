/*
 * sse: event text.  The data is built with jansson so that every string is
 * escaped the same way as in the API's JSON answers.
 */
#include "autoconfig.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events/sse.h"

const char sse_keepalive[] = ": keepalive\n\n";

static json_t *event_data(const struct sse_event *ev)
{
	if (strcmp(ev->kind, "state") == 0)
		return json_pack("{s:s, s:s, s:s, s:s?}", "task_id", ev->task_id, "state",
		                 ev->state, "at", ev->at, "detail", ev->detail);
	if (strcmp(ev->kind, "log") == 0)
		return json_pack("{s:s, s:s, s:s}", "task_id", ev->task_id, "line", ev->line, "at",
		                 ev->at);
	return NULL;
}

/* "id: N\nevent: KIND\ndata: JSON\n\n" */
static char *frame(long long id, const char *kind, json_t *data, size_t *len)
{
	char *json = NULL, *out = NULL;
	size_t cap;
	int n;

	if (data == NULL)
		return NULL;
	json = json_dumps(data, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(data);
	if (json == NULL)
		return NULL;
	cap = strlen(json) + 64;
	out = malloc(cap);
	if (out == NULL)
		goto out;
	n = snprintf(out, cap, "id: %lld\nevent: %s\ndata: %s\n\n", id, kind, json);
	if (n < 0 || (size_t)n >= cap) {
		free(out);
		out = NULL;
		goto out;
	}
	*len = (size_t)n;
out:
	free(json);
	return out;
}

char *sse_format_event(const struct sse_event *ev, size_t *len)
{
	return frame(ev->id, ev->kind, event_data(ev), len);
}

char *sse_format_end(long long id, const char *task_id, const char *state, size_t *len)
{
	return frame(id, "end", json_pack("{s:s, s:s}", "task_id", task_id, "state", state), len);
}
