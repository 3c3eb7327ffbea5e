/*
 * exec: the life of one claimed task (see exec.h).  The generic part of
 * every execution lives here: the state changes, the pending log lines,
 * the outcome, the deadline, and the mark that the task reached its device
 * (with its SQL); the rest goes through e->ops.
 */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "scheduler/clock.h"
#include "scheduler/exec.h"
#include "scheduler/text.h"

const struct db_statement exec_statements[] = {
	/* Only while the task is still ours: a deleted or rescued task is not marked. */
	{ "mark_reached", "UPDATE tasks SET reached_device = true, updated_at = now()"
	                  " WHERE id = $1::uuid AND state = 'inprogress' AND claimed_by = $2" },
	{ NULL, NULL },
};

struct exec *exec_new(const char *id, const struct exec_env *env)
{
	struct exec *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	snprintf(e->id, sizeof(e->id), "%s", id);
	e->env = env;
	e->state = EXEC_RUNNING;
	e->backend = -1;
	e->started_ms = now_ms();
	return e;
}

struct exec *exec_claimed(const struct exec_env *env, PGresult *res, int col)
{
	struct exec *e = exec_new(PQgetvalue(res, 0, col), env);

	if (e == NULL)
		return NULL;
	if (!PQgetisnull(res, 0, col + 1) && buf_append(&e->input, PQgetvalue(res, 0, col + 1),
	                                                (size_t)PQgetlength(res, 0, col + 1)) != 0)
		exec_fail(e, "out of memory reading the task input");
	return e;
}

void exec_start(struct exec *e, const struct driver_ops *ops, const struct exec_setup *setup)
{
	e->ops = ops;
	e->device = setup->device_name;
	e->timeout_s = setup->timeout_s;
	e->deadline_ms = e->started_ms + (int64_t)e->timeout_s * 1000;
	if (e->device != NULL)
		exec_log(e, "scheduler %s: running on device %s", e->env->me, e->device);
	else
		exec_log(e, "scheduler %s: compiling for %s", e->env->me, setup->compile_class);
	if (e->state == EXEC_RUNNING)
		ops->start(e, setup);
}

static bool state_change_allowed(enum exec_state from, enum exec_state to)
{
	switch (from) {
	case EXEC_RUNNING:
		return to == EXEC_DONE || to == EXEC_ABORTING || to == EXEC_FINISHED;
	case EXEC_DONE:
		return to == EXEC_FINISHED;
	case EXEC_ABORTING:
	case EXEC_FINISHED:
		break;
	}
	return false;
}

bool exec_change_state(struct exec *e, enum exec_state to)
{
	if (!state_change_allowed(e->state, to))
		return false;
	e->state = to;
	return true;
}

void exec_log_raw(struct exec *e, const char *line, size_t len)
{
	if (len > EXEC_LOG_LINE_MAX)
		len = text_cut(line, EXEC_LOG_LINE_MAX);
	if (e->log.len + len + 1 > EXEC_LOG_PENDING_MAX) {
		e->log_dropped++;
		return;
	}
	if (e->log.len == 0)
		e->log_first_ms = now_ms();
	if (text_append(&e->log, line, len) != 0 || buf_append(&e->log, "\n", 1) != 0)
		e->log_dropped++;
}

void exec_log(struct exec *e, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	exec_log_raw(e, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

void exec_succeed(struct exec *e, struct buf *result, const char *content_type)
{
	if (!exec_change_state(e, EXEC_DONE))
		return;
	buf_free(&e->result);
	e->result = *result;
	*result = (struct buf){ 0 };
	e->result_type = content_type;
	e->outcome = OUTCOME_SUCCEEDED;
}

/*
 * The error is cut at a character boundary and cleaned (text.h), so that
 * whatever a device or a child said can always be stored as text.
 */
void exec_fail(struct exec *e, const char *fmt, ...)
{
	char raw[1024], msg[1024];
	va_list ap;
	int n;

	if (e->state != EXEC_RUNNING)
		return;
	va_start(ap, fmt);
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	n = (int)text_clean(
		raw, (size_t)n < sizeof(raw) ? (size_t)n : text_cut(raw, sizeof(raw) - 1), msg);
	msg[n] = '\0';
	exec_log(e, "failed: %s", msg);
	free(e->error);
	e->error = strdup(msg);
	e->outcome = OUTCOME_FAILED;
	exec_change_state(e, EXEC_DONE);
}

void exec_requeue(struct exec *e, const char *detail)
{
	if (e->state != EXEC_RUNNING)
		return;
	if (e->reached) {
		exec_fail(e, "%s", detail);
		return;
	}
	exec_log(e, "%s", detail);
	free(e->detail);
	e->detail = strdup(detail);
	e->outcome = OUTCOME_REQUEUE;
	exec_change_state(e, EXEC_DONE);
}

void exec_report(struct exec *e, unsigned event)
{
	e->events |= event;
}

unsigned exec_take_events(struct exec *e)
{
	unsigned events = e->events;

	e->events = 0;
	return events;
}

bool exec_past_deadline(const struct exec *e, int64_t now)
{
	return now >= e->deadline_ms;
}

int exec_mark_reached(struct exec *e)
{
	const char *params[2] = { e->id, e->env->me };
	PGresult *res = session_exec(e->env->session, "mark_reached", 2, params);
	int rc;

	if (res == NULL)
		return -1;
	if (!db_result_ok(res)) {
		log_error("mark_reached %s: %s", e->id, PQresultErrorMessage(res));
		rc = -1;
	} else {
		rc = strcmp(PQcmdTuples(res), "1") == 0 ? 1 : 0;
	}
	PQclear(res);
	if (rc == 1)
		e->reached = true;
	return rc;
}

void exec_abort(struct exec *e)
{
	buf_reset(&e->log);
	e->log_dropped = 0;
	if (e->state == EXEC_DONE) {
		exec_change_state(e, EXEC_FINISHED);
		return;
	}
	if (!exec_change_state(e, EXEC_ABORTING))
		return;
	if (e->ops != NULL)
		e->ops->abort(e);
}

void exec_shutdown(struct exec *e, bool forced)
{
	if (e->ops != NULL)
		e->ops->shutdown(e, forced);
}

void exec_poll_fds(struct exec *e, struct pollset *ps)
{
	struct pollfd pfd[EXEC_POLL_FDS_MAX];
	int n = e->ops != NULL ? e->ops->poll_fds(e, pfd, EXEC_POLL_FDS_MAX) : 0;

	for (int i = 0; i < n; i++)
		pollset_add(ps, pfd[i].fd, pfd[i].events, WATCH_EXEC, e);
}

void exec_on_readable(struct exec *e, int fd, short revents)
{
	if (e->ops != NULL)
		e->ops->on_readable(e, fd, revents);
}

void exec_tick(struct exec *e, int64_t now)
{
	if (e->ops != NULL)
		e->ops->tick(e, now);
}

int64_t exec_next_deadline(const struct exec *e, int64_t now)
{
	int64_t next = e->ops != NULL ? e->ops->next_deadline(e, now) : INT64_MAX;

	if (e->log.len > 0 && e->log_first_ms + EXEC_LOG_FLUSH_MS < next)
		next = e->log_first_ms + EXEC_LOG_FLUSH_MS;
	return next;
}

bool exec_release(struct exec *e, int64_t now)
{
	return e->ops == NULL || e->ops->release(e, now);
}

bool exec_reaped(struct exec *e, pid_t pid, int status, long maxrss_kb)
{
	return e->ops != NULL && e->ops->reaped(e, pid, status, maxrss_kb);
}

void exec_free(struct exec *e)
{
	if (e->ops != NULL)
		e->ops->free(e);
	buf_free(&e->input);
	buf_free(&e->log);
	buf_free(&e->result);
	free(e->error);
	free(e->detail);
	free(e);
}
