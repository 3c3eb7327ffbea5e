/*
 * test_api_validate: the request validation of every route that takes
 * input, without a database.  Each row is a request (method, path as nginx
 * decodes it, query, body, caller) and what the validation says: accepted,
 * or the status and the whole response body the client gets.  The rows
 * drive the dispatcher's own code: router_match() on the real route table,
 * then fields_read() with the route's input_spec.
 */
#include "autoconfig.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/fields.h"
#include "api/inputs.h"
#include "api/router.h"

#define UUID_A  "0A0B0C0D-0000-4000-8000-00000000000F"
#define ADMIN_K "admin-secret-key"

static struct auth_key keys[2] = {
	{ .id = "alice", .enabled = true },
	{ .id = "root", .enabled = true, .admin = true },
};
static struct auth_config auth = { .keys = keys, .n_keys = 2 };
static struct app_config app = { .max_json_values = 400000 };
static struct api_context ctx = { .auth = &auth, .app = &app };

enum caller {
	USER,
	ADMIN
};

struct row {
	enum http_method method;
	const char *path, *query, *body;
	enum caller caller;
	int status;         /* 0: accepted */
	const char *answer; /* the response body; NULL: check status only */
};

/* What one request's validation leaves behind. */
struct outcome {
	struct request r;
	struct field_map map;
	struct field_failure fail;
	bool ok;
};

static void setup(void)
{
	sha256_bytes(ADMIN_K, strlen(ADMIN_K), keys[ADMIN].key_sha256);
}

/* Routes and validates as worker_dispatch() does (after authentication). */
static void validate(const struct row *row, struct outcome *o)
{
	static char buf[REQUEST_PATH_MAX];
	struct route_match m;

	memset(o, 0, sizeof(*o));
	cr_assert_eq(router_match(api_routes, api_routes_count, row->method, row->path, buf,
	                          sizeof(buf), &m),
	             ROUTE_FOUND, "%s", row->path);
	o->r.ctx = &ctx;
	o->r.key = &keys[row->caller];
	o->r.method = row->method;
	snprintf(o->r.path, sizeof(o->r.path), "%s", row->path);
	snprintf(o->r.query, sizeof(o->r.query), "%s", row->query ? row->query : "");
	for (size_t i = 0; i < m.n_params; i++)
		o->r.path_params[i] = m.params[i];
	o->r.n_path_params = m.n_params;
	o->r.body = (char *)row->body;
	o->r.body_len = row->body ? strlen(row->body) : 0;
	o->ok = fields_read(&o->r, m.route->input, &o->map, &o->fail);
}

static void outcome_free(struct outcome *o)
{
	json_decref(o->fail.body);
	field_map_free(&o->map);
}

static void check_rows(const struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct row *row = &rows[i];
		struct outcome o;
		char *got;

		validate(row, &o);
		got = o.fail.body ? json_dumps(o.fail.body, JSON_COMPACT) : strdup("(accepted)");
		cr_expect_eq(o.ok ? 0 : o.fail.status, row->status, "%s %s: status, got %s",
		             row->path, row->body ? row->body : "", got);
		if (row->answer != NULL) {
			json_t *want = json_loads(row->answer, 0, NULL);

			cr_assert_not_null(want, "bad expectation: %s", row->answer);
			cr_expect(json_equal(want, o.fail.body), "%s %s:\n  want %s\n  got  %s",
			          row->path, row->body ? row->body : "", row->answer, got);
			json_decref(want);
		}
		free(got);
		outcome_free(&o);
	}
}

#define N_OF(a)              (sizeof(a) / sizeof((a)[0]))
#define ITEM(loc, msg, type) "{\"loc\":" loc ",\"msg\":\"" msg "\",\"type\":\"" type "\"}"
#define DETAIL(...)          "{\"detail\":[" __VA_ARGS__ "]}"

/* ---- path parameters ------------------------------------------------------- */

#define BAD_TASK_ID \
	DETAIL(ITEM("[\"path\",\"task_id\"]", "Input should be a valid UUID", "uuid_parsing"))

Test(validate, task_id, .init = setup)
{
	static const struct row rows[] = {
		{ HTTP_GET, "/api/v1/tasks/" UUID_A, NULL, NULL, USER, 0, NULL },
		{ HTTP_GET, "/api/v1/tasks/not-a-uuid", NULL, NULL, USER, 422, BAD_TASK_ID },
		{ HTTP_GET, "/api/v1/tasks/search", NULL, NULL, USER, 422, BAD_TASK_ID },
		{ HTTP_DELETE, "/api/v1/tasks/" UUID_A "0", NULL, NULL, USER, 422, BAD_TASK_ID },
		{ HTTP_GET, "/api/v1/tasks/0A0B0C0D+0000-4000-8000-00000000000F/status", NULL, NULL,
		  USER, 422, BAD_TASK_ID },
		{ HTTP_GET, "/api/v1/tasks/x/log", NULL, NULL, USER, 422, BAD_TASK_ID },
		{ HTTP_GET, "/api/v1/tasks/x/result", NULL, NULL, USER, 422, BAD_TASK_ID },
		{ HTTP_POST, "/api/v1/tasks/x/cancel", NULL, "{\"ignored\":1}", USER, 422,
		  BAD_TASK_ID },
		{ HTTP_POST, "/api/v1/tasks/" UUID_A "/cancel", NULL, "not json", USER, 0, NULL },
	};

	check_rows(rows, N_OF(rows));
}

Test(validate, task_id_is_lower_case, .init = setup)
{
	struct row row = { HTTP_GET, "/api/v1/tasks/" UUID_A "/status", NULL, NULL, USER, 0, NULL };
	struct outcome o;

	validate(&row, &o);
	cr_assert(o.ok);
	cr_assert_str_eq(o.map.path[0].uuid, "0a0b0c0d-0000-4000-8000-00000000000f");
	outcome_free(&o);
}

Test(validate, device_name, .init = setup)
{
	static const struct row rows[] = {
		{ HTTP_GET, "/api/v1/devices/sim-1/entity", NULL, NULL, USER, 0, NULL },
		{ HTTP_GET, "/api/v1/devices/bad name/entity", NULL, NULL, USER, 404,
		  "{\"detail\":\"Device not found\"}" },
		{ HTTP_GET,
		  "/api/v1/devices/"
		  "a123456789b123456789c123456789d123456789e123456789f123456789g1234/entity",
		  NULL, NULL, USER, 404, "{\"detail\":\"Device not found\"}" },
	};

	check_rows(rows, N_OF(rows));
}

/* ---- query ------------------------------------------------------------------ */

#define BAD_LIMIT                                                                         \
	DETAIL(ITEM("[\"query\",\"limit\"]", "Input should be an integer from 1 to 1000", \
	            "int_parsing"))

Test(validate, tasks_list_query, .init = setup)
{
	static const struct row rows[] = {
		{ HTTP_GET, "/api/v1/tasks", "", NULL, USER, 0, NULL },
		{ HTTP_GET, "/api/v1/tasks", "limit=1000&offset=1000000000", NULL, USER, 0, NULL },
		{ HTTP_GET, "/api/v1/tasks", "limit=0", NULL, USER, 422, BAD_LIMIT },
		{ HTTP_GET, "/api/v1/tasks", "limit=1001", NULL, USER, 422, BAD_LIMIT },
		{ HTTP_GET, "/api/v1/tasks", "limit=%zz", NULL, USER, 422, BAD_LIMIT },
		{ HTTP_GET, "/api/v1/tasks", "limit= 5", NULL, USER, 422, BAD_LIMIT },
		/* the first bad parameter answers alone */
		{ HTTP_GET, "/api/v1/tasks", "limit=abc&offset=-1", NULL, USER, 422, BAD_LIMIT },
		{ HTTP_GET, "/api/v1/tasks", "offset=-1", NULL, USER, 422,
		  DETAIL(ITEM("[\"query\",\"offset\"]",
		              "Input should be an integer from 0 to 1000000000", "int_parsing")) },
	};

	check_rows(rows, N_OF(rows));
}

Test(validate, tasks_list_values, .init = setup)
{
	struct row plain = { HTTP_GET, "/api/v1/tasks", NULL, NULL, USER, 0, NULL };
	struct row given = { HTTP_GET, "/api/v1/tasks", "offset=7&limit=3", NULL, USER, 0, NULL };
	struct outcome o;

	validate(&plain, &o);
	cr_assert(o.ok);
	cr_assert_eq(o.map.query[LIST_LIMIT].integer, 100);
	cr_assert_eq(o.map.query[LIST_OFFSET].integer, 0);
	outcome_free(&o);
	validate(&given, &o);
	cr_assert(o.ok);
	cr_assert_eq(o.map.query[LIST_LIMIT].integer, 3);
	cr_assert_eq(o.map.query[LIST_OFFSET].integer, 7);
	outcome_free(&o);
}

/* ---- bodies ------------------------------------------------------------------ */

#define MISSING(key) ITEM("[\"body\",\"" key "\"]", "Field required", "missing")
#define EXTRA(key) \
	ITEM("[\"body\",\"" key "\"]", "Extra inputs are not permitted", "extra_forbidden")
#define NOT_STR(key)    ITEM("[\"body\",\"" key "\"]", "Input should be a valid string", "string_type")
#define NOT_STR_AT(loc) ITEM(loc, "Input should be a valid string", "string_type")
#define NO_BODY         DETAIL(ITEM("[\"body\"]", "Field required", "missing"))
#define NOT_OBJECT                                                             \
	DETAIL(ITEM("[\"body\"]",                                              \
	            "Input should be a valid dictionary or object to extract " \
	            "fields from",                                             \
	            "model_attributes_type"))
#define COMPILE "/api/v1/tasks/compile"

Test(validate, tasks_compile, .init = setup)
{
	static const struct row rows[] = {
		{ HTTP_POST, COMPILE, NULL, "{\"backend\":\"LUCIDAC\",\"source\":\"x\"}", USER, 0,
		  NULL },
		/* SIMULATOR is a valid class; that it cannot compile is the handler's 400 */
		{ HTTP_POST, COMPILE, NULL,
		  "{\"backend\":\"SIMULATOR\",\"source\":\"x\",\"name\":null}", USER, 0, NULL },
		{ HTTP_POST, COMPILE, NULL, NULL, USER, 422, NO_BODY },
		{ HTTP_POST, COMPILE, NULL, "[]", USER, 422, NOT_OBJECT },
		{ HTTP_POST, COMPILE, NULL, "{", USER, 422, NULL },
		{ HTTP_POST, COMPILE, NULL, "{\"a\":1,\"a\":2}", USER, 422, NULL },
		{ HTTP_POST, COMPILE, NULL, "{}", USER, 422,
		  DETAIL(MISSING("backend") "," MISSING("source")) },
		{ HTTP_POST, COMPILE, NULL,
		  "{\"zz\":1,\"backend\":\"X\",\"source\":\"s\",\"aa\":2}", USER, 422,
		  DETAIL(EXTRA("zz") "," EXTRA("aa") "," ITEM(
			  "[\"body\",\"backend\"]",
			  "Input should be 'SIMULATOR', 'LUCIDAC' or 'REDAC'", "enum")) },
		{ HTTP_POST, COMPILE, NULL, "{\"backend\":\"LUCIDAC\",\"source\":5,\"name\":7}",
		  USER, 422, DETAIL(NOT_STR("source") "," NOT_STR("name")) },
		/* jansson refuses \u0000 before the string reader sees it */
		{ HTTP_POST, COMPILE, NULL, "{\"backend\":\"LUCIDAC\",\"source\":\"a\\u0000b\"}",
		  USER, 422, NULL },
	};

	check_rows(rows, N_OF(rows));
}

Test(validate, tasks_compile_name_length, .init = setup)
{
	char body[512];
	struct row row = { HTTP_POST,
		           COMPILE,
		           NULL,
		           body,
		           USER,
		           422,
		           DETAIL(ITEM("[\"body\",\"name\"]",
		                       "String should have at most 256 characters",
		                       "string_too_long")) };

	snprintf(body, sizeof(body), "{\"backend\":\"REDAC\",\"source\":\"s\",\"name\":\"%0257d\"}",
	         0);
	check_rows(&row, 1);
	snprintf(body, sizeof(body), "{\"backend\":\"REDAC\",\"source\":\"s\",\"name\":\"%0256d\"}",
	         0);
	row.status = 0;
	row.answer = NULL;
	check_rows(&row, 1);
}

#define RUN     "/api/v1/tasks/run"
#define ONE_SRC "Exactly one of circuit, circuit_apb or compile_task_id is required"
#define DEV     "{\"device_name\":\"sim-1\","

Test(validate, tasks_run, .init = setup)
{
	static const struct row rows[] = {
		{ HTTP_POST, RUN, NULL, DEV "\"compile_task_id\":\"" UUID_A "\"}", USER, 0, NULL },
		{ HTTP_POST, RUN, NULL, NULL, USER, 422, NO_BODY },
		/* the circuit source is looked at only when the rest is clean */
		{ HTTP_POST, RUN, NULL, "{\"circuit\":5}", USER, 422,
		  DETAIL(MISSING("device_name")) },
		{ HTTP_POST, RUN, NULL, "{\"device_name\":\"sim-1\"}", USER, 422,
		  DETAIL(ITEM("[\"body\"]", ONE_SRC, "value_error")) },
		{ HTTP_POST, RUN, NULL, DEV "\"circuit_apb\":5,\"circuit\":{}}", USER, 422,
		  DETAIL(ITEM("[\"body\"]", ONE_SRC, "value_error")) },
		{ HTTP_POST, RUN, NULL, DEV "\"circuit_apb\":null,\"circuit\":\"x\"}", USER, 422,
		  DETAIL(ITEM("[\"body\",\"circuit\"]", "Input should be a valid circuit object",
		              "model_attributes_type")) },
		{ HTTP_POST, RUN, NULL, DEV "\"circuit_apb\":5}", USER, 422,
		  DETAIL(NOT_STR("circuit_apb")) },
		{ HTTP_POST, RUN, NULL, DEV "\"circuit_apb\":\"!!!\"}", USER, 422,
		  DETAIL(ITEM("[\"body\",\"circuit_apb\"]", "Invalid base64", "value_error")) },
		{ HTTP_POST, RUN, NULL, DEV "\"compile_task_id\":\"nope\"}", USER, 422,
		  DETAIL(ITEM("[\"body\",\"compile_task_id\"]", "Input should be a valid UUID",
		              "uuid_parsing")) },
		{ HTTP_POST, RUN, NULL, DEV "\"compile_task_id\":7}", USER, 422,
		  DETAIL(NOT_STR("compile_task_id")) },
		{ HTTP_POST, RUN, NULL, DEV "\"op_time\":0,\"sample_rate\":0.5,\"circuit\":5}",
		  USER, 422,
		  DETAIL(ITEM("[\"body\",\"op_time\"]", "Input should be greater than 0",
		              "greater_than") "," ITEM("[\"body\",\"sample_rate\"]",
		                                       "Input should be a valid integer",
		                                       "int_type")) },
		{ HTTP_POST, RUN, NULL, DEV "\"op_time\":11,\"sample_rate\":2000000}", USER, 422,
		  DETAIL(ITEM("[\"body\",\"op_time\"]", "Input should be less than or equal to 10",
		              "less_than_equal") "," ITEM("[\"body\",\"sample_rate\"]",
		                                          "Input should be less than or equal to "
		                                          "1000000",
		                                          "less_than_equal")) },
		{ HTTP_POST, RUN, NULL, DEV "\"sample_rate\":0,\"op_time\":\"1\"}", USER, 422,
		  DETAIL(ITEM("[\"body\",\"op_time\"]", "Input should be a valid number",
		              "float_type") "," ITEM("[\"body\",\"sample_rate\"]",
		                                     "Input should be greater than or equal to 1",
		                                     "greater_than_equal")) },
		{ HTTP_POST, RUN, NULL, "{\"device_name\":1,\"x\":2}", USER, 422,
		  DETAIL(EXTRA("x") "," NOT_STR("device_name")) },
	};

	check_rows(rows, N_OF(rows));
}

static char *corpus_circuit_run(void)
{
	FILE *f = fopen(TEST_SRCDIR "/tests/fuzz/corpus/fuzz_body/run_circuit.json", "rb");
	char *text = calloc(1, 65536);

	cr_assert_not_null(f);
	cr_assert_not_null(text);
	cr_assert_gt(fread(text, 1, 65535, f), 0);
	fclose(f);
	return text;
}

Test(validate, tasks_run_values, .init = setup)
{
	char *body = corpus_circuit_run();
	struct row circuit = { HTTP_POST, RUN, NULL, body, USER, 0, NULL };
	struct row compiled = {
		HTTP_POST, RUN, NULL, DEV "\"compile_task_id\":\"" UUID_A "\",\"sample_rate\":1e3}",
		USER,      0,   NULL
	};
	struct outcome o;

	validate(&circuit, &o);
	cr_assert(o.ok, "%s", json_dumps(o.fail.body, 0));
	cr_assert(o.map.body[RUN_CIRCUIT].present);
	cr_assert(json_is_object(o.map.body[RUN_CIRCUIT].json));
	cr_assert_eq(o.map.body[RUN_CIRCUIT].integer, 1); /* one ADC channel */
	cr_assert(!o.map.body[RUN_COMPILE_TASK_ID].present);
	cr_assert_str_eq(o.map.body[RUN_DEVICE_NAME].str, "sim-1");
	cr_assert_float_eq(o.map.body[RUN_OP_TIME].number, 0.1, 1e-12);
	cr_assert_eq(o.map.body[RUN_SAMPLE_RATE].integer, 10000);
	cr_assert_null(o.map.body[RUN_NAME].str);
	outcome_free(&o);
	free(body);
	validate(&compiled, &o);
	cr_assert(o.ok);
	cr_assert_str_eq(o.map.body[RUN_COMPILE_TASK_ID].uuid,
	                 "0a0b0c0d-0000-4000-8000-00000000000f");
	cr_assert_eq(o.map.body[RUN_SAMPLE_RATE].integer, 1000);
	outcome_free(&o);
}

#define SEARCH "/api/v1/tasks/search"

Test(validate, tasks_search, .init = setup)
{
	static const struct row rows[] = {
		{ HTTP_POST, SEARCH, NULL, NULL, USER, 0, NULL },
		{ HTTP_POST, SEARCH, NULL, "{}", USER, 0, NULL },
		{ HTTP_POST, SEARCH, NULL, "[]", USER, 422, NOT_OBJECT },
		{ HTTP_POST, SEARCH, NULL, "{\"bogus\":1}", USER, 422, DETAIL(EXTRA("bogus")) },
		/* only an admin's user_id filter is read */
		{ HTTP_POST, SEARCH, NULL, "{\"user_id\":5}", USER, 0, NULL },
		{ HTTP_POST, SEARCH, NULL, "{\"user_id\":5}", ADMIN, 422,
		  DETAIL(ITEM("[\"body\",\"user_id\"]", "Input should be a valid list",
		              "list_type")) },
		{ HTTP_POST, SEARCH, NULL, "{\"user_id\":[\"alice\",3]}", ADMIN, 422,
		  DETAIL(ITEM("[\"body\",\"user_id\",1]", "Input should be a valid string",
		              "string_type")) },
		{ HTTP_POST, SEARCH, NULL, "{\"state\":[\"queued\",\"nope\"],\"type\":\"run\"}",
		  USER, 422,
		  DETAIL(ITEM("[\"body\",\"type\"]", "Input should be a valid list",
		              "list_type") "," ITEM("[\"body\",\"state\",1]",
		                                    "Input should be one of the allowed values",
		                                    "enum")) },
		{ HTTP_POST, SEARCH, NULL, "{\"device_name\":[1],\"device_class\":[\"LUCIDAC\"]}",
		  USER, 422,
		  DETAIL(ITEM("[\"body\",\"device_name\",0]", "Input should be a valid string",
		              "string_type")) },
		{ HTTP_POST, SEARCH, NULL, "{\"from\":\"yesterday\"}", USER, 422,
		  DETAIL(ITEM("[\"body\",\"from\"]", "Input should be a valid ISO 8601 datetime",
		              "datetime_parsing")) },
		/* a bad `to` is the only window item */
		{ HTTP_POST, SEARCH, NULL, "{\"from\":\"bad\",\"to\":\"bad\"}", USER, 422,
		  DETAIL(ITEM("[\"body\",\"to\"]", "Input should be a valid ISO 8601 datetime",
		              "datetime_parsing")) },
		{ HTTP_POST, SEARCH, NULL, "{\"from\":5,\"limit\":0}", USER, 422,
		  DETAIL(NOT_STR("from") "," ITEM("[\"body\",\"limit\"]",
		                                  "Input should be greater than or equal to 1",
		                                  "greater_than_equal")) },
		{ HTTP_POST, SEARCH, NULL,
		  "{\"from\":\"2026-01-02T00:00:00Z\",\"to\":\"2026-01-01T00:00:00Z\"}", USER, 422,
		  DETAIL(ITEM("[\"body\",\"from\"]", "from must not be after to", "value_error")) },
		{ HTTP_POST, SEARCH, NULL,
		  "{\"from\":\"2025-01-01T00:00:00Z\",\"to\":\"2026-01-01T00:00:00Z\"}", USER, 422,
		  DETAIL(ITEM("[\"body\"]", "The search window may span at most 90 days",
		              "value_error")) },
		{ HTTP_POST, SEARCH, NULL, "{\"offset\":-1,\"limit\":1001}", USER, 422,
		  DETAIL(ITEM(
			  "[\"body\",\"limit\"]", "Input should be less than or equal to 1000",
			  "less_than_equal") "," ITEM("[\"body\",\"offset\"]",
		                                      "Input should be greater than or equal to 0",
		                                      "greater_than_equal")) },
	};

	check_rows(rows, N_OF(rows));
}

Test(validate, tasks_search_list_bound, .init = setup)
{
	char body[1024] = "{\"type\":[";
	struct row row = { HTTP_POST,
		           SEARCH,
		           NULL,
		           body,
		           USER,
		           422,
		           DETAIL(ITEM("[\"body\",\"type\"]", "List should have at most 100 items",
		                       "too_long")) };

	for (int i = 0; i < 101; i++)
		strcat(body, i ? ",\"run\"" : "\"run\"");
	strcat(body, "]}");
	check_rows(&row, 1);
}

Test(validate, tasks_search_values, .init = setup)
{
	struct row admin = { HTTP_POST,
		             SEARCH,
		             NULL,
		             "{\"user_id\":[\"" ADMIN_K "\",\"alice\",\"nobody\"],"
		             "\"from\":\"2100-01-01T00:00:00Z\",\"limit\":5}",
		             ADMIN,
		             0,
		             NULL };
	struct outcome o;
	json_t *ids;

	validate(&admin, &o);
	cr_assert(o.ok, "%s", json_dumps(o.fail.body, 0));
	ids = o.map.body[SEARCH_USER_ID].json;
	cr_assert_eq(json_array_size(ids), 3);
	cr_assert_str_eq(json_string_value(json_array_get(ids, 0)), "root"); /* key -> id */
	cr_assert_str_eq(json_string_value(json_array_get(ids, 1)), "alice");
	cr_assert_str_eq(json_string_value(json_array_get(ids, 2)), "nobody");
	/* from alone: a 24-hour window from there */
	cr_assert_float_eq(o.map.body[SEARCH_FROM].number, 4102444800.0, 1e-6);
	cr_assert_float_eq(o.map.body[SEARCH_TO].number, 4102444800.0 + 86400, 1e-6);
	cr_assert_eq(o.map.body[SEARCH_LIMIT].integer, 5);
	cr_assert_eq(o.map.body[SEARCH_OFFSET].integer, 0);
	cr_assert(!o.map.body[SEARCH_STATE].present);
	outcome_free(&o);
}

/* Every route's input fits the field map, and every route with a path
 * parameter declares its type. */
/* ---- batch, tags, Idempotency-Key ---------------------------------------------- */

#define BATCH "/api/v1/tasks/batch"
#define GOOD_RUN                                                         \
	"{\"device_name\":\"sim-1\",\"compile_task_id\":\"" UUID_A "\"," \
	"\"tags\":[\"a\",\"k=1.5\"]}"

Test(validate, tasks_batch, .init = setup)
{
	static const struct row rows[] = {
		{ HTTP_POST, BATCH, NULL, "{\"runs\":[" GOOD_RUN "," GOOD_RUN "]}", USER, 0, NULL },
		{ HTTP_POST, BATCH, NULL, "{\"runs\":[]}", USER, 422,
		  DETAIL(ITEM("[\"body\",\"runs\"]", "List should have from 1 to 1000 items",
		              "too_short")) },
		{ HTTP_POST, BATCH, NULL, "{}", USER, 422,
		  DETAIL(ITEM("[\"body\",\"runs\"]", "Field required", "missing")) },
		{ HTTP_POST, BATCH, NULL, "{\"runs\":[" GOOD_RUN ",{\"device_name\":\"sim-1\"}]}",
		  USER, 422, DETAIL(ITEM("[\"body\",\"runs\",1]", ONE_SRC, "value_error")) },
		{ HTTP_POST, BATCH, NULL, "{\"runs\":[" GOOD_RUN ",{\"device_name\":5,\"x\":1}]}",
		  USER, 422,
		  DETAIL(ITEM(
			  "[\"body\",\"runs\",1,\"x\"]", "Extra inputs are not permitted",
			  "extra_forbidden") "," NOT_STR_AT("[\"body\",\"runs\",1,\"device_name\"]")) },
		{ HTTP_POST, BATCH, NULL, "{\"runs\":[" GOOD_RUN ",[]]}", USER, 422,
		  DETAIL(ITEM("[\"body\",\"runs\",1]",
		              "Input should be a valid dictionary or object",
		              "model_attributes_type")) },
		{ HTTP_POST, RUN, NULL,
		  DEV "\"compile_task_id\":\"" UUID_A "\",\"tags\":[\"a b\"]}", USER, 422,
		  DETAIL(ITEM("[\"body\",\"tags\",0]",
		              "String should match pattern '^[A-Za-z0-9_.:=-]{1,64}$'",
		              "string_pattern_mismatch")) },
	};

	check_rows(rows, N_OF(rows));
}

Test(validate, idempotency_key_header, .init = setup)
{
	static const char *const bad[] = { "", "tab\there", "\x7f" };
	struct row row = { HTTP_POST, BATCH, NULL, "{\"runs\":[" GOOD_RUN "]}", USER, 0, NULL };
	struct outcome o;
	char longest[256];

	memset(longest, 'k', 255);
	longest[255] = '\0';
	validate(&row, &o);
	cr_expect(o.ok);
	cr_expect_null(o.map.idempotency_key);
	outcome_free(&o);
	for (size_t i = 0; i < N_OF(bad); i++) {
		memset(&o, 0, sizeof(o));
		validate(&row, &o);
		outcome_free(&o);
		o.r.idempotency_key = bad[i];
		o.ok = fields_read(&o.r, &input_tasks_batch, &o.map, &o.fail);
		cr_expect(!o.ok && o.fail.status == 422, "key %zu accepted", i);
		outcome_free(&o);
	}
	validate(&row, &o);
	outcome_free(&o);
	o.r.idempotency_key = longest;
	o.ok = fields_read(&o.r, &input_tasks_batch, &o.map, &o.fail);
	cr_expect(o.ok);
	cr_expect_str_eq(o.map.idempotency_key, longest);
	outcome_free(&o);
}

Test(validate, route_table_declares_inputs)
{
	for (size_t i = 0; i < api_routes_count; i++) {
		const struct input_spec *in = api_routes[i].input;
		bool has_param = strchr(api_routes[i].pattern, '{') != NULL;

		cr_expect(!has_param || (in && in->n_path == 1), "%s", api_routes[i].pattern);
		if (in == NULL)
			continue;
		cr_expect_leq(in->n_query, FIELDS_QUERY_MAX);
		cr_expect(in->body == NULL || in->body->n_fields <= FIELDS_BODY_MAX);
	}
}
