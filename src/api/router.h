/*
 * router: matches (method, path) against a route table of patterns such as
 * "/api/v1/tasks/{task_id}/status".  A "{name}" segment matches exactly one
 * non-empty segment.  A route also says what input it accepts (fields.h),
 * which the dispatcher validates before the handler runs.  Pure: no I/O,
 * so the unit tests and the fuzzer drive it directly.
 */
#ifndef ACLOUD_API_ROUTER_H
#define ACLOUD_API_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include "api/fields.h"
#include "api/request.h"
#include "db/db.h"

/* How large a route's body may be: api.max_small_body_bytes (1 MiB, which
 * holds the longest compile source even fully escaped) or, where a base64
 * APB circuit can be, api.max_body_bytes (32 MiB).  Larger bodies are 413
 * before they are read. */
enum route_body {
	BODY_SMALL,
	BODY_CIRCUIT
};

typedef void (*route_handler)(struct request *r, const struct field_map *in);

struct route {
	enum http_method method;
	const char *pattern;
	route_handler handler;
	int needs_auth;                 /* false, true (any enabled key) or ROUTE_ADMIN */
	const struct input_spec *input; /* NULL: takes no input */
	enum route_body body_size;      /* how large a body it reads */
};

/* needs_auth of a route for admin keys only: 403 for other keys, before
 * the input is read. */
#define ROUTE_ADMIN 2

enum route_outcome {
	ROUTE_FOUND,
	ROUTE_NOT_FOUND,
	ROUTE_METHOD_NOT_ALLOWED
};

struct route_match {
	const struct route *route;
	const char *params[REQUEST_MAX_PATH_PARAMS]; /* point into the caller's buffer */
	size_t n_params;
	char allow[128]; /* for 405: "GET, POST" */
};

/*
 * Match `path` against `table`.  `buf` (at least strlen(path)+1 bytes)
 * receives the NUL-separated segment copies that params point into.
 */
enum route_outcome router_match(const struct route *table, size_t n_routes, enum http_method method,
                                const char *path, char *buf, size_t buflen,
                                struct route_match *out);

/* The API's route table and the statement sets of its handlers (routes.c). */
extern const struct route api_routes[];
extern const size_t api_routes_count;
extern const struct db_statement *const api_statement_sets[];

#endif
