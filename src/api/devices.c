/*
 * devices: GET /api/v1/devices and GET /api/v1/devices/{name}/entity, read
 * from the registry the scheduler keeps in the database.
 */
#include "autoconfig.h"

#include <stdlib.h>

#include "api/handlers.h"
#include "api/jsonout.h"
#include "api/response.h"
#include "api/stmt.h"

const struct db_statement devices_statements[] = {
	{ "devices_list", "SELECT d.name, d.class::text, d.available,"
	                  "       (SELECT coalesce(sum(u.queued), 0) FROM queue_users u"
	                  "         WHERE u.queue = 'device:' || d.name)"
	                  "  FROM devices d WHERE d.configured ORDER BY d.name" },
	{ "devices_entity", "SELECT entity FROM devices WHERE name = $1 AND configured" },
	{ NULL, NULL },
};

void handle_devices_list(struct request *r, const struct field_map *in)
{
	PGresult *res = stmt_query(r, "devices_list", 0, NULL);
	json_t *list;

	(void)in;

	if (res == NULL)
		return;
	list = json_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_array_append_new(list, json_pack("{s:o,s:o,s:o,s:o}", "name",
		                                      pg_json_string(res, i, 0), "type",
		                                      pg_json_string(res, i, 1), "available",
		                                      pg_json_bool(res, i, 2), "queue_length",
		                                      pg_json_integer(res, i, 3)));
	PQclear(res);
	respond_json(r, 200, list);
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
