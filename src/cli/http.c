/*
 * http: libcurl transport.  One easy handle per client, so connections are
 * kept alive across the requests of a command.  Answers are bounded
 * (256 MiB: a result has at most 2 000 000 numbers); a longer answer is a
 * transport error rather than an out-of-memory.
 */
#include "autoconfig.h"

#include "cli/http.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

#define MAX_ANSWER       ((size_t)256 * 1024 * 1024)
#define MAX_ERROR_ANSWER ((size_t)1024 * 1024)

double cli_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_sleep(double seconds)
{
	struct timespec ts;

	if (seconds <= 0)
		return;
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int http_init(struct http_client *h, const struct cli_conn *conn, bool quiet)
{
	char auth[CLI_MAX_KEY + 32];
	struct curl_slist *l = NULL, *l2;

	memset(h, 0, sizeof *h);
	h->conn = conn;
	h->quiet = quiet;
	h->max_retries = 5;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return -1;
	h->curl = curl_easy_init();
	if (!h->curl)
		return -1;
	if (conn->key) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", conn->key);
		l = curl_slist_append(NULL, auth);
		memset(auth, 0, sizeof auth);
		if (!l)
			return -1;
	}
	l2 = curl_slist_append(l, "User-Agent: acloud/" PACKAGE_VERSION);
	if (!l2) {
		curl_slist_free_all(l);
		return -1;
	}
	h->headers = l2;
	return 0;
}

void http_cleanup(struct http_client *h)
{
	if (h->curl)
		curl_easy_cleanup(h->curl);
	curl_slist_free_all(h->headers);
	memset(h, 0, sizeof *h);
	curl_global_cleanup();
}

void http_resp_free(struct http_resp *r)
{
	free(r->body);
	memset(r, 0, sizeof *r);
	r->retry_after = -1;
}

/* What a transfer collects or passes on. */
struct sink {
	struct http_resp *r;
	CURL *curl;
	http_chunk_fn fn; /* stream: chunks of a 200 event stream */
	void *ctx;
	int streaming; /* -1: not yet known, 0: buffering, 1: to fn */
	bool overflow;
};

static bool is_event_stream(CURL *curl)
{
	long status = 0;
	char *ct = NULL;

	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ct);
	return status == 200 && ct && strncmp(ct, "text/event-stream", 17) == 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
	struct sink *s = userdata;
	size_t len = size * n, max;
	char *nb;

	if (s->streaming < 0)
		s->streaming = s->fn && is_event_stream(s->curl);
	if (s->streaming)
		return s->fn(data, len, s->ctx) == 0 ? len : 0;
	max = s->fn ? MAX_ERROR_ANSWER : MAX_ANSWER;
	if (s->r->len + len > max) {
		s->overflow = true;
		return 0;
	}
	nb = realloc(s->r->body, s->r->len + len + 1);
	if (!nb)
		return 0;
	memcpy(nb + s->r->len, data, len);
	s->r->body = nb;
	s->r->len += len;
	nb[s->r->len] = '\0';
	return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
	struct sink *s = userdata;
	size_t len = size * n;
	char line[128];

	if (len < sizeof line && strncasecmp(data, "retry-after:", 12) == 0) {
		memcpy(line, data + 12, len - 12);
		line[len - 12] = '\0';
		s->r->retry_after = strtol(line, NULL, 10);
	}
	return len;
}

static void set_common(struct http_client *h, struct sink *s, const char *path,
                       struct curl_slist *headers, char *errbuf)
{
	CURL *c = h->curl;
	char url[8192];

	snprintf(url, sizeof url, "%s%s", h->conn->url, path);
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	if (h->conn->cacert)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->conn->cacert);
	if (h->conn->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

/* Transport errors a server restart or a busy network cause; not those of
 * a wrong URL, certificate or option. */
static bool retryable(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
		return true;
	default:
		return false;
	}
}

/* Runs the prepared transfer; fills r's status, content type, error. */
static int perform(struct http_client *h, struct sink *s, const char *errbuf)
{
	CURLcode rc = curl_easy_perform(h->curl);
	char *ct = NULL;

	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &s->r->status);
	curl_easy_getinfo(h->curl, CURLINFO_CONTENT_TYPE, &ct);
	if (ct)
		snprintf(s->r->ctype, sizeof s->r->ctype, "%s", ct);
	if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && s->streaming == 1 && !s->overflow))
		return s->r->status ? 0 : -1;
	if (rc == CURLE_OPERATION_TIMEDOUT && s->streaming == 1)
		return 0; /* the caller's time ran out mid-stream */
	snprintf(s->r->err, sizeof s->r->err, "%s",
	         s->overflow ? "the answer is too large"
	         : *errbuf   ? errbuf
	                     : curl_easy_strerror(rc));
	s->r->status = 0;
	s->r->permanent = s->overflow || !retryable(rc);
	return -1;
}

/* A copy of base plus one "name: v" line (none when v is NULL). */
static struct curl_slist *with_header(struct curl_slist *base, const char *name, const char *v)
{
	char line[512];
	struct curl_slist *l = NULL, *n;

	for (struct curl_slist *b = base; b; b = b->next) {
		n = curl_slist_append(l, b->data);
		if (!n)
			goto fail;
		l = n;
	}
	if (v) {
		snprintf(line, sizeof line, "%s: %s", name, v);
		n = curl_slist_append(l, line);
		if (!n)
			goto fail;
		l = n;
	}
	return l;
fail:
	curl_slist_free_all(l);
	return NULL;
}

int http_segment(char *out, size_t outlen, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		             (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';

		if (o + 4 > outlen)
			return -1;
		if (plain) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (o >= outlen)
		return -1;
	out[o] = '\0';
	return 0;
}

static int request_once(struct http_client *h, const char *method, const char *path,
                        const char *body, const char *idem_key, struct http_resp *r)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct sink s = { .r = r, .curl = h->curl, .streaming = 0 };
	struct curl_slist *hdrs = with_header(h->headers, "Idempotency-Key", idem_key);
	struct curl_slist *all = NULL;
	int rc = -1;

	http_resp_free(r);
	if (!hdrs)
		goto out;
	all = body ? curl_slist_append(hdrs, "Content-Type: application/json") : hdrs;
	if (!all)
		goto out;
	hdrs = all;
	set_common(h, &s, path, hdrs, errbuf);
	curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, 600L);
	if (body) {
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	} else if (!strcmp(method, "HEAD")) {
		curl_easy_setopt(h->curl, CURLOPT_NOBODY, 1L);
	}
	rc = perform(h, &s, errbuf);
out:
	curl_slist_free_all(hdrs);
	if (rc < 0 && !*r->err)
		snprintf(r->err, sizeof r->err, "out of memory");
	return rc;
}

bool http_transient(const struct http_resp *r, int rc)
{
	if (rc < 0)
		return !r->permanent;
	return r->status == 502 || r->status == 503 || r->status == 504;
}

/* How long to wait before retry `attempt` (0-based): 0.5 s doubling to 8 s,
 * or the server's Retry-After when it gave one (at most 30 s). */
static double backoff(int attempt, const struct http_resp *r)
{
	double d = 0.5;

	if (r->retry_after > 0)
		return r->retry_after > 30 ? 30 : (double)r->retry_after;
	for (int i = 0; i < attempt && d < 8; i++)
		d *= 2;
	return d;
}

int http_request(struct http_client *h, const char *method, const char *path, const char *body,
                 const char *idem_key, enum http_retry retry, struct http_resp *r)
{
	int rc;

	for (int attempt = 0;; attempt++) {
		rc = request_once(h, method, path, body, idem_key, r);
		if (retry == HTTP_ONCE || !http_transient(r, rc) || attempt >= h->max_retries)
			return rc;
		if (retry == HTTP_CREATE && rc == 0 && r->status != 503)
			return rc;
		double d = backoff(attempt, r);
		if (!h->quiet)
			fprintf(stderr, "acloud: %s; retrying in %.1f s\n",
			        rc < 0             ? r->err
			        : r->status == 503 ? "server busy (503)"
			                           : "bad gateway",
			        d);
		cli_sleep(d);
	}
}

int http_stream(struct http_client *h, const char *path, const char *last_event_id,
                double timeout_s, http_chunk_fn fn, void *ctx, struct http_resp *r)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct sink s = { .r = r, .curl = h->curl, .fn = fn, .ctx = ctx, .streaming = -1 };
	struct curl_slist *hdrs = with_header(h->headers, "Last-Event-ID", last_event_id);
	struct curl_slist *all;
	int rc = -1;

	http_resp_free(r);
	if (!hdrs)
		goto out;
	all = curl_slist_append(hdrs, "Accept: text/event-stream");
	if (!all)
		goto out;
	hdrs = all;
	set_common(h, &s, path, hdrs, errbuf);
	curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
	if (timeout_s > 0)
		curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, (long)(timeout_s * 1000) + 1);
	/* A stream silent for a minute is taken as lost (and reopened). */
	curl_easy_setopt(h->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h->curl, CURLOPT_LOW_SPEED_TIME, 60L);
	rc = perform(h, &s, errbuf);
	if (rc == 0 && s.streaming != 1 && r->status == 200)
		r->status = 415; /* 200 but not an event stream: treat as unsupported */
out:
	curl_slist_free_all(hdrs);
	if (rc < 0 && !*r->err)
		snprintf(r->err, sizeof r->err, "out of memory");
	return rc;
}
