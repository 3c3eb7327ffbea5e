/*
 * registry: devices.yml turned into device slots and into the devices table.
 *
 * Every scheduler writes the registry (name, class, driver, entity,
 * configured) at start, on SIGHUP and after a reconnect; it is idempotent.
 * Which scheduler drives a device is decided by a session-level advisory
 * lock on a hash of the device name: the holder probes it, keeps
 * `available` current and claims its tasks.  The locks live and die with
 * the connection, so after a reconnect they are taken again, and a device
 * whose scheduler died is taken over by the next one that polls.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "scheduler/drivers.h"
#include "scheduler/sched.h"

#define ENTITY_MAX           ((size_t)16 << 20)
#define RESERVATION_SLACK_MS 5

const struct db_statement registry_statements[] = {
	{ "lock_device",
	  "SELECT pg_try_advisory_lock(hashtextextended('acloud-device:' || $1, 0))" },
	{ "unlock_device",
	  "SELECT pg_advisory_unlock(hashtextextended('acloud-device:' || $1, 0))" },
	{ "device_upsert",
	  "INSERT INTO devices (name, class, driver, entity, available, configured, updated_at)"
	  " VALUES ($1, $2::device_class, $3, $4::bytea, false, true, now())"
	  " ON CONFLICT (name) DO UPDATE SET class = EXCLUDED.class, driver = EXCLUDED.driver,"
	  "  entity = EXCLUDED.entity, configured = true, updated_at = now()" },
	{ "device_unconfigure",
	  "UPDATE devices SET configured = false, available = false, reachable = false,"
	  "  updated_at = now()"
	  " WHERE configured AND NOT (name = ANY($1::text[]))" },
	/* The verdict is `reachable`; `available` also needs the device out of
	 * maintenance.  A device lost is a driver error for GET /metrics. */
	{ "device_available",
	  "WITH u AS ("
	  " UPDATE devices SET reachable = $2::boolean, available = $2::boolean AND NOT maintenance,"
	  "  updated_at = now()"
	  " WHERE name = $1 AND configured AND reachable IS DISTINCT FROM $2::boolean"
	  " RETURNING name, reachable"
	  ") SELECT acloud_metric_add('acloud_scheduler_driver_errors_total',"
	  "  format('device=\"%s\"', name), 1) FROM u WHERE NOT reachable" },
	/* Milliseconds to the next start or end of a reservation, or NULL. */
	{ "reservation_boundary",
	  "SELECT ceil(extract(epoch FROM min(b) - clock_timestamp()) * 1000)::bigint FROM ("
	  " SELECT CASE WHEN lower(period) > now() THEN lower(period) ELSE upper(period) END b"
	  "   FROM reservations WHERE period && tstzrange(now(), NULL)) x" },
	{ NULL, NULL },
};

static struct slot *slot_find(struct sched *s, const char *name)
{
	for (struct slot *slot = s->slots; slot != NULL; slot = slot->next)
		if (strcmp(slot->name, name) == 0)
			return slot;
	return NULL;
}

static struct slot *slot_new(const struct device_config *cfg)
{
	struct slot *slot = calloc(1, sizeof(*slot));

	if (slot == NULL)
		return NULL;
	slot->name = strdup(cfg->name);
	if (slot->name == NULL) {
		free(slot);
		return NULL;
	}
	snprintf(slot->queue, sizeof(slot->queue), "device:%s", cfg->name);
	slot->cfg = cfg;
	slot->wanted = true;
	return slot;
}

static void slot_unlock(struct sched *s, struct slot *slot)
{
	const char *params[1] = { slot->name };
	PGresult *res;

	if (!slot->locked)
		return;
	res = session_exec(&s->session, "unlock_device", 1, params);
	PQclear(res);
	slot->locked = false;
	log_info("device %s released", slot->name);
}

static void slot_free(struct slot *slot)
{
	probe_free(slot->probe);
	free(slot->name);
	free(slot);
}

static void apply_backends(struct sched *s, const struct devices_config *cfg)
{
	for (int c = 0; c < DEVICE_CLASS_COUNT; c++) {
		struct backend *b = &s->backends[c];

		b->configured = cfg->compilers[c].configured;
		snprintf(b->queue, sizeof(b->queue), "compile:%s",
		         device_class_name((enum device_class)c));
		b->wanted = b->configured;
	}
}

int registry_apply(struct sched *s, struct devices_config *cfg)
{
	struct slot **tail = &s->slots;

	for (struct slot *slot = s->slots; slot != NULL; slot = slot->next) {
		slot->retiring = true;
		slot->cfg = NULL;
	}
	for (size_t i = 0; i < cfg->n_devices; i++) {
		const struct device_config *dc = &cfg->devices[i];
		struct slot *slot = slot_find(s, dc->name);

		if (slot == NULL) {
			slot = slot_new(dc);
			if (slot == NULL)
				return -1;
			while (*tail != NULL)
				tail = &(*tail)->next;
			*tail = slot;
		}
		slot->cfg = dc;
		slot->retiring = false;
		slot->next_probe_ms = 0;
		slot->wanted = true;
	}
	apply_backends(s, cfg);
	if (s->devs != NULL)
		devices_config_free(s->devs);
	s->devs = cfg;
	s->registry_dirty = true;
	registry_write(s);
	registry_retire_idle(s);
	return 0;
}

/* The entity file's bytes, or NULL (no entity, or unreadable: logged). */
static char *read_entity(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long size;

	if (f == NULL) {
		log_error("entity %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || (size_t)size > ENTITY_MAX ||
	    fseek(f, 0, SEEK_SET) != 0) {
		log_error("entity %s: unreadable or larger than %zu bytes", path, ENTITY_MAX);
		goto out;
	}
	data = malloc((size_t)size + 1);
	if (data == NULL || fread(data, 1, (size_t)size, f) != (size_t)size) {
		log_error("entity %s: read failed", path);
		free(data);
		data = NULL;
		goto out;
	}
	*len = (size_t)size;
out:
	fclose(f);
	return data;
}

static int upsert_device(struct sched *s, const struct device_config *dc)
{
	size_t entity_len = 0;
	char *entity = dc->entity_path ? read_entity(dc->entity_path, &entity_len) : NULL;
	const char *params[4] = { dc->name, device_class_name(dc->cls),
		                  driver_for(dc->driver)->name, entity };
	const int lengths[4] = { 0, 0, 0, (int)entity_len };
	const int formats[4] = { 0, 0, 0, 1 };
	PGresult *res =
		session_exec_bin(&s->session, "device_upsert", 4, params, lengths, formats, 0);
	int rc = res != NULL && db_result_ok(res) ? 0 : -1;

	if (res != NULL && rc != 0)
		log_error("device %s: %s", dc->name, PQresultErrorMessage(res));
	PQclear(res);
	free(entity);
	return rc;
}

static int unconfigure_others(struct sched *s)
{
	struct buf names = { 0 };
	const char *params[1];
	PGresult *res;
	int rc = -1;

	if (buf_append_str(&names, "{") != 0)
		goto out;
	for (size_t i = 0; i < s->devs->n_devices; i++)
		if (buf_printf(&names, "%s\"%s\"", i ? "," : "", s->devs->devices[i].name) != 0)
			goto out;
	if (buf_append_str(&names, "}") != 0)
		goto out;
	params[0] = names.data;
	res = session_exec(&s->session, "device_unconfigure", 1, params);
	rc = res != NULL && db_result_ok(res) ? 0 : -1;
	if (res != NULL && rc != 0)
		log_error("devices: %s", PQresultErrorMessage(res));
	PQclear(res);
out:
	buf_free(&names);
	return rc;
}

void registry_write(struct sched *s)
{
	int rc = 0;

	if (!s->registry_dirty || !s->session.up)
		return;
	for (size_t i = 0; i < s->devs->n_devices; i++)
		rc |= upsert_device(s, &s->devs->devices[i]);
	rc |= unconfigure_others(s);
	if (rc == 0) {
		s->registry_dirty = false;
		log_info("device registry written: %zu devices", s->devs->n_devices);
	}
}

static void try_lock(struct sched *s, struct slot *slot)
{
	const char *params[1] = { slot->name };
	PGresult *res = session_exec(&s->session, "lock_device", 1, params);

	if (res != NULL && db_result_ok(res) && PQntuples(res) == 1 &&
	    strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
		slot->locked = true;
		slot->next_probe_ms = 0;
		slot->wanted = true;
		log_info("driving device %s", slot->name);
	}
	PQclear(res);
}

void registry_locks(struct sched *s)
{
	if (s->stopping)
		return;
	for (struct slot *slot = s->slots; slot != NULL && s->session.up; slot = slot->next)
		if (!slot->locked && !slot->retiring)
			try_lock(s, slot);
}

void registry_locks_lost(struct sched *s)
{
	for (struct slot *slot = s->slots; slot != NULL; slot = slot->next)
		slot->locked = false;
}

static void write_available(struct sched *s, struct slot *slot)
{
	const char *params[2] = { slot->name, slot->available ? "true" : "false" };
	PGresult *res = session_exec(&s->session, "device_available", 2, params);

	if (res != NULL && db_result_ok(res))
		slot->available_unsaved = false;
	PQclear(res);
}

void registry_sync_available(struct sched *s)
{
	for (struct slot *slot = s->slots; slot != NULL && s->session.up; slot = slot->next)
		if (slot->locked && !slot->retiring && slot->available_unsaved)
			write_available(s, slot);
}

int64_t registry_next_boundary(struct sched *s, int64_t now)
{
	PGresult *res = session_exec(&s->session, "reservation_boundary", 0, NULL);
	int64_t next = INT64_MAX;

	if (res == NULL)
		return now + s->app->poll_ms;
	if (!db_result_ok(res)) {
		log_error("reservation boundary: %s", PQresultErrorMessage(res));
		next = now + s->app->poll_ms;
	} else if (!PQgetisnull(res, 0, 0)) {
		/* A little after the boundary, so the claim's now() is past it. */
		next = now + strtoll(PQgetvalue(res, 0, 0), NULL, 10) + RESERVATION_SLACK_MS;
	}
	PQclear(res);
	return next;
}

void registry_want_queue(struct sched *s, const char *queue)
{
	for (struct slot *slot = s->slots; slot != NULL; slot = slot->next) {
		if (strcmp(slot->queue, queue) == 0) {
			slot->wanted = true;
			return;
		}
	}
	for (int c = 0; c < DEVICE_CLASS_COUNT; c++)
		if (s->backends[c].configured && strcmp(s->backends[c].queue, queue) == 0)
			s->backends[c].wanted = true;
}

void registry_want_all(struct sched *s)
{
	for (struct slot *slot = s->slots; slot != NULL; slot = slot->next)
		slot->wanted = true;
	for (int c = 0; c < DEVICE_CLASS_COUNT; c++)
		s->backends[c].wanted = s->backends[c].configured;
}

void registry_retire_idle(struct sched *s)
{
	struct slot **pp = &s->slots;

	while (*pp != NULL) {
		struct slot *slot = *pp;

		if (slot->retiring && slot->exec == NULL) {
			slot_unlock(s, slot);
			*pp = slot->next;
			log_info("device %s removed", slot->name);
			slot_free(slot);
			continue;
		}
		pp = &slot->next;
	}
}

void registry_free(struct sched *s)
{
	while (s->slots != NULL) {
		struct slot *slot = s->slots;

		s->slots = slot->next;
		slot_free(slot);
	}
	if (s->devs != NULL)
		devices_config_free(s->devs);
	s->devs = NULL;
}
