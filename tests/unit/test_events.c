/*
 * test_events: the pure parts of acloud-events: request head parsing and
 * route matching (hostile heads included) and the text of events.
 */
#include "autoconfig.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "events/http.h"
#include "events/sse.h"

static enum http_parse parse(const char *head, struct http_request *req)
{
	return http_parse_head(head, strlen(head), req);
}

Test(http, task_route_with_token_and_last_event_id)
{
	struct http_request req;

	cr_assert_eq(
		parse("GET /api/v1/tasks/0B7E0000-0000-4000-8000-000000000001/events?x=1 HTTP/1.0\r\n"
	              "Host: x\r\nauthorization:  bearer  abc  \r\nLast-Event-ID: 42\r\n\r\n",
	              &req),
		HTTP_PARSE_OK);
	cr_assert(req.is_get);
	cr_assert_eq(req.route, ROUTE_TASK_EVENTS);
	cr_assert_str_eq(req.task_id, "0B7E0000-0000-4000-8000-000000000001");
	cr_assert(req.has_token);
	cr_assert_str_eq(req.token, "abc");
	cr_assert(req.has_last_event_id);
	cr_assert_eq(req.last_event_id, 42);
}

Test(http, user_route_and_other_paths)
{
	struct http_request req;

	cr_assert_eq(parse("GET /api/v1/events HTTP/1.1\r\n\r\n", &req), HTTP_PARSE_OK);
	cr_assert_eq(req.route, ROUTE_USER_EVENTS);
	cr_assert_not(req.has_token);
	cr_assert_eq(parse("POST /api/v1/events HTTP/1.1\r\n\r\n", &req), HTTP_PARSE_OK);
	cr_assert_not(req.is_get);
	cr_assert_eq(parse("GET /api/v1/tasks/a/b/events HTTP/1.1\r\n\r\n", &req), HTTP_PARSE_OK);
	cr_assert_eq(req.route, ROUTE_NONE);
	cr_assert_eq(parse("GET /api/v1/tasks//events HTTP/1.1\r\n\r\n", &req), HTTP_PARSE_OK);
	cr_assert_eq(req.route, ROUTE_NONE);
	cr_assert_eq(parse("GET /api/v1/eventsx HTTP/1.1\r\n\r\n", &req), HTTP_PARSE_OK);
	cr_assert_eq(req.route, ROUTE_NONE);
}

Test(http, incomplete_and_bad_heads)
{
	struct http_request req;
	char *big = malloc(HTTP_HEAD_MAX + 1);

	cr_assert_eq(parse("GET /api/v1/events HTTP/1.1\r\nHost: x\r\n", &req),
	             HTTP_PARSE_INCOMPLETE);
	cr_assert_eq(parse("GARBAGE\r\n\r\n", &req), HTTP_PARSE_BAD);
	cr_assert_eq(parse("GET /x HTTP/1.1\r\nno colon here\r\n\r\n", &req), HTTP_PARSE_BAD);
	cr_assert_eq(parse("GET x HTTP/1.1\r\n\r\n", &req), HTTP_PARSE_BAD);
	cr_assert_eq(parse("GET /x\x01 HTTP/1.1\r\n\r\n", &req), HTTP_PARSE_BAD);
	memset(big, 'a', HTTP_HEAD_MAX);
	cr_assert_eq(http_parse_head(big, HTTP_HEAD_MAX, &req), HTTP_PARSE_BAD);
	free(big);
}

Test(http, tokens_and_ids_out_of_bounds_are_ignored)
{
	struct http_request req;
	char head[2048];
	char token[BEARER_TOKEN_MAX + 2];

	memset(token, 'k', sizeof(token) - 1);
	token[sizeof(token) - 1] = '\0';
	snprintf(head, sizeof(head),
	         "GET /api/v1/events HTTP/1.1\r\nAuthorization: Bearer %s\r\n"
	         "Last-Event-ID: 99999999999999999999\r\n\r\n",
	         token);
	cr_assert_eq(parse(head, &req), HTTP_PARSE_OK);
	cr_assert_not(req.has_token);
	cr_assert_not(req.has_last_event_id);
	cr_assert_eq(parse("GET /api/v1/events HTTP/1.1\r\nAuthorization: Basic abc\r\n"
	                   "Last-Event-ID: -1\r\n\r\n",
	                   &req),
	             HTTP_PARSE_OK);
	cr_assert_not(req.has_token);
	cr_assert_not(req.has_last_event_id);
}

Test(http, uuid)
{
	char out[37];

	cr_assert(valid_uuid("0B7E0000-0000-4000-8000-00000000000A", out));
	cr_assert_str_eq(out, "0b7e0000-0000-4000-8000-00000000000a");
	cr_assert_not(valid_uuid("not-a-uuid", out));
	cr_assert_not(valid_uuid("0b7e0000x0000-4000-8000-00000000000a", out));
}

Test(http, json_response)
{
	size_t len;
	char *r = http_json_response(404, "{\"detail\":\"Task not found\"}", &len);

	cr_assert_not_null(r);
	cr_assert_eq(strlen(r), len);
	cr_assert(strstr(r, "HTTP/1.1 404 Not Found\r\n") == r);
	cr_assert_not_null(strstr(r, "Content-Length: 27\r\n"));
	free(r);
}

static json_t *data_of(const char *text, const char *id, const char *kind)
{
	char prefix[64];
	const char *data;

	snprintf(prefix, sizeof(prefix), "id: %s\nevent: %s\ndata: ", id, kind);
	cr_assert(strncmp(text, prefix, strlen(prefix)) == 0, "%s", text);
	data = text + strlen(prefix);
	cr_assert_str_eq(data + strlen(data) - 2, "\n\n");
	cr_assert_null(memchr(data, '\n', strlen(data) - 2), "one data line");
	return json_loadb(data, strlen(data) - 2, 0, NULL);
}

Test(sse, state_event)
{
	struct sse_event ev = {
		7, "t-1", "state", "failed", "2025-01-01T00:00:00.000000Z", "bad\nthing", NULL
	};
	size_t len;
	char *text = sse_format_event(&ev, &len);
	json_t *data = data_of(text, "7", "state");

	cr_assert_str_eq(json_string_value(json_object_get(data, "state")), "failed");
	cr_assert_str_eq(json_string_value(json_object_get(data, "detail")), "bad\nthing");
	cr_assert_str_eq(json_string_value(json_object_get(data, "task_id")), "t-1");
	json_decref(data);
	free(text);
	ev.detail = NULL;
	text = sse_format_event(&ev, &len);
	data = data_of(text, "7", "state");
	cr_assert(json_is_null(json_object_get(data, "detail")));
	json_decref(data);
	free(text);
}

Test(sse, log_and_end_events)
{
	struct sse_event ev = { 8,
		                "t-1",
		                "log",
		                NULL,
		                "2025-01-01T00:00:00.000000Z",
		                NULL,
		                "line with \r\n and \xc3\xa9" };
	size_t len;
	char *text = sse_format_event(&ev, &len);
	json_t *data = data_of(text, "8", "log");

	cr_assert_str_eq(json_string_value(json_object_get(data, "line")),
	                 "line with \r\n and \xc3\xa9");
	json_decref(data);
	free(text);
	text = sse_format_end(8, "t-1", "succeeded", &len);
	data = data_of(text, "8", "end");
	cr_assert_str_eq(json_string_value(json_object_get(data, "state")), "succeeded");
	json_decref(data);
	free(text);
	ev.kind = "other";
	cr_assert_null(sse_format_event(&ev, &len));
}
