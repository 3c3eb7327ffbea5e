/*
 * exec: one claimed task on its way to a terminal state, whatever runs it.
 * It owns the task's input, its pending log lines and its outcome, and it
 * reaches the thing that runs the task (a driver) only through the
 * driver's `const struct driver_ops` table, in the manner of redis'
 * ConnectionType: each driver fills one table in its own file
 * (driver_*.c), and nothing here names a driver.
 *
 * States, changed only by exec_change_state():
 *
 *   RUNNING --succeed/fail/requeue--> DONE --stored--> FINISHED
 *   RUNNING --abort (task deleted)--> ABORTING --released--> (freed)
 *   RUNNING --task gone before it started--> FINISHED
 *
 * A driver reports the outcome by calling exec_succeed / exec_fail /
 * exec_requeue (the first one wins), and anything else the layers above
 * must act on as an event (exec_report; the loop takes them with
 * exec_take_events).  A driver never calls up past exec.
 */
#ifndef ACLOUD_SCHED_EXEC_H
#define ACLOUD_SCHED_EXEC_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <libpq-fe.h>

#include "common/buf.h"
#include "common/config.h"
#include "db/db.h"
#include "scheduler/pollset.h"
#include "scheduler/session.h"

#define EXEC_LOG_PENDING_MAX (4u << 20)
#define EXEC_LOG_FLUSH_MS    100
#define EXEC_LOG_LINE_MAX    4096
#define EXEC_POLL_FDS_MAX    4

enum exec_state {
	EXEC_RUNNING,
	EXEC_DONE,
	EXEC_ABORTING,
	EXEC_FINISHED
};
enum exec_outcome {
	OUTCOME_SUCCEEDED,
	OUTCOME_FAILED,
	OUTCOME_REQUEUE
};

/* Events a driver reports for the layers above it (a bit set). */
#define EXEC_EVENT_DEVICE_DOWN 1u /* the device could not be reached: mark it unavailable */

struct exec;
struct slot;

/* What every exec of one scheduler shares; outlives the execs. */
struct exec_env {
	struct session *session;
	const char *me;      /* tasks.claimed_by of this scheduler */
	const char *exe_dir; /* where acloud-scheduler is: programs named without '/' */
};

/* What a driver's start may read (borrowed for the call only: a reload may free it). */
struct exec_setup {
	const char *device_name; /* run tasks: the device; NULL for a compile */
	const struct device_config *device;
	const char *compile_class; /* compile tasks: the device class */
	const struct compiler_config *compiler;
	int timeout_s; /* the device's or the compiler's */
	/* What its child starts with: the device's or the compiler's env and
	 * limits, and devices.yml's run_as when the scheduler runs as root. */
	const struct child_sandbox_config *sandbox;
	const struct devices_config *devices;
};

/* A driver's answer to "is the device there?" */
enum probe_verdict {
	PROBE_DEAD,
	PROBE_ALIVE,
	PROBE_ASK /* send plan->request to plan->host:port; any JSON object in reply: alive */
};
struct probe_plan {
	const char *host; /* borrowed from the device_config */
	int port;
	char *request; /* owned by the caller once returned; one line, newline included */
	size_t request_len;
};

/*
 * One driver.  Every function but start and probe may be called on an exec
 * whose start failed (the driver's private data then is NULL).
 */
struct driver_ops {
	const char *name; /* as in devices.yml and the devices table */
	/* Begin running e (e->input is the task's input).  0, or -1 after exec_fail/requeue. */
	int (*start)(struct exec *e, const struct exec_setup *setup);
	/* The fds to poll (at most max, EXEC_POLL_FDS_MAX): how many were written. */
	int (*poll_fds)(const struct exec *e, struct pollfd *pfd, int max);
	/* One of those fds is ready. */
	void (*on_readable)(struct exec *e, int fd, short revents);
	/* Timers: timeouts, outcomes that wait for nothing but time. */
	void (*tick)(struct exec *e, int64_t now);
	/* When tick next has work (INT64_MAX: none). */
	int64_t (*next_deadline)(const struct exec *e, int64_t now);
	/* The task was deleted: stop it, nothing will be stored. */
	void (*abort)(struct exec *e);
	/* The scheduler stops; forced: past the shutdown timeout. */
	void (*shutdown)(struct exec *e, bool forced);
	/* Let go of fds and processes: true once nothing is held (then free may run). */
	bool (*release)(struct exec *e, int64_t now);
	/* A child process was reaped: true when it was this exec's. */
	bool (*reaped)(struct exec *e, pid_t pid, int status, long maxrss_kb);
	/* Free the driver's private data. */
	void (*free)(struct exec *e);
	/* Availability of a device of this driver; NULL for drivers without devices. */
	enum probe_verdict (*probe)(const struct device_config *dc, const struct exec_env *env,
	                            struct probe_plan *plan);
};

struct exec {
	struct exec *next;
	char id[37];
	const struct driver_ops *ops; /* NULL until started */
	void *drv;                    /* the driver's private data */
	const struct exec_env *env;
	enum exec_state state;
	enum exec_outcome outcome; /* valid in EXEC_DONE */
	unsigned events;           /* EXEC_EVENT_*, not yet taken */
	const char *device;        /* device name for messages; NULL for a compile */
	struct slot *slot;         /* run tasks: the loop's device slot (opaque here) */
	int backend;               /* compile tasks: device class; -1 otherwise */
	bool reached;              /* the device has seen the task (no requeue) */
	int64_t started_ms;
	int64_t deadline_ms; /* execution timeout */
	int timeout_s;
	struct buf input; /* the task's input blob */
	struct buf log;   /* lines not yet in task_log, '\n'-separated */
	size_t log_dropped;
	int64_t log_first_ms; /* when the oldest pending line came */
	char *error;          /* failed: the message for tasks.error */
	char *detail;         /* history detail of the terminal entry */
	struct buf result;
	const char *result_type;
	bool successor_tried;   /* the finish claimed the slot's next task too */
	struct exec *successor; /* what it claimed: started once this exec is released */
};

extern const struct db_statement exec_statements[];

struct exec *exec_new(const char *id, const struct exec_env *env);
/* The exec of a claimed row: columns col (id) and col + 1 (input blob). */
struct exec *exec_claimed(const struct exec_env *env, PGresult *res, int col);
/* Run e with ops (the deadline counts from the claim). */
void exec_start(struct exec *e, const struct driver_ops *ops, const struct exec_setup *setup);
/* The one place an exec changes state; an impossible change is ignored (false). */
bool exec_change_state(struct exec *e, enum exec_state to);

void exec_log(struct exec *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void exec_log_raw(struct exec *e, const char *line, size_t len);

/* Outcomes, for drivers: the first one wins. *result is taken over. */
void exec_succeed(struct exec *e, struct buf *result, const char *content_type);
void exec_fail(struct exec *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Back to the queue; a task that reached its device fails instead. */
void exec_requeue(struct exec *e, const char *detail);
void exec_report(struct exec *e, unsigned event);
unsigned exec_take_events(struct exec *e);
bool exec_past_deadline(const struct exec *e, int64_t now);
/* Mark the task as having reached its device, before it does: 1 marked, 0 task gone, -1 db down. */
int exec_mark_reached(struct exec *e);

/* For the loop: through the driver. */
void exec_abort(struct exec *e);
void exec_shutdown(struct exec *e, bool forced);
void exec_poll_fds(struct exec *e, struct pollset *ps);
void exec_on_readable(struct exec *e, int fd, short revents);
void exec_tick(struct exec *e, int64_t now);
int64_t exec_next_deadline(const struct exec *e, int64_t now);
bool exec_release(struct exec *e, int64_t now);
bool exec_reaped(struct exec *e, pid_t pid, int status, long maxrss_kb);
void exec_free(struct exec *e);

#endif
