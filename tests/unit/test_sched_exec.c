/*
 * Unit tests of src/scheduler/exec.c: an exec driven by a fake driver (a
 * driver_ops table defined here: no process, no socket, and a session
 * that stays down, so no database).  Each test plays one life of a task
 * and checks the exec's state, its outcome and which driver calls it made.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "scheduler/exec.h"

#define FAKE_FD 42

/* What the fake driver does when its fd is ready, and what it saw. */
enum fake_action {
	FAKE_SUCCEED,
	FAKE_FAIL,
	FAKE_REQUEUE,
	FAKE_DEVICE_DOWN
};
struct fake {
	enum fake_action on_ready;
	int start_rc;
	int starts, readables, ticks, aborts, shutdowns, frees;
	bool forced;
	bool released_ok;
};

static int fake_start(struct exec *e, const struct exec_setup *setup)
{
	struct fake *f = e->drv;

	(void)setup;
	f->starts++;
	if (f->start_rc != 0)
		exec_fail(e, "cannot start the fake");
	return f->start_rc;
}

static int fake_poll_fds(const struct exec *e, struct pollfd *pfd, int max)
{
	(void)e;
	if (max < 1)
		return 0;
	pfd[0] = (struct pollfd){ .fd = FAKE_FD, .events = POLLIN };
	return 1;
}

static void fake_on_readable(struct exec *e, int fd, short revents)
{
	struct fake *f = e->drv;
	struct buf result = { 0 };

	cr_assert_eq(fd, FAKE_FD);
	cr_assert(revents & POLLIN);
	f->readables++;
	switch (f->on_ready) {
	case FAKE_SUCCEED:
		cr_assert_eq(buf_append_str(&result, "[[1.0]]"), 0);
		exec_succeed(e, &result, "application/json");
		buf_free(&result); /* taken over unless an outcome came first */
		break;
	case FAKE_FAIL:
		exec_fail(e, "device said %s", "no");
		break;
	case FAKE_REQUEUE:
		exec_requeue(e, "requeued: the fake went away");
		break;
	case FAKE_DEVICE_DOWN:
		exec_requeue(e, "requeued: the device could not be reached");
		exec_report(e, EXEC_EVENT_DEVICE_DOWN);
		break;
	}
}

static void fake_tick(struct exec *e, int64_t now)
{
	struct fake *f = e->drv;

	f->ticks++;
	if (e->state == EXEC_RUNNING && exec_past_deadline(e, now))
		exec_fail(e, "timed out after %d s", e->timeout_s);
}

static int64_t fake_next_deadline(const struct exec *e, int64_t now)
{
	(void)now;
	return e->state == EXEC_RUNNING ? e->deadline_ms : INT64_MAX;
}

static void fake_abort(struct exec *e)
{
	((struct fake *)e->drv)->aborts++;
}

static void fake_shutdown(struct exec *e, bool forced)
{
	struct fake *f = e->drv;

	f->shutdowns++;
	f->forced = forced;
	if (forced)
		exec_requeue(e, "requeued: the scheduler shut down");
}

static bool fake_release(struct exec *e, int64_t now)
{
	(void)now;
	return ((struct fake *)e->drv)->released_ok;
}

static bool fake_reaped(struct exec *e, pid_t pid, int status, long maxrss_kb)
{
	(void)e;
	(void)status;
	(void)maxrss_kb;
	return pid == 4242;
}

static void fake_free(struct exec *e)
{
	((struct fake *)e->drv)->frees++;
}

static const struct driver_ops fake_driver = {
	.name = "fake",
	.start = fake_start,
	.poll_fds = fake_poll_fds,
	.on_readable = fake_on_readable,
	.tick = fake_tick,
	.next_deadline = fake_next_deadline,
	.abort = fake_abort,
	.shutdown = fake_shutdown,
	.release = fake_release,
	.reaped = fake_reaped,
	.free = fake_free,
	.probe = NULL,
};

static struct session down_session; /* never connected: statements return NULL */
static const struct exec_env env = { .session = &down_session, .me = "test/1.0", .exe_dir = NULL };
static struct fake fake;

/* A started exec with a 5 s timeout on device "dev1". */
static struct exec *started(void)
{
	const struct exec_setup setup = { .device_name = "dev1", .timeout_s = 5 };
	struct exec *e = exec_new("0b0e2c9a-6f1d-4d8e-9b7a-1c2d3e4f5a6b", &env);

	cr_assert_not_null(e);
	memset(&fake, 0, sizeof(fake));
	fake.released_ok = true;
	e->drv = &fake;
	exec_start(e, &fake_driver, &setup);
	return e;
}

static void finish(struct exec *e)
{
	exec_free(e);
	cr_assert_eq(fake.frees, 1, "the driver's data is freed once");
}

Test(sched_exec, start_runs_the_driver_and_sets_the_deadline)
{
	struct exec *e = started();

	cr_assert_eq(fake.starts, 1);
	cr_assert_eq(e->state, EXEC_RUNNING);
	cr_assert_eq(e->timeout_s, 5);
	cr_assert_eq(e->deadline_ms, e->started_ms + 5000);
	cr_assert_str_eq(e->device, "dev1");
	cr_assert(strstr(e->log.data, "scheduler test/1.0: running on device dev1") != NULL);
	finish(e);
}

Test(sched_exec, readable_success_stores_the_result)
{
	struct exec *e = started();
	struct pollset ps = { .n = 0 };

	exec_poll_fds(e, &ps);
	cr_assert_eq(ps.n, 1);
	cr_assert_eq(ps.pfd[0].fd, FAKE_FD);
	cr_assert_eq(ps.w[0].kind, WATCH_EXEC);
	cr_assert_eq(ps.w[0].obj, e);
	exec_on_readable(e, FAKE_FD, POLLIN);
	cr_assert_eq(fake.readables, 1);
	cr_assert_eq(e->state, EXEC_DONE);
	cr_assert_eq(e->outcome, OUTCOME_SUCCEEDED);
	cr_assert_str_eq(e->result.data, "[[1.0]]");
	cr_assert_str_eq(e->result_type, "application/json");
	cr_assert(exec_change_state(e, EXEC_FINISHED));
	cr_assert(exec_release(e, 0));
	finish(e);
}

Test(sched_exec, failure_keeps_the_message_and_logs_it)
{
	struct exec *e = started();

	fake.on_ready = FAKE_FAIL;
	exec_on_readable(e, FAKE_FD, POLLIN);
	cr_assert_eq(e->state, EXEC_DONE);
	cr_assert_eq(e->outcome, OUTCOME_FAILED);
	cr_assert_str_eq(e->error, "device said no");
	cr_assert(strstr(e->log.data, "failed: device said no\n") != NULL);
	finish(e);
}

Test(sched_exec, first_outcome_wins)
{
	struct exec *e = started();
	struct buf late = { 0 };

	fake.on_ready = FAKE_FAIL;
	exec_on_readable(e, FAKE_FD, POLLIN);
	cr_assert_eq(buf_append_str(&late, "[]"), 0);
	exec_succeed(e, &late, "application/json");
	exec_requeue(e, "requeued: too late");
	cr_assert_eq(e->outcome, OUTCOME_FAILED);
	cr_assert_null(e->result.data);
	cr_assert_null(e->detail);
	buf_free(&late);
	finish(e);
}

Test(sched_exec, requeue_before_the_device_saw_the_task)
{
	struct exec *e = started();

	fake.on_ready = FAKE_DEVICE_DOWN;
	exec_on_readable(e, FAKE_FD, POLLIN);
	cr_assert_eq(e->state, EXEC_DONE);
	cr_assert_eq(e->outcome, OUTCOME_REQUEUE);
	cr_assert_str_eq(e->detail, "requeued: the device could not be reached");
	cr_assert_eq(exec_take_events(e), EXEC_EVENT_DEVICE_DOWN);
	cr_assert_eq(exec_take_events(e), 0, "an event is taken once");
	finish(e);
}

Test(sched_exec, requeue_after_the_device_saw_the_task_fails)
{
	struct exec *e = started();

	e->reached = true;
	fake.on_ready = FAKE_REQUEUE;
	exec_on_readable(e, FAKE_FD, POLLIN);
	cr_assert_eq(e->outcome, OUTCOME_FAILED);
	cr_assert_str_eq(e->error, "requeued: the fake went away");
	finish(e);
}

Test(sched_exec, abort_while_running_stops_the_driver_and_drops_the_log)
{
	struct exec *e = started();

	cr_assert_gt(e->log.len, 0);
	exec_abort(e);
	cr_assert_eq(e->state, EXEC_ABORTING);
	cr_assert_eq(fake.aborts, 1);
	cr_assert_eq(e->log.len, 0, "nothing of a deleted task is stored");
	exec_abort(e);
	cr_assert_eq(fake.aborts, 1, "a second abort does nothing");
	exec_on_readable(e, FAKE_FD, POLLIN);
	cr_assert_eq(e->state, EXEC_ABORTING, "an outcome after the abort is ignored");
	fake.released_ok = false;
	cr_assert_not(exec_release(e, 0), "the driver still holds something");
	fake.released_ok = true;
	cr_assert(exec_release(e, 0));
	finish(e);
}

Test(sched_exec, abort_after_the_outcome_finishes_without_the_driver)
{
	struct exec *e = started();

	exec_on_readable(e, FAKE_FD, POLLIN);
	exec_abort(e);
	cr_assert_eq(e->state, EXEC_FINISHED);
	cr_assert_eq(fake.aborts, 0);
	finish(e);
}

Test(sched_exec, deadline_and_timeout)
{
	struct exec *e = started();
	int64_t deadline = e->deadline_ms;

	cr_assert_eq(exec_next_deadline(e, e->started_ms), e->log_first_ms + EXEC_LOG_FLUSH_MS,
	             "the start line waits to be flushed");
	buf_reset(&e->log);
	cr_assert_eq(exec_next_deadline(e, e->started_ms), deadline);
	exec_tick(e, deadline - 1);
	cr_assert_eq(e->state, EXEC_RUNNING);
	exec_tick(e, deadline);
	cr_assert_eq(fake.ticks, 2);
	cr_assert_eq(e->state, EXEC_DONE);
	cr_assert_eq(e->outcome, OUTCOME_FAILED);
	cr_assert_str_eq(e->error, "timed out after 5 s");
	finish(e);
}

Test(sched_exec, pending_log_lines_wake_the_loop_to_flush)
{
	struct exec *e = started();

	exec_abort(e); /* the driver has no deadline any more */
	cr_assert_eq(exec_next_deadline(e, 0), INT64_MAX);
	exec_log(e, "a line");
	cr_assert_eq(exec_next_deadline(e, 0), e->log_first_ms + EXEC_LOG_FLUSH_MS);
	finish(e);
}

Test(sched_exec, failed_start_is_an_outcome)
{
	const struct exec_setup setup = { .device_name = "dev1", .timeout_s = 5 };
	struct exec *e = exec_new("0b0e2c9a-6f1d-4d8e-9b7a-1c2d3e4f5a6b", &env);

	memset(&fake, 0, sizeof(fake));
	fake.start_rc = -1;
	e->drv = &fake;
	exec_start(e, &fake_driver, &setup);
	cr_assert_eq(e->state, EXEC_DONE);
	cr_assert_eq(e->outcome, OUTCOME_FAILED);
	cr_assert_str_eq(e->error, "cannot start the fake");
	finish(e);
}

Test(sched_exec, forced_shutdown_goes_through_the_driver)
{
	struct exec *e = started();

	exec_shutdown(e, false);
	cr_assert_eq(e->state, EXEC_RUNNING);
	exec_shutdown(e, true);
	cr_assert_eq(fake.shutdowns, 2);
	cr_assert(fake.forced);
	cr_assert_eq(e->outcome, OUTCOME_REQUEUE);
	finish(e);
}

Test(sched_exec, reaped_children_are_matched_by_the_driver)
{
	struct exec *e = started();

	cr_assert(exec_reaped(e, 4242, 0, 0));
	cr_assert_not(exec_reaped(e, 1, 0, 0));
	finish(e);
}

Test(sched_exec, state_changes_only_forward)
{
	struct exec *e = started();

	cr_assert_not(exec_change_state(e, EXEC_RUNNING));
	cr_assert(exec_change_state(e, EXEC_FINISHED), "a task gone before it started");
	cr_assert_not(exec_change_state(e, EXEC_DONE));
	cr_assert_not(exec_change_state(e, EXEC_ABORTING));
	finish(e);
}

Test(sched_exec, marking_reached_needs_the_session)
{
	struct exec *e = started();

	cr_assert_eq(exec_mark_reached(e), -1, "a session that is down runs nothing");
	cr_assert_not(e->reached);
	finish(e);
}
