/*
 * probe: availability of the devices this scheduler drives, re-checked
 * every 10 s while a device is idle.  Each driver answers for its devices
 * (driver_ops.probe): at once (simulator: always; command: the executable
 * exists and may be executed), or with a request to send over TCP, where
 * any well-formed JSON object in reply counts as alive (lucidac:
 * get_entities).  Such a probe is a small non-blocking state machine owned
 * by its slot.  The verdict goes to the slot (slot_set_available); the
 * registry writes it.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/log.h"
#include "scheduler/drivers.h"
#include "scheduler/jsonl.h"
#include "scheduler/net.h"
#include "scheduler/sched.h"

#define PROBE_TIMEOUT_MS 3000
#define PROBE_LINE_MAX   ((size_t)1 << 20)

struct probe {
	struct slot *slot;
	int fd;
	bool connected;
	char *req;
	size_t req_len, req_off;
	struct jsonl rx;
	int64_t deadline_ms;
};

void probe_free(struct probe *p)
{
	if (p == NULL)
		return;
	if (p->fd >= 0)
		close(p->fd);
	free(p->req);
	jsonl_free(&p->rx);
	free(p);
}

static void probe_done(struct probe *p, bool alive, const char *why)
{
	struct slot *slot = p->slot;

	if (!alive && slot->available)
		log_warn("device %s probe failed: %s", slot->name, why);
	slot->probe = NULL;
	probe_free(p);
	slot_set_available(slot, alive);
}

/* Ask plan's request over TCP; the slot owns the probe until it is done. */
static void probe_ask(struct slot *slot, struct probe_plan *plan, int64_t now)
{
	struct probe *p = calloc(1, sizeof(*p));

	if (p == NULL) {
		free(plan->request);
		return;
	}
	p->slot = slot;
	jsonl_init(&p->rx, PROBE_LINE_MAX);
	p->req = plan->request;
	p->req_len = plan->request_len;
	p->fd = net_connect_start(plan->host, plan->port);
	p->deadline_ms = now + PROBE_TIMEOUT_MS;
	slot->probe = p;
	if (p->fd < 0)
		probe_done(p, false, strerror(errno));
}

static void probe_start(struct sched *s, struct slot *slot, int64_t now)
{
	const struct driver_ops *ops = driver_for(slot->cfg->driver);
	struct probe_plan plan = { 0 };

	switch (ops->probe(slot->cfg, &s->env, &plan)) {
	case PROBE_ALIVE:
		slot_set_available(slot, true);
		break;
	case PROBE_DEAD:
		slot_set_available(slot, false);
		break;
	case PROBE_ASK:
		probe_ask(slot, &plan, now);
		break;
	}
}

void probe_tick(struct sched *s, int64_t now)
{
	for (struct slot *slot = s->slots; slot != NULL; slot = slot->next) {
		if (slot->probe != NULL && now >= slot->probe->deadline_ms)
			probe_done(slot->probe, false, "no answer");
		if (!slot->locked || slot->retiring || slot->exec != NULL || slot->probe != NULL ||
		    now < slot->next_probe_ms)
			continue;
		slot->next_probe_ms = now + SCHED_PROBE_INTERVAL_MS;
		probe_start(s, slot, now);
	}
}

void probe_poll_fds(struct sched *s, struct pollset *ps)
{
	for (struct slot *slot = s->slots; slot != NULL; slot = slot->next) {
		struct probe *p = slot->probe;

		if (p == NULL)
			continue;
		pollset_add(ps, p->fd, (short)(POLLIN | (p->req_off < p->req_len ? POLLOUT : 0)),
		            WATCH_PROBE, p);
	}
}

/* 0 while the probe goes on, -1 when it is over (and freed). */
static int probe_send(struct probe *p)
{
	int err;

	if (!p->connected) {
		err = net_connect_result(p->fd);
		if (err != 0) {
			probe_done(p, false, strerror(err));
			return -1;
		}
		p->connected = true;
	}
	while (p->req_off < p->req_len) {
		ssize_t n = write(p->fd, p->req + p->req_off, p->req_len - p->req_off);

		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0) {
			probe_done(p, false, strerror(errno));
			return -1;
		}
		p->req_off += (size_t)n;
	}
	return 0;
}

static bool is_json_object(const char *line, size_t len)
{
	json_t *root = json_loadb(line, len, 0, NULL);
	bool ok = json_is_object(root);

	json_decref(root);
	return ok;
}

static void probe_read(struct probe *p)
{
	char chunk[8192];
	const char *line;
	size_t len;
	ssize_t n = read(p->fd, chunk, sizeof(chunk));
	int rc;

	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		probe_done(p, false, n == 0 ? "connection closed" : strerror(errno));
		return;
	}
	if (jsonl_feed(&p->rx, chunk, (size_t)n) != 0) {
		probe_done(p, false, "out of memory");
		return;
	}
	rc = jsonl_next(&p->rx, &line, &len);
	if (rc == 0)
		return;
	if (rc < 0 || !is_json_object(line, len)) {
		probe_done(p, false, "malformed reply");
		return;
	}
	probe_done(p, true, NULL);
}

void probe_on_fd(struct probe *p, short revents)
{
	if ((revents & POLLOUT || !p->connected) && probe_send(p) != 0)
		return;
	if (revents & (POLLIN | POLLHUP | POLLERR))
		probe_read(p);
}

int64_t probe_next_deadline(const struct sched *s)
{
	int64_t next = INT64_MAX;

	for (const struct slot *slot = s->slots; slot != NULL; slot = slot->next) {
		if (slot->probe != NULL && slot->probe->deadline_ms < next)
			next = slot->probe->deadline_ms;
		if (slot->locked && slot->probe == NULL && slot->exec == NULL && !slot->retiring &&
		    slot->next_probe_ms < next)
			next = slot->next_probe_ms;
	}
	return next;
}
