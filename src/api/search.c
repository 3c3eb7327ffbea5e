/*
 * search: POST /api/v1/tasks/search.  Filters combine with OR within a
 * field and AND across fields; an omitted filter is unconstrained and an
 * empty list matches nothing.  The statement is assembled from fixed
 * fragments for the filters present (values only ever travel as
 * parameters), so PostgreSQL plans it for the actual filters and can use
 * the per-user index.
 */
#include "autoconfig.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/body.h"
#include "api/handlers.h"
#include "api/response.h"
#include "api/statements.h"
#include "api/tasks_view.h"
#include "api/timefmt.h"
#include "common/log.h"

#define SEARCH_LIST_MAX  100
#define SEARCH_VALUE_MAX 256
#define DEFAULT_WINDOW_S (24.0 * 3600)
#define MAX_WINDOW_S     (90.0 * 24 * 3600)

static const char *const search_fields[] = { "user_id", "device_name", "device_class", "type",
	                                     "state",   "from",        "to",           "limit",
	                                     "offset",  NULL };
static const char *const class_choices[] = { "SIMULATOR", "LUCIDAC", "REDAC", NULL };
static const char *const type_choices[] = { "compile", "run", NULL };
static const char *const state_choices[] = { "queued", "inprogress", "succeeded",
	                                     "failed", "cancelled",  NULL };

/* One list filter: its column and cast, and the array literal to bind. */
struct list_filter {
	const char *field;
	const char *column;
	const char *cast;
	const char *const *choices; /* NULL: free strings */
	char *literal;              /* owned; NULL when the filter is absent */
};

/* A PostgreSQL array literal under construction: {"a","b\"c"}. */
struct pg_array {
	char *buf;
	size_t len, cap, n;
};

static bool pg_array_reserve(struct pg_array *a, size_t more)
{
	char *grown;

	if (a->len + more + 1 <= a->cap)
		return true;
	a->cap = (a->len + more + 1) * 2;
	grown = realloc(a->buf, a->cap);
	if (grown == NULL)
		return false;
	a->buf = grown;
	return true;
}

static void pg_array_start(struct pg_array *a)
{
	memset(a, 0, sizeof(*a));
	if (pg_array_reserve(a, 1))
		a->buf[a->len++] = '{';
}

static void pg_array_add(struct pg_array *a, const char *s)
{
	if (a->buf == NULL || !pg_array_reserve(a, 2 * strlen(s) + 3))
		return;
	if (a->n++ > 0)
		a->buf[a->len++] = ',';
	a->buf[a->len++] = '"';
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			a->buf[a->len++] = '\\';
		a->buf[a->len++] = *s;
	}
	a->buf[a->len++] = '"';
}

/* The finished literal, owned by the caller (NULL when out of memory). */
static char *pg_array_finish(struct pg_array *a)
{
	if (a->buf == NULL || !pg_array_reserve(a, 1)) {
		free(a->buf);
		return NULL;
	}
	a->buf[a->len++] = '}';
	a->buf[a->len] = '\0';
	return a->buf;
}

static bool is_choice(const char *v, const char *const *choices)
{
	for (size_t i = 0; choices[i]; i++)
		if (strcmp(v, choices[i]) == 0)
			return true;
	return false;
}

/* Validates a list filter and builds its literal; adds items to `errors`. */
static void read_list(json_t *body, struct list_filter *f, json_t *errors)
{
	json_t *list = json_object_get(body, f->field), *item;
	struct pg_array lit;
	size_t i;

	if (list == NULL || json_is_null(list))
		return;
	if (!json_is_array(list)) {
		validation_add(errors, body_loc(f->field), "list_type",
		               "Input should be a valid list");
		return;
	}
	if (json_array_size(list) > SEARCH_LIST_MAX) {
		validation_add(errors, body_loc(f->field), "too_long",
		               "List should have at most %d items", SEARCH_LIST_MAX);
		return;
	}
	pg_array_start(&lit);
	json_array_foreach (list, i, item) {
		const char *v = json_string_value(item);

		if (v == NULL || json_string_length(item) > SEARCH_VALUE_MAX ||
		    strlen(v) != json_string_length(item) ||
		    (f->choices && !is_choice(v, f->choices))) {
			validation_add(errors, json_pack("[s,s,i]", "body", f->field, (int)i),
			               f->choices ? "enum" : "string_type",
			               f->choices ? "Input should be one of the allowed values"
			                          : "Input should be a valid string");
			continue;
		}
		pg_array_add(&lit, v);
	}
	f->literal = pg_array_finish(&lit);
}

/* An admin's user_id filter names auth.yml ids or raw keys; keys become
 * the ids they belong to.  Anyone else searches their own tasks. */
static char *user_literal(struct request *r, json_t *body, json_t *errors)
{
	struct list_filter f = { "user_id", NULL, NULL, NULL, NULL };
	json_t *list, *item, *mapped;
	size_t i;

	if (!r->key->admin) {
		struct pg_array own;

		pg_array_start(&own);
		pg_array_add(&own, r->key->id);
		return pg_array_finish(&own);
	}
	list = json_object_get(body, "user_id");
	/* Only a list read_list will accept is worth mapping (no hashing of
	 * oversized lists or values before they are rejected). */
	if (!json_is_array(list) || json_array_size(list) > SEARCH_LIST_MAX) {
		read_list(body, &f, errors);
		return f.literal;
	}
	mapped = json_array();
	json_array_foreach (list, i, item) {
		const char *v = json_string_value(item);
		const struct auth_key *key = v ? auth_find_by_id(r->ctx->auth, v) : NULL;
		unsigned char digest[32];

		if (v != NULL && key == NULL && json_string_length(item) <= SEARCH_VALUE_MAX) {
			sha256_bytes(v, strlen(v), digest);
			key = auth_find_by_hash(r->ctx->auth, digest);
		}
		json_array_append_new(mapped, key ? json_string(key->id) : json_copy(item));
	}
	json_object_set_new(body, "user_id", mapped);
	read_list(body, &f, errors);
	return f.literal;
}

/* Reads from/to and checks the window; times in epoch seconds. */
static void read_window(json_t *body, double *from, double *to, json_t *errors)
{
	const char *from_s = NULL, *to_s = NULL;
	bool has_from = body_string(body, "from", false, 64, &from_s, errors);
	bool has_to = body_string(body, "to", false, 64, &to_s, errors);

	*to = now_epoch();
	if (has_to && parse_iso8601(to_s, to) != 0) {
		validation_add(errors, body_loc("to"), "datetime_parsing",
		               "Input should be a valid ISO 8601 datetime");
		return;
	}
	*from = *to - DEFAULT_WINDOW_S;
	if (has_from && parse_iso8601(from_s, from) != 0) {
		validation_add(errors, body_loc("from"), "datetime_parsing",
		               "Input should be a valid ISO 8601 datetime");
		return;
	}
	if (has_from && !has_to && *from + DEFAULT_WINDOW_S > *to)
		*to = *from + DEFAULT_WINDOW_S;
	if (*from > *to)
		validation_add(errors, body_loc("from"), "value_error",
		               "from must not be after to");
	else if (*to - *from > MAX_WINDOW_S)
		validation_add(errors, body_loc(NULL), "value_error",
		               "The search window may span at most 90 days");
}

struct search_query {
	char where[1536];
	const char *params[10];
	char from[32], to[32];
	int n;
};

static void add_filter(struct search_query *q, const char *column, const char *cast,
                       const char *literal)
{
	char frag[160];

	if (literal == NULL)
		return;
	q->params[q->n++] = literal;
	snprintf(frag, sizeof(frag), " AND t.%s = ANY($%d::%s[])", column, q->n, cast);
	strcat(q->where, frag);
}

static void add_window(struct search_query *q, double from, double to)
{
	char frag[160];

	snprintf(q->from, sizeof(q->from), "%.6f", from);
	snprintf(q->to, sizeof(q->to), "%.6f", to);
	q->params[q->n++] = q->from;
	q->params[q->n++] = q->to;
	snprintf(frag, sizeof(frag),
	         " AND t.created_at >= to_timestamp($%d::float8)"
	         " AND t.created_at <= to_timestamp($%d::float8)",
	         q->n - 1, q->n);
	strcat(q->where, frag);
}

/*
 * The statement counts all matches and fetches one page in one round trip:
 * the count runs over the filtered rows only (no formatting), the page
 * formats its rows only, and the LEFT JOIN keeps the count when the page
 * is past the end.
 */
static void run_search(struct request *r, struct search_query *q, long limit, long offset)
{
	char limit_s[16], offset_s[24], sql[4096];
	PGresult *res;
	json_t *items;
	long total;

	snprintf(limit_s, sizeof(limit_s), "%ld", limit);
	snprintf(offset_s, sizeof(offset_s), "%ld", offset);
	q->params[q->n++] = limit_s;
	q->params[q->n++] = offset_s;
	snprintf(sql, sizeof(sql),
	         "SELECT page.*, c.total FROM (SELECT count(*) AS total FROM tasks t WHERE %s) c"
	         " LEFT JOIN (SELECT " TASK_SUMMARY_COLS " FROM tasks t WHERE %s"
	         " ORDER BY t.created_at DESC, t.id DESC LIMIT $%d OFFSET $%d) page ON true",
	         q->where, q->where, q->n - 1, q->n);
	res = db_exec_params(&r->ctx->db, sql, q->n, q->params);
	if (res == NULL) {
		respond_error(r, 503, "Database unavailable, try again shortly");
		return;
	}
	if (!db_result_ok(res) || PQntuples(res) < 1) {
		log_error("search failed: %s", PQresultErrorMessage(res));
		PQclear(res);
		respond_error(r, 500, "Internal server error");
		return;
	}
	items = json_array();
	for (int i = 0; i < PQntuples(res) && !PQgetisnull(res, i, 0); i++)
		json_array_append_new(items, task_summary_from_row(res, i, 1));
	total = strtol(PQgetvalue(res, 0, TASK_SUMMARY_NCOLS), NULL, 10);
	PQclear(res);
	respond_json(
		r, 200,
		json_pack("{s:o,s:I,s:I,s:I,s:o}", "items", items, "total", (json_int_t)total,
	                  "limit", (json_int_t)limit, "offset", (json_int_t)offset, "next_offset",
	                  offset + limit < total ? json_integer(offset + limit) : json_null()));
}

void handle_tasks_search(struct request *r)
{
	struct list_filter filters[] = {
		{ "device_name", "device_name", "text", NULL, NULL },
		{ "device_class", "device_class", "device_class", class_choices, NULL },
		{ "type", "type", "task_type", type_choices, NULL },
		{ "state", "state", "task_state", state_choices, NULL },
	};
	size_t n_filters = sizeof(filters) / sizeof(filters[0]);
	struct search_query q = { .n = 0 };
	json_t *body = r->body_len == 0 ? json_object() : body_parse_object(r);
	json_t *errors;
	char *users = NULL;
	long long limit = 50, offset = 0;
	double from = 0, to = 0;

	if (body == NULL)
		return;
	errors = json_array();
	body_forbid_extra(body, search_fields, errors);
	users = user_literal(r, body, errors);
	for (size_t i = 0; i < n_filters; i++)
		read_list(body, &filters[i], errors);
	read_window(body, &from, &to, errors);
	body_integer(body, "limit", 1, 1000, &limit, errors);
	body_integer(body, "offset", 0, 1000000000LL, &offset, errors);
	if (json_array_size(errors) > 0) {
		respond_validation(r, errors);
		goto out;
	}
	json_decref(errors);
	strcpy(q.where, "true");
	add_filter(&q, "user_id", "text", users);
	for (size_t i = 0; i < n_filters; i++)
		add_filter(&q, filters[i].column, filters[i].cast, filters[i].literal);
	add_window(&q, from, to);
	run_search(r, &q, (long)limit, (long)offset);
out:
	free(users);
	for (size_t i = 0; i < n_filters; i++)
		free(filters[i].literal);
	json_decref(body);
}
