/*
 * response: everything the worker writes back.  One function per kind of
 * answer; each records the status for the access log and marks the request
 * answered, so a handler cannot answer twice.  Error bodies follow the
 * contract: {"detail": "..."}, and 422 in FastAPI's shape.
 */
#ifndef ACLOUD_API_RESPONSE_H
#define ACLOUD_API_RESPONSE_H

#include <jansson.h>

#include "api/request.h"

/* Adds a response header line ("Name: value") for the coming answer. */
void response_header(struct request *r, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Answers with `body` serialised; steals the reference. */
void respond_json(struct request *r, int status, json_t *body);
/* Answers with a pre-serialised JSON text. */
void respond_json_text(struct request *r, int status, const char *text, size_t len);
void respond_bytes(struct request *r, int status, const char *content_type, const void *data,
                   size_t len);
void respond_empty(struct request *r, int status);
/* A body of known length written in pieces: the head, then data until
 * `len` bytes are out.  An abort (source failed midway) marks the request
 * so the connection is closed short, which the client sees as truncated. */
void respond_stream_head(struct request *r, int status, const char *content_type, size_t len);
void respond_stream_data(struct request *r, const void *data, size_t len);
void respond_stream_abort(struct request *r);
void respond_error(struct request *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* 422 with `errors` as the detail list; steals the reference. */
void respond_validation(struct request *r, json_t *errors);

/* The FastAPI validation item {"loc": loc, "msg": ..., "type": type}
 * appended to `errors`; steals `loc`. */
void validation_add(json_t *errors, json_t *loc, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
