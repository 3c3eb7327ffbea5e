/*
 * http: request head parsing and response heads for acloud-events.
 * Header names are matched case-insensitively; a header line without a
 * colon, a control character in the request line or a head beyond
 * HTTP_HEAD_MAX makes the request bad.
 */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "events/http.h"

#define TASK_PREFIX "/api/v1/tasks/"
#define TASK_SUFFIX "/events"
#define USER_PATH   "/api/v1/events"

const char *const http_route_patterns[] = { "GET /api/v1/tasks/{task_id}/events",
	                                    "GET /api/v1/events", NULL };

const char http_stream_head[] = "HTTP/1.1 200 OK\r\n"
				"Content-Type: text/event-stream; charset=utf-8\r\n"
				"Cache-Control: no-cache\r\n"
				"X-Accel-Buffering: no\r\n"
				"Connection: close\r\n\r\n";

/* The path without its query string, matched against the two routes. */
static void match_route(const char *path, size_t len, struct http_request *req)
{
	const char *q = memchr(path, '?', len);
	size_t plen = strlen(TASK_PREFIX), slen = strlen(TASK_SUFFIX), id_len;

	if (q != NULL)
		len = (size_t)(q - path);
	req->route = ROUTE_NONE;
	if (len == strlen(USER_PATH) && memcmp(path, USER_PATH, len) == 0) {
		req->route = ROUTE_USER_EVENTS;
		return;
	}
	if (len <= plen + slen || memcmp(path, TASK_PREFIX, plen) != 0 ||
	    memcmp(path + len - slen, TASK_SUFFIX, slen) != 0)
		return;
	id_len = len - plen - slen;
	if (id_len > HTTP_TASK_ID_MAX || memchr(path + plen, '/', id_len) != NULL)
		return;
	memcpy(req->task_id, path + plen, id_len);
	req->task_id[id_len] = '\0';
	req->route = ROUTE_TASK_EVENTS;
}

/* "GET /path HTTP/1.1" */
static bool parse_request_line(const char *line, size_t len, struct http_request *req)
{
	const char *sp1 = memchr(line, ' ', len), *sp2;

	for (size_t i = 0; i < len; i++)
		if (iscntrl((unsigned char)line[i]))
			return false;
	if (sp1 == NULL)
		return false;
	sp2 = memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - line));
	if (sp2 == NULL || sp2 == sp1 + 1 || sp1[1] != '/')
		return false;
	if (len - (size_t)(sp2 + 1 - line) < 5 || memcmp(sp2 + 1, "HTTP/", 5) != 0)
		return false;
	req->is_get = sp1 - line == 3 && memcmp(line, "GET", 3) == 0;
	match_route(sp1 + 1, (size_t)(sp2 - sp1 - 1), req);
	return true;
}

/* A header value without the blanks around it (RFC 9110 OWS). */
static void trim(const char **v, size_t *len)
{
	while (*len > 0 && (**v == ' ' || **v == '\t')) {
		(*v)++;
		(*len)--;
	}
	while (*len > 0 && ((*v)[*len - 1] == ' ' || (*v)[*len - 1] == '\t'))
		(*len)--;
}

/* "Bearer <token>"; anything else leaves has_token false (403). */
static void parse_authorization(const char *v, size_t len, struct http_request *req)
{
	size_t token_len;
	const char *token = http_bearer_token(v, len, &token_len);

	if (token == NULL)
		return;
	memcpy(req->token, token, token_len);
	req->token[token_len] = '\0';
	req->has_token = true;
}

/* A decimal event id; anything else is ignored (as if not sent). */
static void parse_last_event_id(const char *v, size_t len, struct http_request *req)
{
	char digits[20];
	long long id;

	if (len == 0 || len >= sizeof(digits))
		return;
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char)v[i]))
			return;
	memcpy(digits, v, len);
	digits[len] = '\0';
	errno = 0;
	id = strtoll(digits, NULL, 10);
	if (errno != 0)
		return;
	req->last_event_id = id;
	req->has_last_event_id = true;
}

static bool parse_header(const char *line, size_t len, struct http_request *req)
{
	const char *colon = memchr(line, ':', len), *value;
	size_t name_len, value_len;

	if (colon == NULL)
		return false;
	name_len = (size_t)(colon - line);
	value = colon + 1;
	value_len = len - name_len - 1;
	trim(&value, &value_len);
	if (name_len == 13 && strncasecmp(line, "Authorization", 13) == 0)
		parse_authorization(value, value_len, req);
	else if (name_len == 13 && strncasecmp(line, "Last-Event-ID", 13) == 0)
		parse_last_event_id(value, value_len, req);
	return true;
}

enum http_parse http_parse_head(const char *buf, size_t len, struct http_request *req)
{
	const char *end = NULL, *line, *eol;

	for (size_t i = 0; i + 3 < len; i++)
		if (memcmp(buf + i, "\r\n\r\n", 4) == 0) {
			end = buf + i + 2; /* after the last header's CRLF */
			break;
		}
	if (end == NULL)
		return len >= HTTP_HEAD_MAX ? HTTP_PARSE_BAD : HTTP_PARSE_INCOMPLETE;
	memset(req, 0, sizeof(*req));
	eol = memchr(buf, '\r', (size_t)(end - buf));
	if (eol == NULL || !parse_request_line(buf, (size_t)(eol - buf), req))
		return HTTP_PARSE_BAD;
	for (line = eol + 2; line < end; line = eol + 2) {
		eol = memchr(line, '\r', (size_t)(end - line));
		if (eol == NULL || eol[1] != '\n' || !parse_header(line, (size_t)(eol - line), req))
			return HTTP_PARSE_BAD;
	}
	return HTTP_PARSE_OK;
}

char *http_json_response(int status, const char *json, size_t *len)
{
	size_t body = strlen(json), cap = body + 256;
	char *out = malloc(cap);
	int n;

	if (out == NULL)
		return NULL;
	n = snprintf(
		out, cap,
		"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
		"Content-Length: %zu\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n%s",
		status, http_reason(status), body, json);
	if (n < 0 || (size_t)n >= cap) {
		free(out);
		return NULL;
	}
	*len = (size_t)n;
	return out;
}
