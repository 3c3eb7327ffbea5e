/*
 * devices: GET /api/v1/devices, GET /api/v1/devices/{name} and
 * GET /api/v1/devices/{name}/entity, read from the registry the scheduler
 * keeps in the database, with each device's maintenance and running
 * reservation; and PUT /api/v1/devices/{name}/maintenance (admins), which
 * takes a device out of service and back, kept in the database so every
 * scheduler and every restart sees it.
 */
#include "autoconfig.h"

#include <stdlib.h>

#include "api/handlers.h"
#include "api/inputs.h"
#include "api/jsonout.h"
#include "api/response.h"
#include "api/stmt.h"

/* A device as the API shows it; $1 is the caller's id (reserved_by_caller). */
#define DEVICE_SELECT                                                                      \
	"SELECT d.name, d.class::text, d.available,"                                       \
	"       (SELECT coalesce(sum(u.queued), 0) FROM queue_users u"                     \
	"         WHERE u.queue = 'device:' || d.name),"                                   \
	"       d.maintenance, d.maintenance_reason, iso_utc(v.until), v.user_id = $1"     \
	"  FROM devices d LEFT JOIN LATERAL (SELECT upper(x.period) AS until, x.user_id"   \
	"       FROM reservations x WHERE x.device_name = d.name AND x.period @> now()) v" \
	"    ON true"

const struct db_statement devices_statements[] = {
	{ "devices_list", DEVICE_SELECT " WHERE d.configured ORDER BY d.name" },
	{ "devices_get", DEVICE_SELECT " WHERE d.configured AND d.name = $2" },
	{ "devices_entity", "SELECT entity FROM devices WHERE name = $1 AND configured" },
	{ "devices_maintenance",
	  "SELECT ok, since FROM acloud_set_maintenance($1, $2::boolean, $3)" },
	{ NULL, NULL },
};

static json_t *device_from_row(const PGresult *res, int i)
{
	return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b}", "name", pg_json_string(res, i, 0),
	                 "type", pg_json_string(res, i, 1), "available", pg_json_bool(res, i, 2),
	                 "queue_length", pg_json_integer(res, i, 3), "maintenance",
	                 pg_json_bool(res, i, 4), "maintenance_reason", pg_json_string(res, i, 5),
	                 "reserved_until", pg_json_string(res, i, 6), "reserved_by_caller",
	                 !PQgetisnull(res, i, 7) && PQgetvalue(res, i, 7)[0] == 't');
}

void handle_devices_list(struct request *r, const struct field_map *in)
{
	const char *params[1] = { r->key->id };
	PGresult *res = stmt_query(r, "devices_list", 1, params);
	json_t *list;

	(void)in;

	if (res == NULL)
		return;
	list = json_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_array_append_new(list, device_from_row(res, i));
	PQclear(res);
	respond_json(r, 200, list);
}

void handle_device_get(struct request *r, const struct field_map *in)
{
	const char *params[2] = { r->key->id, in->path[0].str };
	PGresult *res = stmt_query(r, "devices_get", 2, params);

	if (res == NULL)
		return;
	if (PQntuples(res) == 0)
		respond_error(r, 404, "Device not found");
	else
		respond_json(r, 200, device_from_row(res, 0));
	PQclear(res);
}

void handle_device_maintenance(struct request *r, const struct field_map *in)
{
	bool enabled = in->body[MAINTENANCE_ENABLED].integer != 0;
	const char *reason =
		in->body[MAINTENANCE_REASON].present ? in->body[MAINTENANCE_REASON].str : NULL;
	const char *params[3] = { in->path[0].str, enabled ? "true" : "false", reason };
	PGresult *res = stmt_query(r, "devices_maintenance", 3, params);

	if (res == NULL)
		return;
	if (PQgetvalue(res, 0, 0)[0] != 't')
		respond_error(r, 404, "Device not found");
	else
		respond_json(r, 200,
		             json_pack("{s:s,s:b,s:o,s:o}", "name", in->path[0].str, "maintenance",
		                       enabled, "maintenance_reason",
		                       json_string_or_null(enabled ? reason : NULL),
		                       "maintenance_since", pg_json_string(res, 0, 1)));
	PQclear(res);
}

void handle_device_entity(struct request *r, const struct field_map *in)
{
	const char *name = in->path[0].str;
	const char *params[1] = { name };
	PGresult *res = stmt_query_bin(r, "devices_entity", 1, params);

	if (res == NULL)
		return;
	if (PQntuples(res) == 0)
		respond_error(r, 404, "Device not found");
	else if (PQgetisnull(res, 0, 0))
		respond_error(r, 404, "Device %s has no entity", name);
	else
		respond_bytes(r, 200, "application/octet-stream", PQgetvalue(res, 0, 0),
		              (size_t)PQgetlength(res, 0, 0));
	PQclear(res);
}
