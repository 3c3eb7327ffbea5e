/*
 * probe: availability of the devices this scheduler drives, re-checked
 * every 10 s while a device is idle.  simulator: always available;
 * command: the executable exists and may be executed; lucidac: a TCP
 * connect and a get_entities request, where any well-formed JSON object in
 * reply counts as alive (lucipy's Emulation answers ping with an error).
 * A lucidac probe is a small non-blocking state machine owned by its slot.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "scheduler/jsonl.h"
#include "scheduler/lucidac_proto.h"
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

static void probe_done(struct sched *s, struct probe *p, bool alive, const char *why)
{
	struct slot *slot = p->slot;

	if (!alive && slot->available)
		log_warn("device %s probe failed: %s", slot->name, why);
	slot->probe = NULL;
	probe_free(p);
	registry_set_available(s, slot, alive);
}

static bool executable(const char *file)
{
	const char *path = getenv("PATH");
	struct buf b = { 0 };
	bool ok = false;

	if (strchr(file, '/') != NULL || path == NULL)
		return access(file, X_OK) == 0;
	while (!ok && *path) {
		size_t n = strcspn(path, ":");

		buf_reset(&b);
		if (buf_append(&b, path, n) == 0 && buf_printf(&b, "/%s", file) == 0)
			ok = access(b.data, X_OK) == 0;
		path += n + (path[n] == ':');
	}
	buf_free(&b);
	return ok;
}

static void probe_command(struct sched *s, struct slot *slot)
{
	char *path = slot->cfg->n_command > 0 ? sched_resolve_exe(s, slot->cfg->command[0]) : NULL;

	registry_set_available(s, slot, path != NULL && executable(path));
	free(path);
}

static void probe_lucidac_start(struct sched *s, struct slot *slot, int64_t now)
{
	struct probe *p = calloc(1, sizeof(*p));
	char id[37];

	if (p == NULL)
		return;
	p->slot = slot;
	jsonl_init(&p->rx, PROBE_LINE_MAX);
	net_new_id(id);
	p->req = luci_encode(id, "get_entities", NULL, &p->req_len);
	p->fd = net_connect_start(slot->cfg->host, slot->cfg->port);
	p->deadline_ms = now + PROBE_TIMEOUT_MS;
	slot->probe = p;
	if (p->req == NULL || p->fd < 0)
		probe_done(s, p, false, strerror(errno));
}

void probe_tick(struct sched *s, int64_t now)
{
	for (struct slot *slot = s->slots; slot != NULL; slot = slot->next) {
		if (slot->probe != NULL && now >= slot->probe->deadline_ms)
			probe_done(s, slot->probe, false, "no answer");
		if (!slot->locked || slot->retiring || slot->exec != NULL || slot->probe != NULL ||
		    now < slot->next_probe_ms)
			continue;
		slot->next_probe_ms = now + SCHED_PROBE_INTERVAL_MS;
		switch (slot->cfg->driver) {
		case DRIVER_SIMULATOR:
			registry_set_available(s, slot, true);
			break;
		case DRIVER_COMMAND:
			probe_command(s, slot);
			break;
		case DRIVER_LUCIDAC:
			probe_lucidac_start(s, slot, now);
			break;
		}
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
static int probe_send(struct sched *s, struct probe *p)
{
	int err;

	if (!p->connected) {
		err = net_connect_result(p->fd);
		if (err != 0) {
			probe_done(s, p, false, strerror(err));
			return -1;
		}
		p->connected = true;
	}
	while (p->req_off < p->req_len) {
		ssize_t n = write(p->fd, p->req + p->req_off, p->req_len - p->req_off);

		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0) {
			probe_done(s, p, false, strerror(errno));
			return -1;
		}
		p->req_off += (size_t)n;
	}
	return 0;
}

static void probe_read(struct sched *s, struct probe *p)
{
	char chunk[8192];
	const char *line;
	size_t len;
	struct luci_reply r;
	ssize_t n = read(p->fd, chunk, sizeof(chunk));
	int rc;

	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		probe_done(s, p, false, n == 0 ? "connection closed" : strerror(errno));
		return;
	}
	if (jsonl_feed(&p->rx, chunk, (size_t)n) != 0) {
		probe_done(s, p, false, "out of memory");
		return;
	}
	rc = jsonl_next(&p->rx, &line, &len);
	if (rc == 0)
		return;
	if (rc < 0 || luci_reply_parse(line, len, &r) != 0) {
		probe_done(s, p, false, "malformed reply");
		return;
	}
	luci_reply_free(&r);
	probe_done(s, p, true, NULL);
}

void probe_on_fd(struct sched *s, struct probe *p, short revents)
{
	if ((revents & POLLOUT || !p->connected) && probe_send(s, p) != 0)
		return;
	if (revents & (POLLIN | POLLHUP | POLLERR))
		probe_read(s, p);
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
