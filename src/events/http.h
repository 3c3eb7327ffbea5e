/*
 * http: the little HTTP/1.x that acloud-events speaks to nginx: parse one
 * request head (request line, Authorization, Last-Event-ID), match it to
 * one of the two event routes, and write the response heads.  Pure: no
 * sockets, no database, so the unit tests and the fuzzer can drive it.
 *
 * Everything here is bounded: a head longer than HTTP_HEAD_MAX is refused,
 * long header values are refused rather than cut.
 */
#ifndef ACLOUD_EVENTS_HTTP_H
#define ACLOUD_EVENTS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "common/http_words.h"

#define HTTP_HEAD_MAX    8192
#define HTTP_TASK_ID_MAX 64 /* longer is not a UUID anyway */

enum http_parse {
	HTTP_PARSE_OK,
	HTTP_PARSE_INCOMPLETE, /* no blank line yet */
	HTTP_PARSE_BAD         /* not HTTP, or beyond the bounds */
};

enum http_route {
	ROUTE_NONE,
	ROUTE_TASK_EVENTS, /* GET /api/v1/tasks/{task_id}/events */
	ROUTE_USER_EVENTS  /* GET /api/v1/events */
};

struct http_request {
	bool is_get;
	enum http_route route;
	char task_id[HTTP_TASK_ID_MAX + 1]; /* the raw path segment */
	bool has_token;
	char token[BEARER_TOKEN_MAX + 1]; /* the Bearer token, trimmed */
	bool has_last_event_id;
	long long last_event_id; /* >= 0 */
};

/* The route patterns, for `acloud-events -r` (the routes test). */
extern const char *const http_route_patterns[];

enum http_parse http_parse_head(const char *buf, size_t len, struct http_request *req);

/* A complete response with a JSON body (errors); malloc'd, NULL on OOM. */
char *http_json_response(int status, const char *json, size_t *len);
/* The head of an event stream. */
extern const char http_stream_head[];

#endif
