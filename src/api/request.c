/*
 * request: turns FastCGI params and stdin into a struct request.  This is
 * the first code that touches untrusted input, so it only copies with
 * bounds.  The body is read later, once the route (and so its limit) is
 * known and the caller is authenticated.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/jsonscan.h"
#include "api/request.h"
#include "api/response.h"
#include "common/hex.h"

/* nginx gives the normalised, decoded path in DOCUMENT_URI; other servers
 * (spawn-style hosting) may only give REQUEST_URI, whose query we cut. */
static int copy_path(struct request *r, FCGX_ParamArray envp)
{
	const char *path = FCGX_GetParam("DOCUMENT_URI", envp);
	size_t len;

	if (path == NULL || *path == '\0') {
		path = FCGX_GetParam("REQUEST_URI", envp);
		if (path == NULL)
			path = "/";
		len = strcspn(path, "?");
	} else {
		len = strlen(path);
	}
	if (len >= sizeof(r->path))
		return REQUEST_ERR;
	memcpy(r->path, path, len);
	r->path[len] = '\0';
	return REQUEST_OK;
}

#define BODY_READ_CHUNK 65536

/* Reads the declared `len` bytes into r->body, counting JSON values as
 * they come (jsonscan.h) so that a value bomb is refused after its first
 * piece instead of its last; answers the client when it refuses. */
static int read_counted(struct request *r, size_t len, size_t max_values)
{
	struct json_scan scan;
	size_t off = 0;

	json_scan_init(&scan);
	r->body = malloc(len + 1);
	if (r->body == NULL) {
		respond_error(r, 500, "Out of memory");
		return REQUEST_ERR;
	}
	while (off < len) {
		int want = (int)(len - off < BODY_READ_CHUNK ? len - off : BODY_READ_CHUNK);
		int got = FCGX_GetStr(r->body + off, want, r->fcgi->in);

		if (got <= 0) {
			respond_error(r, 400, "Incomplete request body");
			return REQUEST_ERR;
		}
		if (!json_scan_feed(&scan, r->body + off, (size_t)got, max_values)) {
			respond_error(r, 413, "Request body holds too many JSON values");
			return REQUEST_ERR;
		}
		off += (size_t)got;
	}
	r->body[len] = '\0';
	r->body_len = len;
	return REQUEST_OK;
}

int request_read_body(struct request *r, size_t limit, size_t max_values)
{
	const char *length;
	unsigned long long declared;
	char *end;

	if (r->fcgi == NULL) { /* built in memory (fuzzers, unit tests): the body is there */
		if (r->body_len <= limit)
			return REQUEST_OK;
		respond_error(r, 413, "Request body too large");
		return REQUEST_ERR;
	}
	length = FCGX_GetParam("CONTENT_LENGTH", r->fcgi->envp);
	if (length == NULL || *length == '\0')
		return REQUEST_OK;
	declared = strtoull(length, &end, 10);
	if (*end != '\0' || length[0] == '-') {
		respond_error(r, 400, "Invalid Content-Length");
		return REQUEST_ERR;
	}
	if (declared > limit) {
		respond_error(r, 413, "Request body too large");
		return REQUEST_ERR;
	}
	if (declared == 0)
		return REQUEST_OK;
	return read_counted(r, (size_t)declared, max_values);
}

/* nginx's request id, for the access line: hex, or "-" when absent or odd. */
static void read_request_id(struct request *r, const char *id)
{
	size_t n = id ? strspn(id, "0123456789abcdefABCDEF") : 0;

	if (n == 0 || n > REQUEST_ID_MAX || id[n] != '\0')
		snprintf(r->request_id, sizeof(r->request_id), "-");
	else
		memcpy(r->request_id, id, n + 1);
}

int request_parse(struct request *r, FCGX_Request *fcgi, struct api_context *ctx)
{
	FCGX_ParamArray envp = fcgi->envp;
	const char *method = FCGX_GetParam("REQUEST_METHOD", envp);
	const char *query = FCGX_GetParam("QUERY_STRING", envp);

	memset(r, 0, sizeof(*r));
	read_request_id(r, FCGX_GetParam("REQUEST_ID", envp));
	r->route_index = -1;
	r->fcgi = fcgi;
	r->ctx = ctx;
	r->method_name = method ? method : "GET";
	r->method = http_method_parse(r->method_name);
	r->authorization = FCGX_GetParam("HTTP_AUTHORIZATION", envp);
	r->content_type = FCGX_GetParam("CONTENT_TYPE", envp);
	r->idempotency_key = FCGX_GetParam("HTTP_IDEMPOTENCY_KEY", envp);
	if (copy_path(r, envp) != REQUEST_OK) {
		strcpy(r->path, "/");
		respond_error(r, 414, "Request path too long");
		return REQUEST_ERR;
	}
	if (query != NULL) {
		if (strlen(query) >= sizeof(r->query)) {
			respond_error(r, 414, "Query string too long");
			return REQUEST_ERR;
		}
		strcpy(r->query, query);
	}
	return REQUEST_OK;
}

void request_reset(struct request *r)
{
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
}

/* Percent-decodes `len` bytes of `in` into `out`; false if it does not fit
 * or the escape is malformed. */
static bool url_decode(const char *in, size_t len, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char c = in[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return false;
			hi = hex_digit_value(in[i + 1]);
			lo = hex_digit_value(in[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			c = (char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (o + 1 >= outlen)
			return false;
		out[o++] = c;
	}
	out[o] = '\0';
	return true;
}

int request_query_param(const struct request *r, const char *name, char *out, size_t outlen)
{
	size_t name_len = strlen(name);
	const char *p = r->query;

	while (*p) {
		size_t pair_len = strcspn(p, "&");
		const char *eq = memchr(p, '=', pair_len);
		size_t key_len = eq ? (size_t)(eq - p) : pair_len;

		if (key_len == name_len && memcmp(p, name, name_len) == 0) {
			const char *val = eq ? eq + 1 : p + pair_len;
			size_t val_len = (size_t)(p + pair_len - val);

			return url_decode(val, val_len, out, outlen) ? QUERY_FOUND : QUERY_BAD;
		}
		p += pair_len;
		if (*p == '&')
			p++;
	}
	return QUERY_ABSENT;
}
