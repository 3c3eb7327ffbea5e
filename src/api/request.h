/*
 * request: one HTTP request as the worker sees it, built from the FastCGI
 * params and body with every size bounded.  Handlers read typed, validated
 * values from here and never touch FastCGI themselves.  The struct owns
 * everything it points to (body, path copy, path parameters) until
 * request_reset().
 */
#ifndef ACLOUD_API_REQUEST_H
#define ACLOUD_API_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <fcgiapp.h>

#include "api/context.h"
#include "api/method.h"

#define REQUEST_PATH_MAX          2048
#define REQUEST_QUERY_MAX         4096
#define REQUEST_MAX_PATH_PARAMS   4
#define REQUEST_EXTRA_HEADERS_MAX 512
#define REQUEST_ID_MAX            64

struct request {
	FCGX_Request *fcgi;
	struct api_context *ctx;
	enum http_method method;
	const char *method_name;
	char path[REQUEST_PATH_MAX];
	char query[REQUEST_QUERY_MAX];
	const char *authorization; /* borrowed from the FastCGI params */
	const char *content_type;
	const char *idempotency_key; /* the Idempotency-Key header, borrowed; NULL if none */
	const char *path_params[REQUEST_MAX_PATH_PARAMS]; /* point into path_buf */
	char path_buf[REQUEST_PATH_MAX];
	size_t n_path_params;
	char *body; /* NUL-terminated, NULL when none */
	size_t body_len;
	const struct auth_key *key; /* set by authentication */
	int status;                 /* what was answered, for the log */
	bool responded;
	char request_id[REQUEST_ID_MAX + 1]; /* nginx's $request_id (REQUEST_ID), or "-" */
	int route_index;                     /* in the route table, -1: none matched */
	char extra_headers[REQUEST_EXTRA_HEADERS_MAX];
	size_t extra_headers_len;
};

#define REQUEST_OK  0
#define REQUEST_ERR (-1)

/*
 * Fill `r` from the FastCGI params, all but the body.  On a bad request
 * (path or query too long) this answers the client itself and returns
 * REQUEST_ERR.
 */
int request_parse(struct request *r, FCGX_Request *fcgi, struct api_context *ctx);
/* Reads the body into r->body when its declared length is at most
 * `limit` and it holds at most `max_values` JSON values (jsonscan.h;
 * SIZE_MAX for a body that is not JSON); else (too large, too many
 * values, bad length, short body, no memory) answers the client (413,
 * 400 or 500) and returns REQUEST_ERR. */
int request_read_body(struct request *r, size_t limit, size_t max_values);
void request_reset(struct request *r);

enum {
	QUERY_ABSENT,
	QUERY_FOUND,
	QUERY_BAD
};
/* Decoded value of query parameter `name` into `out`: QUERY_FOUND, or
 * QUERY_ABSENT, or QUERY_BAD (bad escape, or longer than `outlen`). */
int request_query_param(const struct request *r, const char *name, char *out, size_t outlen);

#endif
