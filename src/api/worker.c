/*
 * worker: the request loop.  Signals only set flags; the loop acts on them
 * between requests, so a request is never cut in half by a reload or a
 * shutdown, nor by reload-on-rss.
 */
#include "autoconfig.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "api/allocguard.h"
#include "api/auth.h"
#include "api/fields.h"
#include "api/metrics.h"
#include "api/response.h"
#include "api/router.h"
#include "api/worker.h"
#include "common/log.h"

static volatile sig_atomic_t worker_stop;
static volatile sig_atomic_t worker_reload;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		worker_reload = 1;
	else
		worker_stop = 1;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: accept() must return */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	/* A worker whose master died must not linger holding the socket. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
}

static size_t body_limit(const struct app_config *app, enum route_body size)
{
	switch (size) {
	case BODY_CIRCUIT:
		return app->max_body_bytes;
	case BODY_SMALL:
		break;
	}
	return app->max_small_body_bytes;
}

static bool takes_json(const struct route *route)
{
	return route->input != NULL && route->input->body != NULL;
}

void worker_dispatch(struct request *r)
{
	char params_buf[REQUEST_PATH_MAX];
	struct route_match m;
	struct field_map in;

	switch (router_match(api_routes, api_routes_count, r->method, r->path, params_buf,
	                     sizeof(params_buf), &m)) {
	case ROUTE_NOT_FOUND:
		respond_error(r, 404, "Not Found");
		return;
	case ROUTE_METHOD_NOT_ALLOWED:
		response_header(r, "Allow", "%s", m.allow);
		respond_error(r, 405, "Method Not Allowed");
		return;
	case ROUTE_FOUND:
		break;
	}
	r->route_index = (int)(m.route - api_routes);
	memcpy(r->path_buf, params_buf, sizeof(params_buf));
	for (size_t i = 0; i < m.n_params; i++)
		r->path_params[i] = r->path_buf + (m.params[i] - params_buf);
	r->n_path_params = m.n_params;
	if (m.route->needs_auth && auth_authenticate(r) != REQUEST_OK)
		return;
	if (m.route->needs_auth == ROUTE_ADMIN && !r->key->admin) {
		respond_error(r, 403, "This operation needs an admin key");
		return;
	}
	if (request_read_body(r, body_limit(r->ctx->app, m.route->body_size),
	                      takes_json(m.route) ? r->ctx->app->max_json_values : SIZE_MAX) !=
	    REQUEST_OK)
		return;
	if (fields_validate(r, m.route->input, &in))
		m.route->handler(r, &in);
	field_map_free(&in);
	if (!r->responded)
		respond_error(r, 500, "Internal server error");
}

static long elapsed_us(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000000L + (t1.tv_nsec - t0->tv_nsec) / 1000;
}

/* Resident size in MiB (from /proc/self/statm), 0 when unknown. */
static size_t resident_mb(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
		resident = 0;
	fclose(f);
	return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE) / (1024 * 1024);
}

/*
 * reload-on-rss: heap that a large request left fragmented stays with the
 * process, so a worker that has grown past api.reload_on_rss_mb after
 * answering leaves, and the master starts a fresh one.  Large blocks went
 * back to the system when freed; malloc_trim returns what the small ones
 * freed at the top of the heap first, so a worker leaves only when it
 * really holds the memory.
 */
static bool worker_too_large(const struct api_context *ctx)
{
	size_t limit = ctx->app->reload_on_rss_mb, rss;

	if (limit == 0)
		return false;
	rss = resident_mb();
	if (rss <= limit)
		return false;
	malloc_trim(0);
	rss = resident_mb();
	if (rss <= limit)
		return false;
	log_warn("worker %d resident %zu MB > reload_on_rss_mb %zu: exiting after the request",
	         (int)getpid(), rss, limit);
	return true;
}

static void serve_one(FCGX_Request *fcgi, struct api_context *ctx)
{
	struct request r;
	struct timespec t0;
	long us;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	allocguard_reset();
	/* libfcgi keeps the exit status an aborted download set for the next
	 * requests of the connection's FCGX_Request: each starts clean. */
	FCGX_SetExitStatus(0, fcgi->out);
	context_maybe_reload(ctx);
	if (request_parse(&r, fcgi, ctx) == REQUEST_OK)
		worker_dispatch(&r);
	us = elapsed_us(&t0);
	metrics_record(r.route_index, r.status, us);
	/* The access log: never the key, only the user id it resolved to;
	 * the request id is nginx's, in its access log and X-Request-Id too. */
	log_info("access %s %s %d %ldus %s %s", r.method_name, r.path, r.status, us,
	         r.key ? r.key->id : "-", r.request_id);
	request_reset(&r);
}

int worker_run(int listen_fd, struct api_context *ctx)
{
	static const struct timespec accept_backoff = { 0, 100 * 1000 * 1000 };
	FCGX_Request fcgi;

	install_signals();
	allocguard_install();
	if (FCGX_Init() != 0 || FCGX_InitRequest(&fcgi, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_error("FastCGI initialisation failed");
		return 1;
	}
	while (!worker_stop) {
		if (worker_reload) {
			worker_reload = 0;
			context_reload(ctx, true);
		}
		if (FCGX_Accept_r(&fcgi) < 0) {
			if (errno == EINTR || worker_stop || worker_reload)
				continue;
			log_error("accept failed: %s", strerror(errno));
			nanosleep(&accept_backoff, NULL);
			continue;
		}
		serve_one(&fcgi, ctx);
		FCGX_Finish_r(&fcgi);
		if (worker_too_large(ctx)) {
			FCGX_Free(&fcgi, 1);
			return WORKER_EXIT_RSS;
		}
	}
	FCGX_Free(&fcgi, 1);
	return 0;
}
