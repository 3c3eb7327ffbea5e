/*
 * reservations: /api/v1/reservations (admins book a device for a user; the
 * list, one reservation, ending it) and POST /api/v1/devices/{name}/session
 * (a user books a device from now, within the key's max_session_s).  The
 * database decides overlaps: an exclusion constraint on the time range per
 * device (sql/009_reservations.sql), so of two concurrent requests for
 * overlapping windows exactly one wins and the other learns which one.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/inputs.h"
#include "api/jsonout.h"
#include "api/response.h"
#include "api/stmt.h"
#include "api/timefmt.h"

#define RESERVATION_COLS                                                                 \
	"r.id, r.device_name, r.user_id, r.kind, iso_utc(lower(r.period)),"              \
	" iso_utc(upper(r.period)), iso_utc(r.created_at),"                              \
	" CASE WHEN upper(r.period) <= now() THEN 'ended' WHEN lower(r.period) <= now()" \
	" THEN 'active' ELSE 'upcoming' END"
#define RESERVATION_NCOLS 8

/* The filters: $1 device, $2 user, $3 from, $4 to (epoch seconds), each NULL for none. */
#define RESERVATION_FILTER                                                                   \
	" ($1::text IS NULL OR r.device_name = $1) AND ($2::text IS NULL OR r.user_id = $2)" \
	" AND ($3::float8 IS NULL OR upper(r.period) > to_timestamp($3::float8))"            \
	" AND ($4::float8 IS NULL OR lower(r.period) < to_timestamp($4::float8))"

const struct db_statement reservations_statements[] = {
	{ "reservation_create",
	  "SELECT outcome, id, start_at, end_at, created_at FROM acloud_create_reservation($1, $2,"
	  " to_timestamp($3::float8), to_timestamp($4::float8), $5::integer, $6, $7, $8::boolean)" },
	/* Count and page in one round trip, as the task list. */
	{ "reservations_list",
	  "SELECT page.*, c.total FROM (SELECT count(*) AS total FROM reservations r WHERE"
	  " " RESERVATION_FILTER ") c LEFT JOIN (SELECT " RESERVATION_COLS
	  " FROM reservations r WHERE " RESERVATION_FILTER
	  " ORDER BY lower(r.period), r.id LIMIT $5 OFFSET $6) page ON true" },
	{ "reservation_get", "SELECT " RESERVATION_COLS " FROM reservations r"
	                     " WHERE r.id = $1::uuid AND (r.user_id = $2 OR $3::boolean)" },
	{ "reservation_end", "SELECT acloud_end_reservation($1::uuid, $2, $3::boolean)" },
	{ NULL, NULL },
};

static json_t *reservation_from_row(const PGresult *res, int row)
{
	return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id", pg_json_string(res, row, 0),
	                 "device_name", pg_json_string(res, row, 1), "user_id",
	                 pg_json_string(res, row, 2), "kind", pg_json_string(res, row, 3), "start",
	                 pg_json_string(res, row, 4), "end", pg_json_string(res, row, 5),
	                 "created_at", pg_json_string(res, row, 6), "state",
	                 pg_json_string(res, row, 7));
}

struct booking {
	const char *device;
	const char *user_id;
	double start, end; /* epoch seconds; start < 0: a session from now */
	long long duration_s;
	const char *kind;
	bool forbidden;
	const char *forbidden_detail;
};

static void answer_booking(struct request *r, const struct booking *b, PGresult *res)
{
	const char *outcome = PQgetvalue(res, 0, 0);

	if (strcmp(outcome, "device_not_found") == 0) {
		respond_error(r, 404, "Device not found");
	} else if (strcmp(outcome, "forbidden") == 0) {
		respond_error(r, 403, "%s", b->forbidden_detail);
	} else if (strcmp(outcome, "conflict") == 0) {
		respond_error(r, 409,
		              "Device %s is already reserved from %s to %s (reservation %s)",
		              b->device, PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3),
		              PQgetvalue(res, 0, 1));
	} else {
		bool active = b->start < 0 || b->start <= now_epoch();

		respond_json(r, 201,
		             json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "id",
		                       PQgetvalue(res, 0, 1), "device_name", b->device, "user_id",
		                       b->user_id, "kind", b->kind, "start", PQgetvalue(res, 0, 2),
		                       "end", PQgetvalue(res, 0, 3), "created_at",
		                       PQgetvalue(res, 0, 4), "state",
		                       active ? "active" : "upcoming"));
	}
}

static void book(struct request *r, const struct booking *b)
{
	char start[32], end[32], duration[24];
	const char *params[8] = { b->device,
		                  b->user_id,
		                  b->start < 0 ? NULL : start,
		                  b->start < 0 ? NULL : end,
		                  b->start < 0 ? duration : NULL,
		                  b->kind,
		                  r->key->id,
		                  b->forbidden ? "true" : "false" };
	PGresult *res;

	snprintf(start, sizeof(start), "%.6f", b->start);
	snprintf(end, sizeof(end), "%.6f", b->end);
	snprintf(duration, sizeof(duration), "%lld", b->duration_s);
	res = stmt_query(r, "reservation_create", 8, params);
	if (res == NULL)
		return;
	answer_booking(r, b, res);
	PQclear(res);
}

void handle_reservation_create(struct request *r, const struct field_map *in)
{
	const struct booking b = {
		.device = in->body[RESERVE_DEVICE_NAME].str,
		.user_id = in->body[RESERVE_USER_ID].str,
		.start = in->body[RESERVE_START].number,
		.end = in->body[RESERVE_END].number,
		.kind = "reservation",
	};

	book(r, &b);
}

void handle_device_session(struct request *r, const struct field_map *in)
{
	const struct auth_key *key = r->key;
	long long duration = in->body[SESSION_DURATION_S].integer;
	char detail[160] = "";
	struct booking b = {
		.device = in->path[0].str,
		.user_id = key->id,
		.start = -1,
		.duration_s = duration,
		.kind = "session",
	};

	if (!auth_key_allows_device(key, b.device))
		snprintf(detail, sizeof(detail), "Your key may not use device %s", b.device);
	else if (key->max_session_s == 0)
		snprintf(detail, sizeof(detail), "Your key may not take sessions");
	else if (duration > key->max_session_s)
		snprintf(detail, sizeof(detail), "Sessions of your key may last at most %d s",
		         key->max_session_s);
	b.forbidden = detail[0] != '\0';
	b.forbidden_detail = detail;
	book(r, &b);
}

void handle_reservations_list(struct request *r, const struct field_map *in)
{
	const struct field_value *q = in->query;
	char from[32], to[32], limit[24], offset[24];
	/* Anyone but an admin sees their own reservations only. */
	const char *user =
		r->key->admin
			? (q[RESERVATIONS_USER_ID].present ? q[RESERVATIONS_USER_ID].str : NULL)
			: r->key->id;
	const char *params[6] = {
		q[RESERVATIONS_DEVICE_NAME].present ? q[RESERVATIONS_DEVICE_NAME].str : NULL,
		user,
		q[RESERVATIONS_FROM].present ? from : NULL,
		q[RESERVATIONS_TO].present ? to : NULL,
		limit,
		offset,
	};
	PGresult *res;
	json_t *list;
	long total;

	snprintf(from, sizeof(from), "%.6f", q[RESERVATIONS_FROM].number);
	snprintf(to, sizeof(to), "%.6f", q[RESERVATIONS_TO].number);
	snprintf(limit, sizeof(limit), "%lld", q[RESERVATIONS_LIMIT].integer);
	snprintf(offset, sizeof(offset), "%lld", q[RESERVATIONS_OFFSET].integer);
	res = stmt_query(r, "reservations_list", 6, params);
	if (res == NULL)
		return;
	list = json_array();
	for (int i = 0; i < PQntuples(res) && !PQgetisnull(res, i, 0); i++)
		json_array_append_new(list, reservation_from_row(res, i));
	total = PQntuples(res) > 0 ? strtol(PQgetvalue(res, 0, RESERVATION_NCOLS), NULL, 10) : 0;
	PQclear(res);
	response_header(r, "X-Total-Count", "%ld", total);
	respond_json(r, 200, list);
}

void handle_reservation_get(struct request *r, const struct field_map *in)
{
	const char *params[3] = { in->path[0].uuid, r->key->id, r->key->admin ? "true" : "false" };
	PGresult *res = stmt_query(r, "reservation_get", 3, params);

	if (res == NULL)
		return;
	if (PQntuples(res) == 0)
		respond_error(r, 404, "Reservation not found");
	else
		respond_json(r, 200, reservation_from_row(res, 0));
	PQclear(res);
}

void handle_reservation_delete(struct request *r, const struct field_map *in)
{
	const char *params[3] = { in->path[0].uuid, r->key->id, r->key->admin ? "true" : "false" };
	PGresult *res = stmt_query(r, "reservation_end", 3, params);
	const char *outcome;

	if (res == NULL)
		return;
	outcome = PQgetvalue(res, 0, 0);
	if (strcmp(outcome, "not_found") == 0)
		respond_error(r, 404, "Reservation not found");
	else if (strcmp(outcome, "ended_before") == 0)
		respond_error(r, 409, "The reservation has already ended");
	else
		respond_empty(r, 204);
	PQclear(res);
}
