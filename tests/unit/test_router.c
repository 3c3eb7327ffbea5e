/* Router: pattern matching, parameters, 404 versus 405, and the real table. */
#include "autoconfig.h"

#include <criterion/criterion.h>
#include <string.h>

#include "api/router.h"

static void h1(struct request *r, const struct field_map *in)
{
	(void)r;
	(void)in;
}
static void h2(struct request *r, const struct field_map *in)
{
	(void)r;
	(void)in;
}

static const struct route table[] = {
	{ HTTP_GET, "/health", h1, false, NULL, BODY_SMALL },
	{ HTTP_GET, "/api/v1/tasks/{task_id}", h1, true, NULL, BODY_SMALL },
	{ HTTP_DELETE, "/api/v1/tasks/{task_id}", h2, true, NULL, BODY_SMALL },
	{ HTTP_GET, "/api/v1/tasks/{task_id}/status", h2, true, NULL, BODY_SMALL },
	{ HTTP_POST, "/api/v1/tasks/search", h2, true, NULL, BODY_SMALL },
	{ HTTP_GET, "/a/{x}/b/{y}", h1, true, NULL, BODY_SMALL },
};
static const size_t n_table = sizeof(table) / sizeof(table[0]);

static enum route_outcome match(enum http_method m, const char *path, struct route_match *out)
{
	static char buf[REQUEST_PATH_MAX];

	return router_match(table, n_table, m, path, buf, sizeof(buf), out);
}

Test(router, literal_route)
{
	struct route_match m;

	cr_assert_eq(match(HTTP_GET, "/health", &m), ROUTE_FOUND);
	cr_assert_eq(m.route, &table[0]);
	cr_assert_eq(m.n_params, 0);
}

Test(router, captures_parameters)
{
	struct route_match m;

	cr_assert_eq(match(HTTP_GET, "/api/v1/tasks/abc-123/status", &m), ROUTE_FOUND);
	cr_assert_eq(m.route, &table[3]);
	cr_assert_eq(m.n_params, 1);
	cr_assert_str_eq(m.params[0], "abc-123");
	cr_assert_eq(match(HTTP_GET, "/a/one/b/two", &m), ROUTE_FOUND);
	cr_assert_eq(m.n_params, 2);
	cr_assert_str_eq(m.params[0], "one");
	cr_assert_str_eq(m.params[1], "two");
}

Test(router, method_selects_handler)
{
	struct route_match m;

	cr_assert_eq(match(HTTP_DELETE, "/api/v1/tasks/x", &m), ROUTE_FOUND);
	cr_assert_eq(m.route->handler, h2);
	cr_assert_eq(match(HTTP_GET, "/api/v1/tasks/x", &m), ROUTE_FOUND);
	cr_assert_eq(m.route->handler, h1);
}

Test(router, literal_beats_nothing_but_param_matches_search_for_get)
{
	struct route_match m;

	/* GET /tasks/search is the {task_id} route: its id is validated before the handler. */
	cr_assert_eq(match(HTTP_GET, "/api/v1/tasks/search", &m), ROUTE_FOUND);
	cr_assert_eq(m.route, &table[1]);
	cr_assert_eq(match(HTTP_POST, "/api/v1/tasks/search", &m), ROUTE_FOUND);
	cr_assert_eq(m.route, &table[4]);
}

Test(router, wrong_method_is_405_with_allow)
{
	struct route_match m;

	cr_assert_eq(match(HTTP_POST, "/api/v1/tasks/x", &m), ROUTE_METHOD_NOT_ALLOWED);
	cr_assert_str_eq(m.allow, "GET, DELETE");
	cr_assert_eq(match(HTTP_PUT, "/health", &m), ROUTE_METHOD_NOT_ALLOWED);
	cr_assert_str_eq(m.allow, "GET");
}

Test(router, unknown_paths_are_404)
{
	struct route_match m;
	const char *paths[] = { "/",
		                "",
		                "/health/",
		                "/healthz",
		                "/api/v1/tasks",
		                "/api/v1/tasks/",
		                "/api/v1/tasks//status",
		                "/api/v1/tasks/x/status/extra",
		                "//health",
		                "health" };

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		cr_assert_eq(match(HTTP_GET, paths[i], &m), ROUTE_NOT_FOUND, "path %s", paths[i]);
}

Test(router, small_buffer_does_not_overflow)
{
	struct route_match m;
	char buf[4];

	cr_assert_eq(router_match(table, n_table, HTTP_GET, "/api/v1/tasks/abcdefgh", buf,
	                          sizeof(buf), &m),
	             ROUTE_NOT_FOUND);
}

Test(router, api_table_patterns_are_well_formed)
{
	for (size_t i = 0; i < api_routes_count; i++) {
		const char *p = api_routes[i].pattern;

		cr_assert_eq(p[0], '/', "%s", p);
		cr_assert_null(strstr(p, "//"), "%s", p);
		cr_assert_not_null(api_routes[i].handler);
		for (size_t j = 0; j < i; j++)
			cr_assert(!(api_routes[j].method == api_routes[i].method &&
			            strcmp(api_routes[j].pattern, p) == 0),
			          "duplicate route %s", p);
	}
}
