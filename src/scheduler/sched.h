/*
 * sched: the scheduler's objects and the calls between its modules.
 *
 *   struct sched    the process: configuration, the database session,
 *                   devices, compile backends, executions, timers, shutdown
 *   struct slot     one configured device: its advisory lock, availability,
 *                   probe, and the single execution it may run
 *   struct backend  one compile queue ('compile:<CLASS>') and its concurrency
 *   struct exec     one claimed task on its way to a terminal state
 *
 * An exec moves RUNNING -> DONE (outcome known, waiting to be stored) ->
 * FINISHED, or RUNNING -> ABORTING (task deleted: execution being stopped,
 * nothing will be stored) -> FINISHED.  Only loop.c frees an exec, once it
 * is FINISHED and its driver has let go of every fd and process.
 *
 * Module map: main.c (arguments, start-up), loop.c (poll loop, signals,
 * timers), session.c (connection, LISTEN, notifications), registry.c
 * (devices.yml -> slots and the devices table, advisory locks), probe.c
 * (availability), claim.c (dispatch), exec.c (execution life cycle and
 * driver switch), driver_proc.c (simulator, command, compile children),
 * driver_lucidac.c (TCP device), store.c (logs, results, heartbeats),
 * rescue.c (stale tasks of lost schedulers).
 */
#ifndef ACLOUD_SCHED_H
#define ACLOUD_SCHED_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "common/config.h"
#include "db/db.h"
#include "scheduler/child.h"
#include "scheduler/util.h"

#define SCHED_QUEUE_MAX         80 /* "device:" + 64-char name */
#define SCHED_ME_MAX            160
#define SCHED_LOG_PENDING_MAX   (4u << 20)
#define SCHED_LOG_FLUSH_MS      100
#define SCHED_RESULT_MAX        ((size_t)512 << 20)
#define SCHED_PROBE_INTERVAL_MS 10000
#define SCHED_RECONNECT_MS      1000

enum exec_kind {
	EXEC_SIMULATOR,
	EXEC_COMMAND,
	EXEC_COMPILE,
	EXEC_LUCIDAC
};
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

struct slot;
struct luci_run;
struct probe;

struct exec {
	struct exec *next;
	char id[37];
	enum exec_kind kind;
	enum exec_state state;
	struct slot *slot; /* run tasks */
	int backend;       /* compile tasks: device class; -1 otherwise */
	bool reached;      /* the device has seen the task (no requeue) */
	int64_t started_ms;
	int64_t deadline_ms; /* execution timeout */
	int timeout_s;
	bool timed_out;       /* killed at the timeout */
	bool shutdown_killed; /* killed by a shutdown past its timeout */
	struct buf input;     /* the task's input blob */
	struct buf log;       /* lines not yet in task_log, '\n'-separated */
	size_t log_dropped;
	int64_t log_first_ms;      /* when the oldest pending line came */
	char last_line[256];       /* last stderr line: the error of a failed child */
	enum exec_outcome outcome; /* valid in EXEC_DONE */
	char *error;               /* failed: the message for tasks.error */
	char *detail;              /* history detail of the terminal entry */
	struct buf result;
	const char *result_type;
	struct child child;     /* simulator, command, compile */
	char **argv;            /* command, compile: owned copy (reloads may free the config) */
	struct luci_run *luci;  /* lucidac */
	bool successor_tried;   /* the finish claimed the slot's next task too */
	struct exec *successor; /* what it claimed: started once this exec is released */
};

struct slot {
	struct slot *next;
	char *name;
	char queue[SCHED_QUEUE_MAX];
	const struct device_config *cfg; /* in s->devs; re-pointed on reload */
	bool locked;                     /* advisory lock held on the current connection */
	bool available;                  /* last probe result */
	bool available_known;            /* written to the devices table since locking */
	bool wanted;                     /* the queue may hold work: try to claim */
	bool retiring;                   /* gone from devices.yml: finish, unlock, drop */
	struct exec *exec;
	int64_t next_probe_ms;
	struct probe *probe;
};

struct backend {
	bool configured;
	char queue[SCHED_QUEUE_MAX];
	int running;
	bool wanted;
};

struct sched {
	const char *config_path;
	struct app_config *app;
	struct devices_config *devs;
	char me[SCHED_ME_MAX]; /* tasks.claimed_by of this process */
	char *exe_dir;         /* where acloud-scheduler is */
	struct db db;
	bool session_up;     /* connected, LISTENing, locks valid */
	bool registry_dirty; /* devices table needs the registry */
	int64_t next_connect_ms;
	struct slot *slots;
	struct backend backends[DEVICE_CLASS_COUNT];
	struct exec *execs;
	int sigfd;
	bool stopping;
	int64_t stop_deadline_ms;
	bool stop_forced;
	int64_t next_poll_ms, next_heartbeat_ms, next_rescue_ms;
};

/* A set of pollfds with the object each belongs to. */
enum watch_kind {
	WATCH_SIGNAL,
	WATCH_DB,
	WATCH_EXEC,
	WATCH_PROBE
};
struct watch {
	enum watch_kind kind;
	void *obj;
};
#define POLLSET_MAX 1024
struct pollset {
	struct pollfd pfd[POLLSET_MAX];
	struct watch w[POLLSET_MAX];
	int n;
};
void pollset_add(struct pollset *ps, int fd, short events, enum watch_kind kind, void *obj);

/* session.c */
int session_maintain(struct sched *s, int64_t now);
PGresult *session_exec(struct sched *s, const char *stmt, int n, const char *const *params);
PGresult *session_exec_bin(struct sched *s, const char *stmt, int n, const char *const *params,
                           const int *lengths, const int *formats, int result_format);
int session_fd(const struct sched *s);
void session_on_readable(struct sched *s);
/* Handle queued notifications; true when there were any. */
bool session_notifies(struct sched *s);
extern const struct db_statement sched_statements[];
extern const struct db_statement *const sched_statement_sets[];

/* registry.c */
int registry_apply(struct sched *s, struct devices_config *cfg);
void registry_write(struct sched *s);
void registry_locks(struct sched *s);
void registry_locks_lost(struct sched *s);
void registry_set_available(struct sched *s, struct slot *slot, bool available);
void registry_want_queue(struct sched *s, const char *queue);
void registry_want_all(struct sched *s);
void registry_retire_idle(struct sched *s);
void registry_free(struct sched *s);

/* probe.c */
void probe_tick(struct sched *s, int64_t now);
void probe_poll_fds(struct sched *s, struct pollset *ps);
void probe_on_fd(struct sched *s, struct probe *p, short revents);
int64_t probe_next_deadline(const struct sched *s);
void probe_free(struct probe *p);

/* claim.c */
void dispatch(struct sched *s);
/* Whether a device or backend could claim right now (the loop must not sleep). */
bool dispatch_ready(const struct sched *s);
/* The queue whose next task the finish of e may claim, or NULL. */
const char *dispatch_successor_queue(const struct sched *s, const struct exec *e);
/* The finish statement claimed for e's slot: columns col (id, NULL when
 * nothing) and col + 1 (input) of res' first row. */
void dispatch_successor(struct exec *e, PGresult *res, int col);
/* e, of a slot, is released: the slot runs its successor or is free. */
void dispatch_released(struct sched *s, struct exec *e);

/* exec.c */
/* A program name without '/': next to acloud-scheduler if it is there,
 * else left to PATH.  A new string (NULL when out of memory). */
char *sched_resolve_exe(const struct sched *s, const char *name);
struct exec *exec_new(const char *id, enum exec_kind kind);
void exec_start(struct sched *s, struct exec *e);
void exec_log(struct exec *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void exec_log_raw(struct exec *e, const char *line, size_t len);
void exec_child_line(void *ctx, const char *line, size_t len);
void exec_succeed(struct exec *e, struct buf *result, const char *content_type);
void exec_fail(struct exec *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void exec_requeue(struct exec *e, const char *detail);
void exec_abort(struct sched *s, struct exec *e);
struct exec *exec_find(struct sched *s, const char *id);
void exec_poll_fds(struct exec *e, struct pollset *ps);
void exec_on_fd(struct sched *s, struct exec *e, int fd, short revents);
void exec_tick(struct sched *s, struct exec *e, int64_t now);
int64_t exec_next_deadline(const struct exec *e);
bool exec_released(struct exec *e, int64_t now);
void exec_on_reaped(struct sched *s, pid_t pid, int status);
void exec_free(struct exec *e);
/* Mark the task as having reached its device, before it does: 1 marked, 0 task gone, -1 db down. */
int exec_mark_reached(struct sched *s, struct exec *e);

/* driver_proc.c: simulator, command and compile children */
int proc_start(struct sched *s, struct exec *e, char *const argv[]);
int proc_start_sim(struct sched *s, struct exec *e);
void proc_tick(struct sched *s, struct exec *e, int64_t now);
void proc_shutdown(struct exec *e);

/* driver_lucidac.c */
int luci_start(struct sched *s, struct exec *e);
void luci_poll_fds(struct exec *e, struct pollset *ps);
void luci_on_fd(struct sched *s, struct exec *e, short revents);
void luci_tick(struct sched *s, struct exec *e, int64_t now);
int64_t luci_next_deadline(const struct exec *e);
void luci_abort(struct exec *e);
void luci_shutdown(struct sched *s, struct exec *e, bool forced);
void luci_free(struct exec *e);

/* store.c */
void store_flush_logs(struct sched *s, struct exec *e, int64_t now, bool force);
/* 0 stored (or nothing left to store), -1 database unavailable: retry. */
int store_outcome(struct sched *s, struct exec *e);
void store_heartbeat(struct sched *s);

/* rescue.c */
void rescue_stale(struct sched *s);

/* loop.c */
int sched_run(struct sched *s);
void sched_request_stop(struct sched *s);

#endif
