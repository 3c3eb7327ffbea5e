/*
 * claim: turning queued tasks into executions.  A device slot claims when
 * it holds the device's advisory lock, the device is available, it runs
 * nothing and its queue may hold work (a NOTIFY named it, or the poll tick
 * came).  A compile backend claims up to its concurrency.  The claim is one
 * statement (session.c: UPDATE ... FROM (SELECT ... FOR UPDATE SKIP LOCKED)
 * with the inprogress history entry and the input blob in the same round
 * trip), so a concurrent cancel and a claim never both win.
 *
 * A device that finishes a task claims its next one in the statement that
 * stores the outcome (store.c), so a busy device costs one round trip and
 * one commit per task; the next task starts when the finished one has let
 * go of its process or connection, and an empty answer stands until the
 * next NOTIFY or poll tick, as after a claim.
 */
#include "autoconfig.h"

#include <string.h>

#include "common/log.h"
#include "scheduler/sched.h"

/* The exec of a claimed row: columns col (id) and col + 1 (input blob). */
static struct exec *claimed_exec(PGresult *res, int col, enum exec_kind kind)
{
	struct exec *e = exec_new(PQgetvalue(res, 0, col), kind);

	if (e == NULL)
		return NULL;
	if (!PQgetisnull(res, 0, col + 1) && buf_append(&e->input, PQgetvalue(res, 0, col + 1),
	                                                (size_t)PQgetlength(res, 0, col + 1)) != 0)
		exec_fail(e, "out of memory reading the task input");
	return e;
}

/* 1 claimed (*out set), 0 queue empty, -1 database trouble. */
static int claim(struct sched *s, const char *stmt, const char *queue, enum exec_kind kind,
                 struct exec **out)
{
	char detail[SCHED_ME_MAX + 16];
	const char *params[3] = { queue, s->me, detail };
	PGresult *res;
	int rc = -1;

	snprintf(detail, sizeof(detail), "scheduler %s", s->me);
	res = session_exec_bin(s, stmt, 3, params, NULL, NULL, 1);
	if (res == NULL)
		return -1;
	if (!db_result_ok(res)) {
		log_error("claim on %s: %s", queue, PQresultErrorMessage(res));
		goto out;
	}
	if (PQntuples(res) == 0) {
		rc = 0;
		goto out;
	}
	if ((*out = claimed_exec(res, 0, kind)) == NULL)
		goto out;
	log_debug("claimed task %s from %s", (*out)->id, queue);
	rc = 1;
out:
	PQclear(res);
	return rc;
}

static enum exec_kind slot_kind(const struct slot *slot)
{
	switch (slot->cfg->driver) {
	case DRIVER_LUCIDAC:
		return EXEC_LUCIDAC;
	case DRIVER_COMMAND:
		return EXEC_COMMAND;
	case DRIVER_SIMULATOR:
		break;
	}
	return EXEC_SIMULATOR;
}

static void adopt(struct sched *s, struct exec *e)
{
	e->next = s->execs;
	s->execs = e;
	exec_start(s, e);
}

static void adopt_on_slot(struct sched *s, struct slot *slot, struct exec *e)
{
	e->slot = slot;
	slot->exec = e;
	adopt(s, e);
}

/* The slot may claim, running nothing or not. */
static bool slot_claimable(const struct slot *slot)
{
	return slot->locked && slot->available && !slot->retiring;
}

static bool slot_ready(const struct slot *slot)
{
	return slot->wanted && slot_claimable(slot) && slot->exec == NULL;
}

static bool backend_ready(const struct sched *s, int cls)
{
	const struct backend *b = &s->backends[cls];

	return b->configured && b->wanted && b->running < s->devs->compilers[cls].concurrency;
}

static void dispatch_slot(struct sched *s, struct slot *slot)
{
	struct exec *e = NULL;
	int rc;

	if (!slot_ready(slot))
		return;
	rc = claim(s, "claim_device", slot->queue, slot_kind(slot), &e);
	if (rc <= 0) {
		slot->wanted = false; /* empty, or an error: the poll tick retries */
		return;
	}
	adopt_on_slot(s, slot, e);
}

static void dispatch_backend(struct sched *s, int cls)
{
	struct backend *b = &s->backends[cls];

	while (backend_ready(s, cls) && s->session_up) {
		struct exec *e = NULL;
		int rc = claim(s, "claim_compile", b->queue, EXEC_COMPILE, &e);

		if (rc <= 0) {
			b->wanted = false;
			return;
		}
		e->backend = cls;
		b->running++;
		adopt(s, e);
	}
}

const char *dispatch_successor_queue(const struct sched *s, const struct exec *e)
{
	if (s->stopping || !s->session_up || e->slot == NULL || !slot_claimable(e->slot))
		return NULL;
	return e->slot->queue;
}

void dispatch_successor(struct exec *e, PGresult *res, int col)
{
	e->successor_tried = true;
	if (PQgetisnull(res, 0, col))
		return;
	e->successor = claimed_exec(res, col, slot_kind(e->slot));
	if (e->successor != NULL)
		log_debug("claimed task %s from %s", e->successor->id, e->slot->queue);
}

void dispatch_released(struct sched *s, struct exec *e)
{
	struct slot *slot = e->slot;

	slot->exec = NULL;
	slot->wanted = !e->successor_tried;
	if (e->successor != NULL) {
		adopt_on_slot(s, slot, e->successor);
		e->successor = NULL;
	}
}

void dispatch(struct sched *s)
{
	if (s->stopping)
		return;
	for (struct slot *slot = s->slots; slot != NULL && s->session_up; slot = slot->next)
		dispatch_slot(s, slot);
	for (int c = 0; c < DEVICE_CLASS_COUNT && s->session_up; c++)
		dispatch_backend(s, c);
}

bool dispatch_ready(const struct sched *s)
{
	if (s->stopping || !s->session_up)
		return false;
	for (const struct slot *slot = s->slots; slot != NULL; slot = slot->next)
		if (slot_ready(slot))
			return true;
	for (int c = 0; c < DEVICE_CLASS_COUNT; c++)
		if (backend_ready(s, c))
			return true;
	return false;
}
