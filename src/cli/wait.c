/*
 * wait: the follow loop.  Two sources of progress, one display:
 *
 *   events  one long GET of /tasks/{id}/events; `state` events update the
 *           status line, `log` events print a line, `end` ends.  A dropped
 *           stream is reopened with Last-Event-ID.
 *   polling GET /tasks/{id} (state, queue position) and, when log lines are
 *           wanted, GET /tasks/{id}/log (printing what is new), every
 *           0.25 s growing by half up to 5 s, as the user guide advises.
 *
 * Either way the end state is read with GET /tasks/{id}, the authority.
 */
#include "autoconfig.h"

#include "cli/wait.h"

#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"

#define MAX_SSE_LINE (64 * 1024)
#define MAX_OUTAGE_S 600.0 /* give up after this long without a server */

struct waiter {
	struct http_client *h;
	const struct wait_opts *o;
	char path[256]; /* /api/v1/tasks/<id> */
	const char *id;
	double t0, deadline;
	char state[32];
	long queue_pos;  /* -1: none */
	bool line_shown; /* a status line is on the terminal */
	size_t log_done; /* polling: bytes of the log printed */
	/* events stream parsing */
	char line[MAX_SSE_LINE];
	size_t line_len;
	char event[32];
	char *data;
	size_t data_len;
	char last_id[128];
	bool ended;
	bool broken;      /* events: out of memory */
	bool events;      /* still using (or trying) the events stream */
	bool events_live; /* the stream answered: log lines come from it */
};

static bool final_state(const char *s)
{
	return !strcmp(s, "succeeded") || !strcmp(s, "failed") || !strcmp(s, "cancelled");
}

/* The status line: state, queue position, elapsed time. */
static void show_status(struct waiter *w, bool changed)
{
	const struct wait_opts *o = w->o;
	char pos[48] = "";

	if (!o->progress || !*w->state)
		return;
	if (w->queue_pos > 0 && !strcmp(w->state, "queued"))
		snprintf(pos, sizeof pos, ", position %ld in queue", w->queue_pos);
	if (o->tty) {
		fprintf(stderr, "\r\033[Ktask %.8s: %s%s, %.1f s", w->id, w->state, pos,
		        cli_now() - w->t0);
		w->line_shown = true;
	} else if (changed) {
		fprintf(stderr, "task %s: %s%s\n", w->id, w->state, pos);
	}
	fflush(stderr);
}

static void clear_status(struct waiter *w)
{
	if (w->line_shown) {
		fputs("\r\033[K", stderr);
		w->line_shown = false;
	}
}

static void set_state(struct waiter *w, const char *state, long queue_pos)
{
	bool changed = strcmp(state, w->state) != 0 || queue_pos != w->queue_pos;

	snprintf(w->state, sizeof w->state, "%s", state);
	w->queue_pos = queue_pos;
	show_status(w, changed);
}

static void print_log_text(struct waiter *w, const char *text, size_t len)
{
	if (!w->o->log_out || !len)
		return;
	if (w->o->log_out == stderr)
		clear_status(w);
	fwrite(text, 1, len, w->o->log_out);
	if (text[len - 1] != '\n')
		fputc('\n', w->o->log_out);
	fflush(w->o->log_out);
	show_status(w, false);
}

static long queue_position(const json_t *task)
{
	const json_t *q = json_object_get(task, "queue_position");

	return json_is_integer(q) ? (long)json_integer_value(q) : -1;
}

/* GET /tasks/{id} into *task.  0, 1 for a transient failure, or the exit
 * code of an error answer (printed). */
static int read_task(struct waiter *w, json_t **task)
{
	struct http_resp r = { .retry_after = -1 };
	int rc = http_request(w->h, "GET", w->path, NULL, NULL, HTTP_ONCE, &r), code = 0;
	const char *state;

	*task = NULL;
	if (http_transient(&r, rc)) {
		code = 1;
		goto out;
	}
	if (r.status != 200) {
		clear_status(w);
		cli_print_error(stderr, r.status, r.body, r.retry_after, r.err);
		code = cli_exit_for_status(r.status);
		goto out;
	}
	*task = json_loadb(r.body, r.len, 0, NULL);
	state = json_string_value(json_object_get(*task, "state"));
	if (!state) {
		clear_status(w);
		fprintf(stderr, "acloud: the server's answer has no task state\n");
		json_decref(*task);
		*task = NULL;
		code = CLI_SERVER;
		goto out;
	}
	set_state(w, state, queue_position(*task));
out:
	http_resp_free(&r);
	return code;
}

/* Prints the log lines that are new since the last call. */
static void poll_log(struct waiter *w, bool final)
{
	char path[300];
	struct http_resp r = { .retry_after = -1 };
	size_t end;

	snprintf(path, sizeof path, "%s/log", w->path);
	if (http_request(w->h, "GET", path, NULL, NULL, HTTP_ONCE, &r) < 0 || r.status != 200)
		goto out;
	if (r.len < w->log_done)
		w->log_done = 0; /* not the log we printed from: start over */
	end = r.len;
	while (!final && end > w->log_done && r.body[end - 1] != '\n')
		end--; /* only whole lines until the task ended */
	print_log_text(w, r.body + w->log_done, end - w->log_done);
	w->log_done = end;
out:
	http_resp_free(&r);
}

/* ---- events stream ---- */

/* The text of a log event: a JSON string or {"line"|"message"|"text"},
 * else the data as sent. */
static void on_log_event(struct waiter *w)
{
	json_t *doc = json_loadb(w->data, w->data_len, JSON_DECODE_ANY, NULL);
	const char *text = w->data;
	size_t len = w->data_len;
	const json_t *v = doc;

	if (json_is_object(doc)) {
		v = json_object_get(doc, "line");
		if (!v)
			v = json_object_get(doc, "message");
		if (!v)
			v = json_object_get(doc, "text");
	}
	if (json_is_string(v)) {
		text = json_string_value(v);
		len = json_string_length(v);
	}
	print_log_text(w, text, len);
	json_decref(doc);
}

/* A state event: {"state": ..., "queue_position": ...} or a bare state. */
static void on_state_event(struct waiter *w)
{
	json_t *doc = json_loadb(w->data, w->data_len, JSON_DECODE_ANY, NULL);
	const json_t *s = json_is_object(doc) ? json_object_get(doc, "state") : doc;

	if (json_is_string(s))
		set_state(w, json_string_value(s), queue_position(doc));
	else if (!doc && w->data_len < sizeof w->state && w->data_len > 0)
		set_state(w, w->data, -1);
	json_decref(doc);
}

static void dispatch_event(struct waiter *w)
{
	if (!w->data)
		return;
	if (!strcmp(w->event, "state"))
		on_state_event(w);
	else if (!strcmp(w->event, "log"))
		on_log_event(w);
	else if (!strcmp(w->event, "end"))
		w->ended = true;
	free(w->data);
	w->data = NULL;
	w->data_len = 0;
	w->event[0] = '\0';
}

static void append_data(struct waiter *w, const char *v, size_t n)
{
	size_t sep = w->data ? 1 : 0;
	char *nd;

	if (w->data_len + sep + n > MAX_SSE_LINE)
		return; /* an oversized event keeps its first part */
	nd = realloc(w->data, w->data_len + sep + n + 1);
	if (!nd) {
		w->broken = true;
		return;
	}
	if (sep)
		nd[w->data_len++] = '\n';
	memcpy(nd + w->data_len, v, n);
	w->data_len += n;
	nd[w->data_len] = '\0';
	w->data = nd;
}

/* One line of the stream (without its end). */
static void on_sse_line(struct waiter *w, char *line, size_t n)
{
	char *colon, *v;
	size_t vn;

	if (n && line[n - 1] == '\r')
		line[--n] = '\0';
	if (n == 0) {
		dispatch_event(w);
		return;
	}
	if (line[0] == ':')
		return; /* comment / keep-alive */
	colon = memchr(line, ':', n);
	v = colon ? colon + 1 : line + n;
	if (colon)
		*colon = '\0';
	if (*v == ' ')
		v++;
	vn = n - (size_t)(v - line);
	if (!strcmp(line, "event"))
		snprintf(w->event, sizeof w->event, "%.*s", (int)vn, v);
	else if (!strcmp(line, "data"))
		append_data(w, v, vn);
	else if (!strcmp(line, "id") && vn < sizeof w->last_id)
		snprintf(w->last_id, sizeof w->last_id, "%.*s", (int)vn, v);
}

static int on_chunk(const char *data, size_t len, void *ctx)
{
	struct waiter *w = ctx;

	for (size_t i = 0; i < len && !w->ended; i++) {
		if (data[i] == '\n') {
			w->line[w->line_len] = '\0';
			on_sse_line(w, w->line, w->line_len);
			w->line_len = 0;
		} else if (w->line_len < sizeof w->line - 1) {
			w->line[w->line_len++] = data[i];
		}
	}
	return w->ended || w->broken;
}

enum stream_outcome {
	STREAM_ENDED,
	STREAM_DROPPED,
	STREAM_UNSUPPORTED,
	STREAM_ERROR
};

/* One connection to the events stream. */
static enum stream_outcome follow_events(struct waiter *w, int *code)
{
	char path[300];
	struct http_resp r = { .retry_after = -1 };
	double left = w->deadline > 0 ? w->deadline - cli_now() : 0;
	enum stream_outcome out = STREAM_DROPPED;
	int rc;

	snprintf(path, sizeof path, "%s/events", w->path);
	w->line_len = 0;
	rc = http_stream(w->h, path, *w->last_id ? w->last_id : NULL, left, on_chunk, w, &r);
	if (rc == 0 && r.status == 200)
		w->events_live = true;
	free(w->data);
	w->data = NULL;
	w->data_len = 0;
	if (w->ended)
		out = STREAM_ENDED;
	else if (rc < 0 || http_transient(&r, rc) || r.status == 200)
		out = STREAM_DROPPED;
	else if (r.status == 404 || r.status == 405 || r.status == 415 || r.status == 406)
		out = STREAM_UNSUPPORTED;
	else {
		clear_status(w);
		cli_print_error(stderr, r.status, r.body, r.retry_after, r.err);
		*code = cli_exit_for_status(r.status);
		out = STREAM_ERROR;
	}
	http_resp_free(&r);
	return out;
}

/* ---- the loop ---- */

static bool timed_out(const struct waiter *w)
{
	return w->deadline > 0 && cli_now() >= w->deadline;
}

/* Sleeps d seconds, or until the deadline. */
static void nap(const struct waiter *w, double d)
{
	if (w->deadline > 0 && cli_now() + d > w->deadline)
		d = w->deadline - cli_now();
	cli_sleep(d);
}

static int finish(struct waiter *w, json_t *task)
{
	const char *error = json_string_value(json_object_get(task, "error"));

	if (w->o->progress && w->o->tty) {
		show_status(w, true);
		fputc('\n', stderr);
		w->line_shown = false;
	}
	if (!strcmp(w->state, "succeeded"))
		return CLI_OK;
	fprintf(stderr, "acloud: task %s %s%s%s\n", w->id, w->state, error ? ": " : "",
	        error ? error : "");
	return CLI_TASK;
}

/* One round: read the task; 0 when it ended (*task set), -1 to go on, or
 * an exit code. */
static int poll_round(struct waiter *w, json_t **task, double *outage_since)
{
	int code = read_task(w, task);

	if (code == 1) { /* server away: wait it out, quietly */
		if (*outage_since == 0)
			*outage_since = cli_now();
		if (cli_now() - *outage_since > MAX_OUTAGE_S) {
			clear_status(w);
			fprintf(stderr, "acloud: the server has not answered for %.0f s\n",
			        MAX_OUTAGE_S);
			return CLI_SERVER;
		}
		return -1;
	}
	*outage_since = 0;
	if (code)
		return code;
	if (w->o->log_out && !w->events_live && (!w->events || final_state(w->state)))
		poll_log(w, final_state(w->state));
	if (final_state(w->state))
		return 0;
	json_decref(*task);
	*task = NULL;
	return -1;
}

int cli_wait_task(struct http_client *h, const char *id, const struct wait_opts *o,
                  json_t **task_out)
{
	struct waiter w = { .h = h, .o = o, .id = id, .queue_pos = -1, .events = true };
	char seg[200];
	json_t *task = NULL;
	double interval = 0.25, outage_since = 0;
	int code;

	if (http_segment(seg, sizeof seg, id) < 0) {
		fprintf(stderr, "acloud: task id too long\n");
		return CLI_USAGE;
	}
	snprintf(w.path, sizeof w.path, "/api/v1/tasks/%s", seg);
	w.t0 = cli_now();
	w.deadline = o->timeout > 0 ? w.t0 + o->timeout : 0;
	for (;;) {
		code = poll_round(&w, &task, &outage_since);
		if (code >= 0)
			break;
		if (timed_out(&w)) {
			clear_status(&w);
			fprintf(stderr, "acloud: task %s still %s after %.1f s\n", id,
			        *w.state ? w.state : "unknown", o->timeout);
			code = CLI_TASK;
			goto out;
		}
		if (w.events && outage_since == 0) {
			enum stream_outcome s = follow_events(&w, &code);

			if (s == STREAM_ERROR)
				goto out;
			if (s == STREAM_UNSUPPORTED)
				w.events = false;
			if (s == STREAM_ENDED || s == STREAM_UNSUPPORTED)
				continue;
		}
		nap(&w, outage_since ? 1.0 : interval);
		if (!w.events && interval < 5.0)
			interval *= 1.5;
	}
	if (code == 0)
		code = finish(&w, task);
out:
	clear_status(&w);
	if (task_out)
		*task_out = task;
	else
		json_decref(task);
	return code;
}
