/*
 * fuzz_http: the API's whole request path after FastCGI, without a
 * database: request fields -> worker_dispatch() (router, authentication,
 * path and query validation, body validation, handler).
 *
 * Input: newline-separated METHOD, PATH, QUERY_STRING, Authorization value,
 * then the body (the rest, raw).  Missing lines leave the field unset.
 * The fields are bounded as request_parse() bounds them (too long gets 414
 * or 413 there and never reaches dispatch).
 *
 * The context is a real one: acloud.yml written to a scratch file at start
 * with the test stack's auth.yml and devices.yml from the source tree and a
 * database conninfo naming a unix socket that does not exist, so every
 * database call fails at once (ENOENT) and handlers answer 503.  Responses
 * are recorded, not written (r->fcgi is NULL).  Every request must be
 * answered, and never with a 500.  With ACLOUD_FUZZ_VERBOSE set in the
 * environment each answer's status is printed (to check the seeds).
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/context.h"
#include "api/request.h"
#include "api/router.h"
#include "api/worker.h"
#include "common/log.h"
#include "fuzz_common.h"

static struct api_context ctx;
static bool verbose; /* $ACLOUD_FUZZ_VERBOSE: print each answer */

static void context_free_at_exit(void)
{
	context_free(&ctx);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char yml[4096], err[CONFIG_ERR_MAX];
	const char *path;
	int n;

	(void)argc;
	(void)argv;
	verbose = getenv("ACLOUD_FUZZ_VERBOSE") != NULL;
	log_init("fuzz_http");
	log_set_level(LOG_ERROR_LEVEL);
	n = snprintf(
		yml, sizeof(yml),
		"database: \"host=/nonexistent/acloud-fuzz port=1 dbname=none connect_timeout=1\"\n"
		"paths:\n  auth: \"%s\"\n",
		fuzz_src_path("tests/integration/auth.test.yml"));
	n += snprintf(yml + n, sizeof(yml) - (size_t)n, "  devices: \"%s\"\n",
	              fuzz_src_path("tests/integration/devices.test.yml"));
	path = fuzz_write_file("acloud.yml", (const uint8_t *)yml, (size_t)n);
	if (context_load(&ctx, path, api_statement_sets, err) != CONFIG_OK) {
		fprintf(stderr, "fuzz_http: %s\n", err);
		abort();
	}
	atexit(context_free_at_exit);
	return 0;
}

/* The next newline-terminated field of [*p, end) as a malloc'ed string, or
 * NULL when the input is used up. */
static char *next_field(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nl;
	char *s;

	if (*p >= end)
		return NULL;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	if (nl == NULL)
		nl = end;
	s = fuzz_cstr(*p, (size_t)(nl - *p));
	*p = nl < end ? nl + 1 : end;
	return s;
}

/* Fills r as request_parse() would; false where it would answer itself. */
static bool fill_request(struct request *r, char *method, const char *path, const char *query)
{
	memset(r, 0, sizeof(*r));
	r->ctx = &ctx;
	r->method_name = method ? method : "GET";
	r->method = http_method_parse(r->method_name);
	if (path == NULL || *path == '\0')
		path = "/";
	if (strlen(path) >= sizeof(r->path) || (query && strlen(query) >= sizeof(r->query)))
		return false;
	strcpy(r->path, path);
	if (query)
		strcpy(r->query, query);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char *method = next_field(&p, end), *path = next_field(&p, end);
	char *query = next_field(&p, end), *auth = next_field(&p, end);
	struct request r;

	if (fill_request(&r, method, path, query) && (size_t)(end - p) <= ctx.app->max_body_bytes) {
		r.authorization = auth;
		if (p < end) {
			r.body = fuzz_cstr(p, (size_t)(end - p));
			r.body_len = (size_t)(end - p);
		}
		worker_dispatch(&r);
		if (verbose)
			fprintf(stderr, "fuzz_http: %s %s -> %d\n", r.method_name, r.path,
			        r.status);
		if (!r.responded || r.status < 200 || r.status >= 600 || r.status == 500) {
			fprintf(stderr, "fuzz_http: %s %s answered %d (responded %d)\n",
			        r.method_name, r.path, r.status, (int)r.responded);
			abort();
		}
		request_reset(&r);
	}
	free(method);
	free(path);
	free(query);
	free(auth);
	return 0;
}
