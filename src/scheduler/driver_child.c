/*
 * driver_child: the child-process mechanics of the simulator, command and
 * compile drivers (see driver_child.h).
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "scheduler/driver_child.h"
#include "scheduler/text.h"

#define CHILD_LINGER_POLL_MS 100

static void on_child_line(void *ctx, const char *line, size_t len)
{
	struct exec *e = ctx;
	struct child_task *t = e->drv;
	size_t n = len < sizeof(t->last_line) - 1 ? len : sizeof(t->last_line) - 1;

	exec_log_raw(e, line, len);
	if (n > 0) {
		n = text_clean(line, n < len ? text_cut(line, n) : n, t->last_line);
		t->last_line[n] = '\0';
	}
}

struct child_task *child_task_new(struct exec *e, const char *name, enum child_output output)
{
	struct child_task *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		exec_fail(e, "out of memory");
		return NULL;
	}
	child_init(&t->child, on_child_line, e, CHILD_TASK_RESULT_MAX);
	t->name = name;
	t->output = output;
	e->drv = t;
	return t;
}

char **child_task_argv(const char *exe_dir, char *const *argv, size_t n)
{
	char **copy = calloc(n + 1, sizeof(char *));

	if (copy == NULL || n == 0)
		goto fail;
	if ((copy[0] = child_resolve_exe(exe_dir, argv[0])) == NULL)
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

#define MB (1024UL * 1024UL)

/* The sandbox of the setup's device or compiler (config_sandbox.c); the
 * user switch only when the scheduler may switch users. */
static void sandbox_from_setup(struct child_task *t, const struct exec_setup *setup)
{
	const struct child_sandbox_config *sb = setup->sandbox;
	const struct devices_config *devs = setup->devices;

	t->sandbox = (struct child_sandbox){ 0 };
	if (sb != NULL) {
		t->sandbox.envp = sb->env;
		t->sandbox.address_space_bytes = (unsigned long)sb->address_space_mb * MB;
		t->sandbox.cpu_s = (unsigned long)sb->cpu_s;
		t->sandbox.fsize_bytes = (unsigned long)sb->output_mb * MB;
	}
	if (devs != NULL && devs->run_as != NULL && geteuid() == 0) {
		t->sandbox.switch_user = true;
		t->sandbox.uid = devs->run_uid;
		t->sandbox.gid = devs->run_gid;
	}
}

int child_task_spawn(struct exec *e, char **argv, const struct exec_setup *setup)
{
	struct child_task *t = e->drv;

	t->argv = argv;
	t->name = argv[0];
	sandbox_from_setup(t, setup);
	if (child_spawn(&t->child, argv, e->input.data, e->input.len, &t->sandbox) != 0) {
		exec_fail(e, "cannot start %s: %s", argv[0], strerror(errno));
		return -1;
	}
	log_debug("task %s: started %s (pid %d)", e->id, argv[0], (int)t->child.pid);
	return 0;
}

int child_task_fork(struct exec *e, child_fn fn, const struct exec_setup *setup)
{
	struct child_task *t = e->drv;

	sandbox_from_setup(t, setup);
	if (child_fork(&t->child, fn, e, &t->sandbox) != 0) {
		exec_fail(e, "cannot start %s: %s", t->name, strerror(errno));
		return -1;
	}
	log_debug("task %s: started %s (pid %d)", e->id, t->name, (int)t->child.pid);
	return 0;
}

/* Whether stdout looks like the JSON array a run must produce. */
static bool looks_like_json_array(const struct buf *out)
{
	size_t i = 0, j = out->len;

	while (i < j && strchr(" \t\r\n", out->data[i]) != NULL)
		i++;
	while (j > i && strchr(" \t\r\n", out->data[j - 1]) != NULL)
		j--;
	return j - i >= 2 && out->data[i] == '[' && out->data[j - 1] == ']';
}

static void succeed_with_output(struct exec *e, struct child_task *t)
{
	struct buf *out = &t->child.out;

	if (t->output == CHILD_OUTPUT_APB) {
		if (out->len == 0)
			exec_fail(e, "the compiler wrote no APB to stdout");
		else
			exec_succeed(e, out, "application/octet-stream");
	} else if (!looks_like_json_array(out)) {
		exec_fail(e, "%s did not print a measurement list (JSON array) on stdout", t->name);
	} else {
		exec_succeed(e, out, "application/json");
	}
}

/*
 * Which of its limits stopped a child that failed, or NULL.  The CPU and
 * file-size limits end it with their own signals; running into the
 * address-space limit makes allocations fail, which a program reports in
 * its own way, so a failed child whose peak size came within 1/4 of that
 * limit counts as stopped by it.
 */
static const char *limit_hit(const struct child_task *t, char *buf, size_t size)
{
	const struct child *c = &t->child;
	unsigned long as = t->sandbox.address_space_bytes;

	if (WIFSIGNALED(c->status) && WTERMSIG(c->status) == SIGXCPU)
		snprintf(buf, size, "its CPU limit (%lu s)", t->sandbox.cpu_s);
	else if (WIFSIGNALED(c->status) && WTERMSIG(c->status) == SIGXFSZ)
		snprintf(buf, size, "its output file size limit (%lu MB)",
		         t->sandbox.fsize_bytes / MB);
	else if (as > 0 && (unsigned long)c->maxrss_kb * 1024UL >= as - as / 4)
		snprintf(buf, size, "its address space limit (%lu MB)", as / MB);
	else
		return NULL;
	return buf;
}

static void child_task_finish(struct exec *e, struct child_task *t)
{
	struct child *c = &t->child;
	const char *why = t->last_line[0] ? t->last_line : NULL;
	bool failed = !WIFEXITED(c->status) || WEXITSTATUS(c->status) != 0;
	const char *limit;
	char limit_buf[64];

	if (failed && !t->timed_out && !t->shutdown_killed &&
	    (limit = limit_hit(t, limit_buf, sizeof(limit_buf))) != NULL) {
		log_warn("task %s: %s was stopped by %s", e->id, t->name, limit);
		exec_fail(e, "%s was stopped by %s%s%s", t->name, limit, why ? ": " : "",
		          why ? why : "");
	} else if (t->timed_out) {
		exec_fail(e, "timed out after %d s: killed", e->timeout_s);
	} else if (t->shutdown_killed && e->reached) {
		exec_fail(e, "the scheduler shut down before the task finished");
	} else if (t->shutdown_killed) {
		exec_requeue(e, "requeued: the scheduler shut down before the task finished");
	} else if (c->out_overflow) {
		exec_fail(e, "result larger than %zu bytes", c->out_limit);
	} else if (WIFSIGNALED(c->status)) {
		exec_fail(e, "%s killed by signal %d%s%s", t->name, WTERMSIG(c->status),
		          why ? ": " : "", why ? why : "");
	} else if (WEXITSTATUS(c->status) != 0) {
		if (why != NULL)
			exec_fail(e, "%s", why);
		else
			exec_fail(e, "%s exited with status %d", t->name, WEXITSTATUS(c->status));
	} else {
		succeed_with_output(e, t);
	}
}

int child_task_poll_fds(const struct exec *e, struct pollfd *pfd, int max)
{
	const struct child_task *t = e->drv;

	if (t == NULL || max < 3)
		return 0;
	return child_poll_fds(&t->child, pfd);
}

void child_task_on_readable(struct exec *e, int fd, short revents)
{
	struct child_task *t = e->drv;

	if (t != NULL)
		child_on_fd(&t->child, fd, revents);
}

void child_task_tick(struct exec *e, int64_t now)
{
	struct child_task *t = e->drv;

	if (t == NULL || e->state != EXEC_RUNNING || t->child.pid == 0)
		return;
	if (!t->timed_out && !t->shutdown_killed && exec_past_deadline(e, now)) {
		t->timed_out = true;
		child_kill(&t->child);
	}
	if (child_done(&t->child, now))
		child_task_finish(e, t);
}

int64_t child_task_next_deadline(const struct exec *e, int64_t now)
{
	const struct child_task *t = e->drv;
	int64_t next = e->state == EXEC_RUNNING ? e->deadline_ms : INT64_MAX;

	if (t != NULL && t->child.exited && (t->child.out_fd >= 0 || t->child.err_fd >= 0))
		next = now + CHILD_LINGER_POLL_MS; /* a grandchild may hold the pipes */
	return next;
}

void child_task_abort(struct exec *e)
{
	struct child_task *t = e->drv;

	if (t != NULL)
		child_kill(&t->child);
}

void child_task_shutdown(struct exec *e, bool forced)
{
	struct child_task *t = e->drv;

	if (!forced || t == NULL || e->state != EXEC_RUNNING || t->child.pid == 0)
		return;
	t->shutdown_killed = true;
	child_kill(&t->child);
}

bool child_task_release(struct exec *e, int64_t now)
{
	struct child_task *t = e->drv;

	if (t == NULL)
		return true;
	if (!child_done(&t->child, now))
		return false;
	child_release(&t->child);
	return true;
}

bool child_task_reaped(struct exec *e, pid_t pid, int status, long maxrss_kb)
{
	struct child_task *t = e->drv;

	if (t == NULL || t->child.pid != pid)
		return false;
	child_reaped(&t->child, status, maxrss_kb);
	return true;
}

void child_task_free(struct exec *e)
{
	struct child_task *t = e->drv;

	if (t == NULL)
		return;
	if (t->argv != NULL)
		for (char **a = t->argv; *a != NULL; a++)
			free(*a);
	free(t->argv);
	child_release(&t->child);
	free(t);
	e->drv = NULL;
}
