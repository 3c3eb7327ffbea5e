/*
 * search: POST /api/v1/tasks/search.  Filters combine with OR within a
 * field and AND across fields (tags: a task must carry all the tags
 * given); an omitted filter is unconstrained and an
 * empty list matches nothing.  The statement is assembled from fixed
 * fragments for the filters present (values only ever travel as
 * parameters), so PostgreSQL plans it for the actual filters and can use
 * the per-user index.  The body arrives validated (inputs.c: the lists,
 * admin user ids mapped from keys, the time window as epoch seconds).
 */
#include "autoconfig.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/inputs.h"
#include "api/response.h"
#include "api/stmt.h"
#include "api/tasks_view.h"
#include "common/log.h"

/* One list filter: its input slot, column and cast, and the array
 * literal to bind. */
struct list_filter {
	int slot;
	const char *column;
	const char *cast;
	char *literal; /* owned; NULL when the filter is absent */
};

/* A PostgreSQL array literal under construction: {"a","b\"c"}. */
struct pg_array {
	char *buf;
	size_t len, cap, n;
};

/* Room for `more` bytes and the NUL; on failure the array is dropped
 * (buf NULL), so a literal short of an item can never be finished. */
static bool pg_array_reserve(struct pg_array *a, size_t more)
{
	size_t cap = (a->len + more + 1) * 2;
	char *grown;

	if (a->len + more + 1 <= a->cap)
		return true;
	grown = realloc(a->buf, cap);
	if (grown == NULL) {
		free(a->buf);
		a->buf = NULL;
		a->cap = 0;
		return false;
	}
	a->buf = grown;
	a->cap = cap;
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
	if (a->buf == NULL || !pg_array_reserve(a, 1))
		return NULL;
	a->buf[a->len++] = '}';
	a->buf[a->len] = '\0';
	return a->buf;
}

/* A validated list as a literal; NULL when the filter is absent. */
static char *list_literal(const struct field_value *v)
{
	struct pg_array lit;
	json_t *item;
	size_t i;

	if (!v->present)
		return NULL;
	pg_array_start(&lit);
	json_array_foreach (v->json, i, item)
		pg_array_add(&lit, json_string_value(item));
	return pg_array_finish(&lit);
}

/* Admins filter by the user ids they name (or see everyone); anyone
 * else sees their own tasks only. */
static char *user_literal(const struct request *r, const struct field_value *user_id)
{
	struct pg_array own;

	if (r->key->admin)
		return list_literal(user_id);
	pg_array_start(&own);
	pg_array_add(&own, r->key->id);
	return pg_array_finish(&own);
}

struct search_query {
	char where[1536];
	const char *params[12];
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
	if (stmt_failed(r, res, "search"))
		return;
	if (PQntuples(res) < 1) {
		log_error("search returned no count row");
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

void handle_tasks_search(struct request *r, const struct field_map *in)
{
	struct list_filter filters[] = {
		{ SEARCH_DEVICE_NAME, "device_name", "text", NULL },
		{ SEARCH_DEVICE_CLASS, "device_class", "device_class", NULL },
		{ SEARCH_TYPE, "type", "task_type", NULL },
		{ SEARCH_STATE, "state", "task_state", NULL },
	};
	size_t n_filters = sizeof(filters) / sizeof(filters[0]);
	const struct field_value *f = in->body;
	struct search_query q = { .n = 0 };
	char *users = user_literal(r, &f[SEARCH_USER_ID]);
	char *tags = NULL;
	bool out_of_memory = users == NULL && (!r->key->admin || f[SEARCH_USER_ID].present);

	strcpy(q.where, "true");
	add_filter(&q, "user_id", "text", users);
	for (size_t i = 0; i < n_filters; i++) {
		filters[i].literal = list_literal(&f[filters[i].slot]);
		out_of_memory |= filters[i].literal == NULL && f[filters[i].slot].present;
		add_filter(&q, filters[i].column, filters[i].cast, filters[i].literal);
	}
	/* Tasks that carry every tag given (the GIN index answers @>); an
	 * empty list asks for nothing more. */
	if (f[SEARCH_TAGS].present && json_array_size(f[SEARCH_TAGS].json) > 0) {
		tags = list_literal(&f[SEARCH_TAGS]);
		out_of_memory |= tags == NULL;
		if (tags != NULL) {
			char frag[64];

			q.params[q.n++] = tags;
			snprintf(frag, sizeof(frag), " AND t.tags @> $%d::text[]", q.n);
			strcat(q.where, frag);
		}
	}
	add_window(&q, f[SEARCH_FROM].number, f[SEARCH_TO].number);
	/* A filter lost to a failed allocation must not widen the search. */
	if (out_of_memory)
		respond_error(r, 500, "Out of memory");
	else
		run_search(r, &q, (long)f[SEARCH_LIMIT].integer, (long)f[SEARCH_OFFSET].integer);
	free(users);
	free(tags);
	for (size_t i = 0; i < n_filters; i++)
		free(filters[i].literal);
}
