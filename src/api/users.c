/*
 * users: GET /api/v1/users/me, the caller's profile from auth.yml and the
 * rate-limit status per device class from the usage ledger (the same
 * windows the task creation checks).
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/jsonout.h"
#include "api/response.h"
#include "api/stmt.h"

const struct db_statement users_statements[] = {
	{ "users_usage", "SELECT device_class::text,"
	                 "       count(*) FILTER (WHERE at > now() - interval '1 hour'),"
	                 "       count(*)"
	                 "  FROM usage_ledger"
	                 " WHERE user_id = $1 AND at > now() - interval '24 hours'"
	                 " GROUP BY device_class" },
	{ NULL, NULL },
};

static json_t *limit_or_null(long limit)
{
	return limit < 0 ? json_null() : json_integer(limit);
}

static json_t *remaining_or_null(long limit, long used)
{
	if (limit < 0)
		return json_null();
	return json_integer(used >= limit ? 0 : limit - used);
}

static json_t *rate_limit_status(const struct auth_key *key, enum device_class cls,
                                 long hourly_used, long daily_used)
{
	const struct class_limits *lim = &key->limits[cls];

	return json_pack("{s:s,s:o,s:I,s:o,s:o,s:I,s:o}", "device_class", device_class_name(cls),
	                 "hourly_limit", limit_or_null(lim->hourly), "hourly_used",
	                 (json_int_t)hourly_used, "hourly_remaining",
	                 remaining_or_null(lim->hourly, hourly_used), "daily_limit",
	                 limit_or_null(lim->daily), "daily_used", (json_int_t)daily_used,
	                 "daily_remaining", remaining_or_null(lim->daily, daily_used));
}

static json_t *device_whitelist(const struct auth_key *key)
{
	json_t *list;

	if (!key->has_device_whitelist)
		return json_null();
	list = json_array();
	for (size_t i = 0; i < key->n_devices; i++)
		json_array_append_new(list, json_string(key->devices[i]));
	return list;
}

void handle_users_me(struct request *r, const struct field_map *in)
{
	const struct auth_key *key = r->key;
	const char *params[1] = { key->id };
	long hourly[DEVICE_CLASS_COUNT] = { 0 }, daily[DEVICE_CLASS_COUNT] = { 0 };
	PGresult *res = stmt_query(r, "users_usage", 1, params);
	json_t *limits;

	(void)in;

	if (res == NULL)
		return;
	for (int i = 0; i < PQntuples(res); i++) {
		int cls = device_class_parse(PQgetvalue(res, i, 0));

		if (cls < 0)
			continue;
		hourly[cls] = strtol(PQgetvalue(res, i, 1), NULL, 10);
		daily[cls] = strtol(PQgetvalue(res, i, 2), NULL, 10);
	}
	PQclear(res);
	limits = json_array();
	for (int c = 0; c < DEVICE_CLASS_COUNT; c++)
		json_array_append_new(
			limits, rate_limit_status(key, (enum device_class)c, hourly[c], daily[c]));
	respond_json(r, 200,
	             json_pack("{s:s,s:o,s:o,s:o,s:o,s:b,s:i,s:o}", "id", key->id, "name",
	                       json_string_or_null(key->name), "email",
	                       json_string_or_null(key->email), "subscription",
	                       json_string_or_null(key->subscription), "devices",
	                       device_whitelist(key), "admin", key->admin, "priority",
	                       key->priority, "rate_limits", limits));
}
