/*
 * http: the one place `acloud` talks HTTP (libcurl).  Requests carry the
 * key in an Authorization header built in memory; TLS is verified unless
 * the user said --insecure.  Retries follow one policy: reads (and creates
 * carrying an Idempotency-Key) are retried with backoff on connection
 * errors and 502/503/504; nothing else is ever sent twice.
 */
#ifndef ACLOUD_CLI_HTTP_H
#define ACLOUD_CLI_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/config.h"

struct http_client {
	void *curl; /* CURL * */
	const struct cli_conn *conn;
	void *headers; /* struct curl_slist *: Authorization, User-Agent */
	bool quiet;    /* no retry notes on stderr */
	int max_retries;
};

struct http_resp {
	long status; /* 0: no answer (transport error in err) */
	char *body;  /* NUL-terminated */
	size_t len;
	char ctype[128];
	long retry_after; /* seconds, -1: no header */
	bool permanent;   /* no answer, and trying again would not help (TLS, URL) */
	char err[256];
};

/* Called with each chunk of a 200 text/event-stream answer; returns 0 to
 * go on, non-zero to stop reading. */
typedef int (*http_chunk_fn)(const char *data, size_t len, void *ctx);

/* HTTP_RETRY: reads, on connection errors and 502/503/504; HTTP_CREATE:
 * creations (carrying an Idempotency-Key), on connection errors and 503. */
enum http_retry {
	HTTP_ONCE,
	HTTP_RETRY,
	HTTP_CREATE
};

int http_init(struct http_client *h, const struct cli_conn *conn, bool quiet);
void http_cleanup(struct http_client *h);
void http_resp_free(struct http_resp *r);

/* One request with the retry policy.  `body` (JSON) may be NULL;
 * `idem_key` adds an Idempotency-Key header.  Returns 0 when the server
 * answered (any status, in r), -1 when it could not be reached. */
int http_request(struct http_client *h, const char *method, const char *path, const char *body,
                 const char *idem_key, enum http_retry retry, struct http_resp *r);

/* GET of an event stream: chunks of a 200 text/event-stream answer go to
 * fn; any other answer lands in r.  `last_event_id` (may be NULL) is sent
 * as Last-Event-ID; `timeout_s` > 0 bounds the whole transfer.  Returns 0
 * when the server answered and the stream ended (or fn stopped it), -1 on
 * a transport error. */
int http_stream(struct http_client *h, const char *path, const char *last_event_id,
                double timeout_s, http_chunk_fn fn, void *ctx, struct http_resp *r);

/* Whether an answer (or its absence) is worth retrying. */
bool http_transient(const struct http_resp *r, int rc);

/* Percent-encodes one path segment (a task id or device name as the user
 * typed it) into out.  -1 when it does not fit. */
int http_segment(char *out, size_t outlen, const char *s);

/* Seconds on a monotonic clock; sleeps of fractional seconds. */
double cli_now(void);
void cli_sleep(double seconds);

#endif
