/*
 * claim: turning queued tasks into executions.  A device slot claims when
 * it holds the device's advisory lock, the device is available, it runs
 * nothing and its queue may hold work (a NOTIFY named it, or the poll tick
 * came).  A compile backend claims up to its concurrency.  The claim is one
 * statement (session.c: UPDATE ... FROM (SELECT ... FOR UPDATE SKIP LOCKED)
 * with the inprogress history entry and the input blob in the same round
 * trip), so a concurrent cancel and a claim never both win.
 */
#include "autoconfig.h"

#include <string.h>

#include "common/log.h"
#include "scheduler/sched.h"

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
		goto fail;
	}
	if (PQntuples(res) == 0) {
		rc = 0;
		goto fail;
	}
	*out = exec_new(PQgetvalue(res, 0, 0), kind);
	if (*out == NULL)
		goto fail;
	if (!PQgetisnull(res, 0, 1) &&
	    buf_append(&(*out)->input, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1)) != 0) {
		exec_fail(*out, "out of memory reading the task input");
	}
	log_debug("claimed task %s from %s", (*out)->id, queue);
	rc = 1;
fail:
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

static void dispatch_slot(struct sched *s, struct slot *slot)
{
	struct exec *e = NULL;
	int rc;

	if (!slot->wanted || !slot->locked || !slot->available || slot->retiring || slot->exec != NULL)
		return;
	rc = claim(s, "claim_device", slot->queue, slot_kind(slot), &e);
	if (rc <= 0) {
		slot->wanted = rc < 0;
		return;
	}
	e->slot = slot;
	slot->exec = e;
	adopt(s, e);
}

static void dispatch_backend(struct sched *s, int cls)
{
	struct backend *b = &s->backends[cls];

	while (b->configured && b->wanted && b->running < s->devs->compilers[cls].concurrency &&
	       s->session_up) {
		struct exec *e = NULL;
		int rc = claim(s, "claim_compile", b->queue, EXEC_COMPILE, &e);

		if (rc <= 0) {
			b->wanted = rc < 0;
			return;
		}
		e->backend = cls;
		b->running++;
		adopt(s, e);
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
