/*
 * claim: turning queued tasks into executions.  A device slot claims when
 * it holds the device's advisory lock, the device is available, it runs
 * nothing and its queue may hold work (a NOTIFY named it, or the poll tick
 * came).  A compile backend claims up to its concurrency.  The claim is one
 * statement (session.c: UPDATE ... FROM (SELECT ... FOR UPDATE SKIP LOCKED)
 * with the inprogress history entry and the input blob in the same round
 * trip), so a concurrent cancel and a claim never both win.  An exec
 * starts with its device's driver (drivers.c) or the compile driver.
 *
 * A device that finishes a task claims its next one in the statement that
 * stores the outcome (store.c), so a busy device costs one round trip and
 * one commit per task; the loop hands the claimed successor back here
 * (dispatch_released), and the next task starts when the finished one has let
 * go of its process or connection, and an empty answer stands until the
 * next NOTIFY or poll tick, as after a claim.
 */
#include "autoconfig.h"

#include <string.h>

#include "common/log.h"
#include "scheduler/claim_sql.h"
#include "scheduler/drivers.h"
#include "scheduler/sched.h"

const struct db_statement claim_statements[] = {
	/* One task at a time per device, even across schedulers. */
	{ "claim_device",
	  CLAIM_SQL("AND NOT EXISTS (SELECT 1 FROM tasks r"
	            " WHERE r.queue = $1 AND r.state = 'inprogress')" CLAIM_DEVICE_RULES("$1")) },
	{ "claim_compile", CLAIM_SQL("") },
	{ NULL, NULL },
};

/* 1 claimed (*out set), 0 queue empty, -1 database trouble. */
static int claim(struct sched *s, const char *stmt, const char *queue, struct exec **out)
{
	char detail[SCHED_ME_MAX + 16];
	const char *params[3] = { queue, s->me, detail };
	PGresult *res;
	int rc = -1;

	snprintf(detail, sizeof(detail), "scheduler %s", s->me);
	res = session_exec_bin(&s->session, stmt, 3, params, NULL, NULL, 1);
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
	if ((*out = exec_claimed(&s->env, res, 0)) == NULL)
		goto out;
	log_debug("claimed task %s from %s", (*out)->id, queue);
	rc = 1;
out:
	PQclear(res);
	return rc;
}

static void adopt(struct sched *s, struct exec *e, const struct driver_ops *ops,
                  const struct exec_setup *setup)
{
	e->next = s->execs;
	s->execs = e;
	exec_start(e, ops, setup);
}

static void adopt_on_slot(struct sched *s, struct slot *slot, struct exec *e)
{
	const struct exec_setup setup = {
		.device_name = slot->name,
		.device = slot->cfg,
		.timeout_s = slot->cfg->timeout_s,
		.sandbox = &slot->cfg->sandbox,
		.devices = s->devs,
	};

	e->slot = slot;
	slot->exec = e;
	adopt(s, e, driver_for(slot->cfg->driver), &setup);
}

static void adopt_on_backend(struct sched *s, int cls, struct exec *e)
{
	const struct exec_setup setup = {
		.compile_class = device_class_name((enum device_class)cls),
		.compiler = &s->devs->compilers[cls],
		.timeout_s = s->devs->compilers[cls].timeout_s,
		.sandbox = &s->devs->compilers[cls].sandbox,
		.devices = s->devs,
	};

	e->backend = cls;
	s->backends[cls].running++;
	adopt(s, e, &compile_driver, &setup);
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
	rc = claim(s, "claim_device", slot->queue, &e);
	if (rc <= 0) {
		slot->wanted = false; /* empty, or an error: the poll tick retries */
		return;
	}
	adopt_on_slot(s, slot, e);
}

static void dispatch_backend(struct sched *s, int cls)
{
	struct backend *b = &s->backends[cls];

	while (backend_ready(s, cls) && s->session.up) {
		struct exec *e = NULL;
		int rc = claim(s, "claim_compile", b->queue, &e);

		if (rc <= 0) {
			b->wanted = false;
			return;
		}
		adopt_on_backend(s, cls, e);
	}
}

const char *dispatch_successor_queue(const struct sched *s, const struct exec *e)
{
	if (s->stopping || !s->session.up || e->slot == NULL || !slot_claimable(e->slot))
		return NULL;
	return e->slot->queue;
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
	for (struct slot *slot = s->slots; slot != NULL && s->session.up; slot = slot->next)
		dispatch_slot(s, slot);
	for (int c = 0; c < DEVICE_CLASS_COUNT && s->session.up; c++)
		dispatch_backend(s, c);
}

bool dispatch_ready(const struct sched *s)
{
	if (s->stopping || !s->session.up)
		return false;
	for (const struct slot *slot = s->slots; slot != NULL; slot = slot->next)
		if (slot_ready(slot))
			return true;
	for (int c = 0; c < DEVICE_CLASS_COUNT; c++)
		if (backend_ready(s, c))
			return true;
	return false;
}
