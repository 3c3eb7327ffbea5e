/*
 * loop: the scheduler's one thread.  Each turn: keep the database session,
 * run the timers (poll tick, heartbeats, rescue, probes, shutdown
 * deadline), handle notifications, claim, move executions along (timeouts,
 * outcomes, logs, release), then poll on everything: the signalfd, the
 * database socket, the children's pipes, the device sockets.  Nothing in
 * here waits for a child or a device; the database round trips are the
 * only waits, and they are short.
 *
 * The loop is the one place that routes between modules: what the session
 * reports (a new or lost session, notifications), the events drivers
 * report on their execs (a device that could not be reached), the
 * successor a finish may claim, and the end of an exec.
 */
#include "autoconfig.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "scheduler/clock.h"
#include "scheduler/sched.h"

#define STOP_STORE_GRACE_MS 5000

static void reload(struct sched *s)
{
	char err[CONFIG_ERR_MAX];
	struct devices_config *cfg = NULL;

	if (devices_config_load(s->app->devices_path, &cfg, err) != CONFIG_OK) {
		log_error("reload: %s; keeping the last good devices", err);
		return;
	}
	log_info("reload: %s", s->app->devices_path);
	if (registry_apply(s, cfg) != 0)
		log_error("reload: out of memory");
}

static void shutdown_execs(struct sched *s, bool forced)
{
	for (struct exec *e = s->execs; e != NULL; e = e->next)
		exec_shutdown(e, forced);
}

void sched_request_stop(struct sched *s)
{
	int64_t now = now_ms();

	if (s->stopping) {
		log_info("second stop signal: stopping the running tasks now");
		s->stop_deadline_ms = now;
		return;
	}
	s->stopping = true;
	s->stop_deadline_ms = now + (int64_t)s->app->shutdown_timeout_s * 1000;
	log_info("stopping: no new tasks; waiting up to %d s for running ones",
	         s->app->shutdown_timeout_s);
	shutdown_execs(s, false);
}

static void reap_children(struct sched *s)
{
	struct rusage ru;
	int status;
	pid_t pid;

	while ((pid = wait4(-1, &status, WNOHANG, &ru)) > 0)
		for (struct exec *e = s->execs; e != NULL; e = e->next)
			if (exec_reaped(e, pid, status, ru.ru_maxrss))
				break;
}

static void on_signal(struct sched *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap_children(s);
			break;
		case SIGHUP:
			reload(s);
			break;
		case SIGTERM:
		case SIGINT:
			sched_request_stop(s);
			break;
		default:
			break;
		}
	}
}

static void timers(struct sched *s, int64_t now)
{
	if (now >= s->next_poll_ms) {
		s->next_poll_ms = now + s->app->poll_ms;
		registry_want_all(s);
		registry_locks(s);
		registry_write(s);
	}
	if (now >= s->next_heartbeat_ms && s->session.up) {
		s->next_heartbeat_ms = now + (int64_t)s->app->heartbeat_s * 1000;
		store_heartbeat(s);
	}
	if (now >= s->next_rescue_ms && s->session.up) {
		int64_t half = (int64_t)s->app->lease_s * 500;

		s->next_rescue_ms = now + (half < 1000 ? 1000 : half);
		rescue_stale(s);
	}
	if (s->session.up && (s->boundary_stale || now >= s->next_boundary_ms)) {
		/* A reservation started or ended: every device may claim again. */
		if (!s->boundary_stale)
			registry_want_all(s);
		s->boundary_stale = false;
		s->next_boundary_ms = registry_next_boundary(s, now);
	}
	probe_tick(s, now);
	if (s->stopping && !s->stop_forced && now >= s->stop_deadline_ms) {
		s->stop_forced = true;
		log_warn("shutdown timeout: stopping the running tasks");
		shutdown_execs(s, true);
	}
}

/* What the session saw: a lost session took the device locks with it. */
static void on_session_change(struct sched *s, enum session_change change)
{
	if (change == SESSION_SAME)
		return;
	registry_locks_lost(s);
	if (change == SESSION_LOST)
		return;
	registry_write(s);
	registry_locks(s);
	registry_want_all(s);
	s->boundary_stale = true;
	s->next_heartbeat_ms = 0; /* before any rescue: our leases may be old */
}

static struct exec *exec_find(struct sched *s, const char *id)
{
	for (struct exec *e = s->execs; e != NULL; e = e->next)
		if (strcmp(e->id, id) == 0)
			return e;
	return NULL;
}

/* Notifications: a queue worth a claim, or a task deleted while it runs.
 * True when there were any. */
static bool route_notices(struct sched *s)
{
	struct session_notice n;
	bool any = false;

	while (session_next_notice(&s->session, &n)) {
		struct exec *e;

		any = true;
		if (n.kind == NOTICE_QUEUE) {
			registry_want_queue(s, n.payload);
			continue;
		}
		if (n.kind == NOTICE_RESERVATION) {
			registry_want_queue(s, n.payload);
			s->boundary_stale = true;
			continue;
		}
		e = exec_find(s, n.payload);
		if (e != NULL) {
			log_info("task %s deleted while in progress: aborting", e->id);
			exec_abort(e);
		}
	}
	return any;
}

/* The events the drivers reported on e. */
static void route_events(struct exec *e, int64_t now)
{
	unsigned events = exec_take_events(e);

	if ((events & EXEC_EVENT_DEVICE_DOWN) && e->slot != NULL) {
		e->slot->next_probe_ms = now + SCHED_PROBE_INTERVAL_MS;
		slot_set_available(e->slot, false);
	}
}

static void exec_unlink(struct sched *s, struct exec *e)
{
	struct exec **pp = &s->execs;

	while (*pp != e)
		pp = &(*pp)->next;
	*pp = e->next;
	if (e->slot != NULL)
		dispatch_released(s, e);
	if (e->backend >= 0) {
		s->backends[e->backend].running--;
		s->backends[e->backend].wanted = true;
	}
	exec_free(e);
}

static void progress(struct sched *s, int64_t now)
{
	struct exec *e = s->execs;

	while (e != NULL) {
		struct exec *next = e->next;

		exec_tick(e, now);
		route_events(e, now);
		if (e->state == EXEC_RUNNING)
			store_flush_logs(s, e, now, false);
		if (e->state == EXEC_DONE &&
		    store_outcome(s, e, dispatch_successor_queue(s, e)) == 0)
			exec_change_state(e, EXEC_FINISHED);
		if ((e->state == EXEC_FINISHED || e->state == EXEC_ABORTING) &&
		    exec_release(e, now))
			exec_unlink(s, e);
		e = next;
	}
}

static int64_t next_wakeup(const struct sched *s, int64_t now)
{
	int64_t next = s->next_poll_ms;

	if (s->session.up && s->next_heartbeat_ms < next)
		next = s->next_heartbeat_ms;
	if (s->session.up && s->next_rescue_ms < next)
		next = s->next_rescue_ms;
	if (s->session.up && (s->boundary_stale || s->next_boundary_ms < next))
		next = s->boundary_stale ? now : s->next_boundary_ms;
	if (!s->session.up && s->session.next_connect_ms < next)
		next = s->session.next_connect_ms;
	if (probe_next_deadline(s) < next)
		next = probe_next_deadline(s);
	if (s->stopping && s->stop_deadline_ms < next)
		next = s->stop_deadline_ms;
	for (const struct exec *e = s->execs; e != NULL; e = e->next) {
		int64_t d = exec_next_deadline(e, now);

		if (d < next)
			next = d;
	}
	return next;
}

static void build_pollset(struct sched *s, struct pollset *ps)
{
	ps->n = 0;
	pollset_add(ps, s->sigfd, POLLIN, WATCH_SIGNAL, NULL);
	pollset_add(ps, session_fd(&s->session), POLLIN, WATCH_DB, NULL);
	for (struct exec *e = s->execs; e != NULL; e = e->next)
		exec_poll_fds(e, ps);
	probe_poll_fds(s, ps);
}

static bool exec_listed(const struct sched *s, const void *obj)
{
	for (const struct exec *e = s->execs; e != NULL; e = e->next)
		if (e == obj)
			return true;
	return false;
}

static bool probe_listed(const struct sched *s, const void *obj)
{
	for (const struct slot *slot = s->slots; slot != NULL; slot = slot->next)
		if (slot->probe == obj)
			return true;
	return false;
}

static void handle_events(struct sched *s, struct pollset *ps)
{
	for (int i = 0; i < ps->n; i++) {
		short rev = ps->pfd[i].revents;

		if (rev == 0)
			continue;
		switch (ps->w[i].kind) {
		case WATCH_SIGNAL:
			on_signal(s);
			break;
		case WATCH_DB:
			session_on_readable(&s->session);
			route_notices(s);
			break;
		case WATCH_EXEC:
			/* an earlier event of this turn may have finished it */
			if (exec_listed(s, ps->w[i].obj))
				exec_on_readable(ps->w[i].obj, ps->pfd[i].fd, rev);
			break;
		case WATCH_PROBE:
			if (probe_listed(s, ps->w[i].obj))
				probe_on_fd(ps->w[i].obj, rev);
			break;
		}
	}
}

static bool finished(struct sched *s, int64_t now)
{
	if (!s->stopping)
		return false;
	if (s->execs == NULL)
		return true;
	if (s->stop_forced && now >= s->stop_deadline_ms + STOP_STORE_GRACE_MS) {
		log_warn(
			"leaving with outcomes not stored; the lease rescue will handle those tasks");
		return true;
	}
	return false;
}

int sched_run(struct sched *s)
{
	static struct pollset ps;

	for (;;) {
		int64_t now = now_ms();
		int64_t timeout;

		on_session_change(s, session_maintain(&s->session, now));
		timers(s, now);
		route_notices(s);
		dispatch(s);
		progress(s, now_ms());
		registry_sync_available(s);
		registry_retire_idle(s);
		if (finished(s, now_ms()))
			break;
		build_pollset(s, &ps);
		/* A notification that came with a reply, or a device freed by
		 * progress(): claim before sleeping. */
		now = now_ms();
		timeout = route_notices(s) || dispatch_ready(s) ? 0 : next_wakeup(s, now) - now;
		if (timeout < 0)
			timeout = 0;
		if (poll(ps.pfd, (nfds_t)ps.n, (int)(timeout > 60000 ? 60000 : timeout)) < 0 &&
		    errno != EINTR) {
			log_error("poll: %s", strerror(errno));
			return -1;
		}
		handle_events(s, &ps);
	}
	log_info("stopped");
	return 0;
}
