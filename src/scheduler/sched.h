/*
 * sched: the scheduler process and its upper layers.
 *
 *   struct sched    the process: configuration, the database session,
 *                   devices, compile backends, executions, timers, shutdown
 *   struct slot     one configured device: its advisory lock, availability,
 *                   probe, and the single execution it may run
 *   struct backend  one compile queue ('compile:<CLASS>') and its concurrency
 *
 * Layers, each calling only downward (loop.c is the only file that routes
 * between modules of one layer):
 *
 *   main.c                         start-up
 *   loop.c                         poll loop, signals, timers, routing
 *   registry.c  claim.c  store.c  rescue.c
 *   probe.c                        availability, through the drivers
 *   slot.c                         a device slot's availability
 *   drivers.c                      driver name -> ops table
 *   driver_sim.c driver_command.c driver_lucidac.c  (driver_child.c)
 *   exec.c                         a running task; drivers via ops only
 *   session.c                      connection, LISTEN, notifications
 *   pollset child net jsonl lucidac_proto text clock   (+ common/buf)
 *
 * Each module keeps its SQL beside it; main.c hands the sets to db_init.
 */
#ifndef ACLOUD_SCHED_H
#define ACLOUD_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "common/config.h"
#include "db/db.h"
#include "scheduler/exec.h"
#include "scheduler/pollset.h"
#include "scheduler/session.h"

#define SCHED_QUEUE_MAX         80 /* "device:" + 64-char name */
#define SCHED_ME_MAX            160
#define SCHED_PROBE_INTERVAL_MS 10000

struct probe;

struct slot {
	struct slot *next;
	char *name;
	char queue[SCHED_QUEUE_MAX];
	const struct device_config *cfg; /* in s->devs; re-pointed on reload */
	bool locked;                     /* advisory lock held on the current connection */
	bool available;                  /* last probe result */
	bool available_unsaved;          /* a verdict not yet in the devices table */
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
	struct session session;
	struct exec_env env; /* what every exec shares: session, me, exe_dir */
	bool registry_dirty; /* devices table needs the registry */
	struct slot *slots;
	struct backend backends[DEVICE_CLASS_COUNT];
	struct exec *execs;
	int sigfd;
	bool stopping;
	int64_t stop_deadline_ms;
	bool stop_forced;
	int64_t next_poll_ms, next_heartbeat_ms, next_rescue_ms;
	int64_t next_boundary_ms; /* the next start or end of a reservation */
	bool boundary_stale;      /* reservations changed: ask again */
};

/* slot.c: the one place a slot's availability changes. */
void slot_set_available(struct slot *slot, bool available);

/* probe.c */
void probe_tick(struct sched *s, int64_t now);
void probe_poll_fds(struct sched *s, struct pollset *ps);
void probe_on_fd(struct probe *p, short revents);
int64_t probe_next_deadline(const struct sched *s);
void probe_free(struct probe *p);

/* registry.c */
extern const struct db_statement registry_statements[];
int registry_apply(struct sched *s, struct devices_config *cfg);
void registry_write(struct sched *s);
void registry_locks(struct sched *s);
void registry_locks_lost(struct sched *s);
/* Write the verdicts on the devices this scheduler drives to the devices table. */
void registry_sync_available(struct sched *s);
void registry_want_queue(struct sched *s, const char *queue);
/* When the next reservation starts or ends (INT64_MAX: none), on now_ms()'s clock. */
int64_t registry_next_boundary(struct sched *s, int64_t now);
void registry_want_all(struct sched *s);
void registry_retire_idle(struct sched *s);
void registry_free(struct sched *s);

/* claim.c */
extern const struct db_statement claim_statements[];
void dispatch(struct sched *s);
/* Whether a device or backend could claim right now (the loop must not sleep). */
bool dispatch_ready(const struct sched *s);
/* The queue whose next task the finish of e may claim, or NULL. */
const char *dispatch_successor_queue(const struct sched *s, const struct exec *e);
/* e, of a slot, is released: the slot runs its successor or is free. */
void dispatch_released(struct sched *s, struct exec *e);

/* store.c */
extern const struct db_statement store_statements[];
void store_flush_logs(struct sched *s, struct exec *e, int64_t now, bool force);
/* Store e's outcome; with successor_queue, claim that queue's next task
 * into e->successor in the same statement.  0 stored (or nothing left to
 * store), -1 database unavailable: retry. */
int store_outcome(struct sched *s, struct exec *e, const char *successor_queue);
void store_heartbeat(struct sched *s);

/* rescue.c */
extern const struct db_statement rescue_statements[];
void rescue_stale(struct sched *s);

/* loop.c */
int sched_run(struct sched *s);
void sched_request_stop(struct sched *s);

#endif
