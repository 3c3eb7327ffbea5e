/*
 * child: one child process with non-blocking pipes, driven by the
 * scheduler's poll loop: a spawned program, or a fork of the scheduler
 * running a function.  A spawned program's stdin is fed from a buffer the
 * caller owns (a forked one has no stdin pipe: it has the parent's memory),
 * stdout is collected (bounded), stderr is cut into lines and handed to a
 * callback.  The child runs in its own process group so that a kill reaches
 * whatever it started.  Reaping is the loop's business (SIGCHLD through the
 * signalfd); child_reaped() records the status and peak size.
 *
 * States: running (pid > 0, not exited) -> exited (status known) -> done
 * (exited and both output pipes at EOF or given up on).  The child never
 * blocks the loop: every read and write is non-blocking.
 */
#ifndef ACLOUD_SCHED_CHILD_H
#define ACLOUD_SCHED_CHILD_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/buf.h"

#define CHILD_LINE_MAX 4096

/*
 * What a child starts with beyond its pipes: a spawned program this
 * environment only (NULL: an empty one), both kinds these resource limits
 * (0: unlimited; the CPU limit's hard limit 5 s above its soft one, so the
 * program gets SIGXCPU first), and, when `switch_user`, no supplementary
 * groups and gid/uid (never back: no new privileges either).  A child that
 * cannot be set up says so on stderr and exits 126.
 */
struct child_sandbox {
	char *const *envp;
	unsigned long address_space_bytes, cpu_s, fsize_bytes;
	bool switch_user;
	unsigned uid, gid;
};

typedef void (*child_line_fn)(void *ctx, const char *line, size_t len);
/* The body of a forked child: writes to its stdout and stderr pipes
 * (blocking fds `out` and `err`) and returns its exit status. */
typedef int (*child_fn)(void *arg, int out, int err);

struct child {
	pid_t pid; /* 0: never started */
	bool exited;
	int status;     /* wait status, valid once exited */
	long maxrss_kb; /* its peak resident size, valid once exited */
	int64_t exited_at_ms;
	int in_fd, out_fd, err_fd; /* -1 when closed */
	const char *in_data;       /* borrowed, must outlive the child's stdin */
	size_t in_len, in_off;
	struct buf out;
	size_t out_limit;
	bool out_overflow;
	struct buf err; /* partial stderr line */
	child_line_fn on_line;
	void *ctx;
};

void child_init(struct child *c, child_line_fn on_line, void *ctx, size_t out_limit);
/*
 * Start argv[0] (a path, or a name looked up in the scheduler's PATH) with
 * `input` on its stdin, in `sb`.  0, or -1 with errno set (the child is
 * then not running); a program that cannot be executed exits 127 after
 * saying why on stderr.
 */
int child_spawn(struct child *c, char *const argv[], const void *input, size_t input_len,
                const struct child_sandbox *sb);
/*
 * Fork, and run fn(arg, out, err) in the child, which then _exits with its
 * return value: a child like a spawned one (own process group, default
 * signal dispositions, empty mask, only fds 0-2 and its pipes) but without
 * exec, and without stdin (fn has the parent's memory).  0, or -1 with
 * errno set.
 */
int child_fork(struct child *c, child_fn fn, void *arg, const struct child_sandbox *sb);
/* pollfd entries for the open pipes; returns how many were written (at most 3). */
int child_poll_fds(const struct child *c, struct pollfd *pfd);
/* Handle readiness of one of the child's fds. */
void child_on_fd(struct child *c, int fd, short revents);
void child_reaped(struct child *c, int status, long maxrss_kb);
/* SIGKILL to the child's process group (no-op once it is gone). */
void child_kill(struct child *c);
/* Exited and the output pipes are closed.  A pipe still held open by a
 * grandchild 2 s after the exit is closed by force (and the group killed). */
bool child_done(struct child *c, int64_t now);
/* Close everything and free the buffers; the child must be done or never started. */
void child_release(struct child *c);

/* A program name without '/': in exe_dir (the scheduler's own directory)
 * if it is there, else left to PATH.  A new string (NULL when out of memory). */
char *child_resolve_exe(const char *exe_dir, const char *name);
/* Whether file (a path, or a name looked up in PATH) may be executed. */
bool child_executable(const char *file);

#endif
