/*
 * driver_proc: tasks run by a child process: the simulator, the command
 * driver (the configured argv) and the compilers.  One mechanism for all
 * three: the result on stdout, stderr lines into the task log, SIGKILL to
 * the process group at the timeout or on abort.  The outcome is decided
 * only once the child has exited and its pipes are drained, so no log line
 * comes late.
 *
 * Commands and compilers are spawned programs with the input blob on stdin.
 * The simulator is a fork of the scheduler running the simulator library
 * (sim/simrun.h, the same code as `acloud-sim --stdin-run`, with the same
 * progress lines, summary and "acloud-sim: error: ..." line): no exec, no
 * dynamic loader, which was half the cost of a trivial task.  The child
 * reads the input from the memory it shares with the parent, never uses
 * the parent's database connection (fork closed its fd) and leaves with
 * _exit, so no atexit handler or stdio buffer of the parent runs twice.
 */
#include "autoconfig.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "common/log.h"
#include "scheduler/sched.h"
#include "sim/simrun.h"

#define SIM_NAME "the simulator"

int proc_start(struct sched *s, struct exec *e, char *const argv[])
{
	(void)s;
	if (child_spawn(&e->child, argv, e->input.data, e->input.len) != 0) {
		exec_fail(e, "cannot start %s: %s", argv[0], strerror(errno));
		return -1;
	}
	log_debug("task %s: started %s (pid %d)", e->id, argv[0], (int)e->child.pid);
	return 0;
}

/* The forked simulator child: 0 or 1, as acloud-sim --stdin-run exits. */
static int sim_child(void *arg, int out_fd, int err_fd)
{
	const struct exec *e = arg;
	FILE *out = fdopen(out_fd, "w"), *log = fdopen(err_fd, "w");
	struct sim_options opt;
	struct circuit c;
	char msg[512];
	int rc = 1;

	if (out == NULL || log == NULL)
		return 1;
	setvbuf(log, NULL, _IOLBF, 0);
	if (sim_input_parse(e->input.data ? e->input.data : "", e->input.len, &c, &opt, msg,
	                    sizeof(msg)) == 0 &&
	    sim_run_print(&c, &opt, out, log, msg, sizeof(msg)) == 0)
		rc = 0;
	else
		fprintf(log, "acloud-sim: error: %s\n", msg);
	if (fclose(out) != 0)
		rc = 1;
	fclose(log);
	return rc;
}

int proc_start_sim(struct sched *s, struct exec *e)
{
	(void)s;
	if (child_fork(&e->child, sim_child, e) != 0) {
		exec_fail(e, "cannot start %s: %s", SIM_NAME, strerror(errno));
		return -1;
	}
	log_debug("task %s: started %s (pid %d)", e->id, SIM_NAME, (int)e->child.pid);
	return 0;
}

/* For messages: the program, or the simulator. */
static const char *proc_name(const struct exec *e)
{
	return e->kind == EXEC_SIMULATOR ? SIM_NAME : e->argv[0];
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

static void proc_finish(struct sched *s, struct exec *e)
{
	struct child *c = &e->child;
	const char *why = e->last_line[0] ? e->last_line : NULL;

	(void)s;
	if (e->timed_out) {
		exec_fail(e, "timed out after %d s: killed", e->timeout_s);
	} else if (e->shutdown_killed && e->reached) {
		exec_fail(e, "the scheduler shut down before the task finished");
	} else if (e->shutdown_killed) {
		exec_requeue(e, "requeued: the scheduler shut down before the task finished");
	} else if (c->out_overflow) {
		exec_fail(e, "result larger than %zu bytes", c->out_limit);
	} else if (WIFSIGNALED(c->status)) {
		exec_fail(e, "%s killed by signal %d%s%s", proc_name(e), WTERMSIG(c->status),
		          why ? ": " : "", why ? why : "");
	} else if (WEXITSTATUS(c->status) != 0) {
		if (why != NULL)
			exec_fail(e, "%s", why);
		else
			exec_fail(e, "%s exited with status %d", proc_name(e),
			          WEXITSTATUS(c->status));
	} else if (e->kind == EXEC_COMPILE) {
		if (c->out.len == 0)
			exec_fail(e, "the compiler wrote no APB to stdout");
		else
			exec_succeed(e, &c->out, "application/octet-stream");
	} else if (!looks_like_json_array(&c->out)) {
		exec_fail(e, "%s did not print a measurement list (JSON array) on stdout",
		          proc_name(e));
	} else {
		exec_succeed(e, &c->out, "application/json");
	}
}

void proc_tick(struct sched *s, struct exec *e, int64_t now)
{
	if (e->state != EXEC_RUNNING || e->child.pid == 0)
		return;
	if (!e->timed_out && !e->shutdown_killed && now >= e->deadline_ms) {
		e->timed_out = true;
		child_kill(&e->child);
	}
	if (child_done(&e->child, now))
		proc_finish(s, e);
}

void proc_shutdown(struct exec *e)
{
	if (e->state != EXEC_RUNNING || e->child.pid == 0)
		return;
	e->shutdown_killed = true;
	child_kill(&e->child);
}
