/*
 * exec: the life of one claimed task, whatever drives it.  Owns the task's
 * pending log lines and its outcome, and switches to the driver for I/O,
 * timers, abort and release.  Drivers call exec_succeed / exec_fail /
 * exec_requeue exactly once, which moves the exec from RUNNING to DONE;
 * store.c then writes the outcome, and loop.c frees it.
 */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "scheduler/sched.h"

struct exec *exec_new(const char *id, enum exec_kind kind)
{
	struct exec *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	snprintf(e->id, sizeof(e->id), "%s", id);
	e->kind = kind;
	e->state = EXEC_RUNNING;
	e->backend = -1;
	e->started_ms = now_ms();
	child_init(&e->child, exec_child_line, e, SCHED_RESULT_MAX);
	return e;
}

char *sched_resolve_exe(const struct sched *s, const char *name)
{
	struct buf path = { 0 };

	if (strchr(name, '/') == NULL && s->exe_dir != NULL &&
	    buf_printf(&path, "%s/%s", s->exe_dir, name) == 0 && access(path.data, X_OK) == 0)
		return path.data;
	buf_free(&path);
	return strdup(name);
}

/* An owned copy of argv (argv[0] resolved), so a reload may free the config. */
static char **argv_copy(const struct sched *s, char *const *argv, size_t n)
{
	char **copy = calloc(n + 1, sizeof(char *));

	if (copy == NULL || n == 0)
		goto fail;
	if ((copy[0] = sched_resolve_exe(s, argv[0])) == NULL)
		goto fail;
	for (size_t i = 1; i < n; i++)
		if ((copy[i] = strdup(argv[i])) == NULL)
			goto fail;
	return copy;
fail:
	for (size_t j = 0; copy != NULL && j < n; j++)
		free(copy[j]);
	free(copy);
	return NULL;
}

static int exec_timeout(const struct sched *s, const struct exec *e)
{
	if (e->kind == EXEC_COMPILE)
		return s->devs->compilers[e->backend].timeout_s;
	return e->slot->cfg->timeout_s;
}

static void start_process(struct sched *s, struct exec *e)
{
	const struct device_config *dc = e->slot ? e->slot->cfg : NULL;

	switch (e->kind) {
	case EXEC_SIMULATOR:
		proc_start_sim(s, e);
		return;
	case EXEC_COMMAND:
		e->argv = argv_copy(s, dc->command, dc->n_command);
		break;
	case EXEC_COMPILE:
		e->argv = argv_copy(s, s->devs->compilers[e->backend].command,
		                    s->devs->compilers[e->backend].n_command);
		break;
	case EXEC_LUCIDAC:
		return;
	}
	if (e->argv == NULL) {
		exec_fail(e, "no command configured");
		return;
	}
	if (e->kind == EXEC_COMMAND) {
		int marked = exec_mark_reached(s, e);

		if (marked == 0) {
			e->state = EXEC_FINISHED;
			return;
		}
		if (marked < 0) {
			exec_requeue(e, "requeued: database unavailable before the task started");
			return;
		}
	}
	proc_start(s, e, e->argv);
}

void exec_start(struct sched *s, struct exec *e)
{
	e->timeout_s = exec_timeout(s, e);
	e->deadline_ms = e->started_ms + (int64_t)e->timeout_s * 1000;
	if (e->slot != NULL)
		exec_log(e, "scheduler %s: running on device %s", s->me, e->slot->name);
	else
		exec_log(e, "scheduler %s: compiling for %s", s->me,
		         device_class_name((enum device_class)e->backend));
	if (e->kind == EXEC_LUCIDAC)
		luci_start(s, e);
	else
		start_process(s, e);
}

int exec_mark_reached(struct sched *s, struct exec *e)
{
	const char *params[2] = { e->id, s->me };
	PGresult *res = session_exec(s, "mark_reached", 2, params);
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

void exec_log_raw(struct exec *e, const char *line, size_t len)
{
	if (len > CHILD_LINE_MAX)
		len = CHILD_LINE_MAX;
	if (e->log.len + len + 1 > SCHED_LOG_PENDING_MAX) {
		e->log_dropped++;
		return;
	}
	if (e->log.len == 0)
		e->log_first_ms = now_ms();
	if (buf_append_text(&e->log, line, len) != 0 || buf_append(&e->log, "\n", 1) != 0)
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

void exec_child_line(void *ctx, const char *line, size_t len)
{
	struct exec *e = ctx;
	size_t n = len < sizeof(e->last_line) - 1 ? len : sizeof(e->last_line) - 1;

	exec_log_raw(e, line, len);
	if (n > 0) {
		n = text_clean(line, n, e->last_line);
		e->last_line[n] = '\0';
	}
}

void exec_succeed(struct exec *e, struct buf *result, const char *content_type)
{
	if (e->state != EXEC_RUNNING)
		return;
	buf_free(&e->result);
	e->result = *result;
	*result = (struct buf){ 0 };
	e->result_type = content_type;
	e->outcome = OUTCOME_SUCCEEDED;
	e->state = EXEC_DONE;
}

void exec_fail(struct exec *e, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (e->state != EXEC_RUNNING)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	exec_log(e, "failed: %s", msg);
	free(e->error);
	e->error = strdup(msg);
	e->outcome = OUTCOME_FAILED;
	e->state = EXEC_DONE;
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
	e->state = EXEC_DONE;
}

void exec_abort(struct sched *s, struct exec *e)
{
	(void)s;
	buf_reset(&e->log);
	e->log_dropped = 0;
	if (e->state == EXEC_DONE) {
		e->state = EXEC_FINISHED;
		return;
	}
	if (e->state != EXEC_RUNNING)
		return;
	e->state = EXEC_ABORTING;
	if (e->kind == EXEC_LUCIDAC)
		luci_abort(e);
	else
		child_kill(&e->child);
}

struct exec *exec_find(struct sched *s, const char *id)
{
	for (struct exec *e = s->execs; e != NULL; e = e->next)
		if (strcmp(e->id, id) == 0)
			return e;
	return NULL;
}

void exec_poll_fds(struct exec *e, struct pollset *ps)
{
	struct pollfd pfd[3];
	int n;

	if (e->kind == EXEC_LUCIDAC) {
		luci_poll_fds(e, ps);
		return;
	}
	n = child_poll_fds(&e->child, pfd);
	for (int i = 0; i < n; i++)
		pollset_add(ps, pfd[i].fd, pfd[i].events, WATCH_EXEC, e);
}

void exec_on_fd(struct sched *s, struct exec *e, int fd, short revents)
{
	if (e->kind == EXEC_LUCIDAC)
		luci_on_fd(s, e, revents);
	else
		child_on_fd(&e->child, fd, revents);
}

void exec_tick(struct sched *s, struct exec *e, int64_t now)
{
	if (e->kind == EXEC_LUCIDAC)
		luci_tick(s, e, now);
	else
		proc_tick(s, e, now);
}

int64_t exec_next_deadline(const struct exec *e)
{
	int64_t next = INT64_MAX;

	if (e->kind == EXEC_LUCIDAC)
		next = luci_next_deadline(e);
	else if (e->state == EXEC_RUNNING)
		next = e->deadline_ms;
	if (e->child.exited && (e->child.out_fd >= 0 || e->child.err_fd >= 0))
		next = now_ms() + 100; /* a grandchild may hold the pipes */
	if (e->log.len > 0 && e->log_first_ms + SCHED_LOG_FLUSH_MS < next)
		next = e->log_first_ms + SCHED_LOG_FLUSH_MS;
	return next;
}

bool exec_released(struct exec *e, int64_t now)
{
	if (e->kind == EXEC_LUCIDAC) {
		luci_free(e);
		return true;
	}
	if (!child_done(&e->child, now))
		return false;
	child_release(&e->child);
	return true;
}

void exec_on_reaped(struct sched *s, pid_t pid, int status)
{
	for (struct exec *e = s->execs; e != NULL; e = e->next) {
		if (e->child.pid == pid) {
			child_reaped(&e->child, status);
			return;
		}
	}
}

void exec_free(struct exec *e)
{
	if (e->argv != NULL)
		for (char **a = e->argv; *a != NULL; a++)
			free(*a);
	free(e->argv);
	luci_free(e);
	child_release(&e->child);
	buf_free(&e->input);
	buf_free(&e->log);
	buf_free(&e->result);
	free(e->error);
	free(e->detail);
	free(e);
}
