/*
 * response: writes status line, headers and body to the FastCGI stream.
 */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/allocguard.h"
#include "api/response.h"
#include "common/http_words.h"

void response_header(struct request *r, const char *name, const char *fmt, ...)
{
	size_t room = sizeof(r->extra_headers) - r->extra_headers_len;
	va_list ap;
	int n;

	n = snprintf(r->extra_headers + r->extra_headers_len, room, "%s: ", name);
	if (n < 0 || (size_t)n >= room)
		return;
	va_start(ap, fmt);
	n += vsnprintf(r->extra_headers + r->extra_headers_len + n, room - (size_t)n, fmt, ap);
	va_end(ap);
	if ((size_t)n + 2 >= room) {
		r->extra_headers[r->extra_headers_len] = '\0';
		return;
	}
	memcpy(r->extra_headers + r->extra_headers_len + n, "\r\n", 3);
	r->extra_headers_len += (size_t)n + 2;
}

static void write_head(struct request *r, int status, const char *content_type, size_t len,
                       bool has_body)
{
	r->status = status;
	r->responded = true;
	if (r->fcgi == NULL)
		return;
	FCGX_FPrintF(r->fcgi->out, "Status: %d %s\r\n", status, http_reason(status));
	if (has_body)
		FCGX_FPrintF(r->fcgi->out, "Content-Type: %s\r\nContent-Length: %lu\r\n",
		             content_type, (unsigned long)len);
	FCGX_FPrintF(r->fcgi->out, "Cache-Control: no-store\r\n%s\r\n", r->extra_headers);
}

void respond_bytes(struct request *r, int status, const char *content_type, const void *data,
                   size_t len)
{
	static const char out_of_memory[] = "{\"detail\":\"Out of memory\"}";

	if (r->responded)
		return;
	if (status < 500 && allocguard_failed()) { /* the answer may be short of something */
		status = 500;
		content_type = "application/json; charset=utf-8";
		data = out_of_memory;
		len = sizeof(out_of_memory) - 1;
	}
	write_head(r, status, content_type, len, true);
	if (r->fcgi != NULL && len > 0 && r->method != HTTP_HEAD)
		FCGX_PutStr(data, (int)len, r->fcgi->out);
}

void respond_stream_head(struct request *r, int status, const char *content_type, size_t len)
{
	if (r->responded)
		return;
	write_head(r, status, content_type, len, true);
}

void respond_stream_data(struct request *r, const void *data, size_t len)
{
	if (r->fcgi != NULL && len > 0 && r->method != HTTP_HEAD)
		FCGX_PutStr(data, (int)len, r->fcgi->out);
}

void respond_stream_abort(struct request *r)
{
	r->status = 500;
	if (r->fcgi != NULL)
		FCGX_SetExitStatus(1, r->fcgi->out);
}

void respond_empty(struct request *r, int status)
{
	if (r->responded)
		return;
	write_head(r, status, NULL, 0, false);
}

void respond_json_text(struct request *r, int status, const char *text, size_t len)
{
	respond_bytes(r, status, "application/json; charset=utf-8", text, len);
}

void respond_json(struct request *r, int status, json_t *body)
{
	char *text =
		body ? json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(15))
		     : NULL;

	json_decref(body);
	if (text == NULL) {
		static const char fallback[] = "{\"detail\":\"Could not encode the response\"}";

		respond_json_text(r, 500, fallback, sizeof(fallback) - 1);
		return;
	}
	respond_json_text(r, status, text, strlen(text));
	free(text);
}

void respond_error(struct request *r, int status, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	respond_json(r, status, json_pack("{s:s}", "detail", detail));
}

void respond_validation(struct request *r, json_t *errors)
{
	respond_json(r, 422, json_pack("{s:o}", "detail", errors));
}

void validation_add(json_t *errors, json_t *loc, const char *type, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	json_t *item = json_object(), *text;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A message that is not valid UTF-8 (quoted input, cut to fit) must
	 * not make the item vanish: an empty list would pass as valid. */
	text = json_string(msg);
	if (text == NULL)
		text = json_string("Invalid value");
	json_object_set_new(item, "loc", loc);
	json_object_set_new(item, "msg", text);
	json_object_set_new(item, "type", json_string(type));
	json_array_append_new(errors, item);
}
