/*
 * driver_child: what the drivers that run a task as a child process share
 * (the simulator, command and compile drivers): the result on stdout,
 * stderr lines into the task log, SIGKILL to the process group at the
 * timeout, on abort or at a forced shutdown.  The outcome is decided only
 * once the child has exited and its pipes are drained, so no log line
 * comes late.  The child_task_* functions fill those drivers' ops tables;
 * each driver's start creates the child_task and starts the child.
 */
#ifndef ACLOUD_SCHED_DRIVER_CHILD_H
#define ACLOUD_SCHED_DRIVER_CHILD_H

#include "scheduler/child.h"
#include "scheduler/exec.h"

#define CHILD_TASK_RESULT_MAX ((size_t)512 << 20)

/* What a successful child prints on stdout. */
enum child_output {
	CHILD_OUTPUT_MEASUREMENTS, /* a JSON array: a run's measurement list */
	CHILD_OUTPUT_APB           /* non-empty bytes: a compiled circuit */
};

struct child_task {
	struct child child;
	char **argv;      /* spawned programs: owned copy (a reload may free the config) */
	const char *name; /* for messages: the program, or "the simulator" */
	enum child_output output;
	bool timed_out;               /* killed at the timeout */
	bool shutdown_killed;         /* killed by a shutdown past its timeout */
	char last_line[256];          /* last stderr line: the error of a failed child */
	struct child_sandbox sandbox; /* its limits, for the message when one killed it */
};

/* e's child task (e->drv); NULL, after exec_fail, when out of memory. */
struct child_task *child_task_new(struct exec *e, const char *name, enum child_output output);
/* Start argv (taken over) with the input on stdin, in the setup's
 * sandbox.  0, or -1 after exec_fail. */
int child_task_spawn(struct exec *e, char **argv, const struct exec_setup *setup);
/* Fork the scheduler and run fn(e, out, err) in the child, in the setup's
 * sandbox.  0, or -1 after exec_fail. */
int child_task_fork(struct exec *e, child_fn fn, const struct exec_setup *setup);
/* An owned copy of argv, argv[0] resolved (child_resolve_exe); NULL when out of memory. */
char **child_task_argv(const char *exe_dir, char *const *argv, size_t n);

int child_task_poll_fds(const struct exec *e, struct pollfd *pfd, int max);
void child_task_on_readable(struct exec *e, int fd, short revents);
void child_task_tick(struct exec *e, int64_t now);
int64_t child_task_next_deadline(const struct exec *e, int64_t now);
void child_task_abort(struct exec *e);
void child_task_shutdown(struct exec *e, bool forced);
bool child_task_release(struct exec *e, int64_t now);
bool child_task_reaped(struct exec *e, pid_t pid, int status, long maxrss_kb);
void child_task_free(struct exec *e);

/* The ops table of a driver that runs its task as a child: its name, its
 * start and its probe (NULL: none), the rest the child_task_* functions. */
#define CHILD_DRIVER_OPS(NAME, START, PROBE)                                           \
	{                                                                              \
		.name = (NAME), .start = (START), .poll_fds = child_task_poll_fds,     \
		.on_readable = child_task_on_readable, .tick = child_task_tick,        \
		.next_deadline = child_task_next_deadline, .abort = child_task_abort,  \
		.shutdown = child_task_shutdown, .release = child_task_release,        \
		.reaped = child_task_reaped, .free = child_task_free, .probe = (PROBE) \
	}

#endif
