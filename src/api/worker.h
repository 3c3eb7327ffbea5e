/*
 * worker: one FastCGI worker process: accept, parse, authenticate, route,
 * handle, respond, log; one request at a time, forever.  It stops after the
 * request in flight on SIGTERM and reloads its config on SIGHUP, and
 * leaves after a request that left it larger than api.reload_on_rss_mb.
 */
#ifndef ACLOUD_API_WORKER_H
#define ACLOUD_API_WORKER_H

#include <fcgiapp.h>

#include "api/context.h"
#include "api/request.h"

/* The exit status of a worker that left because it grew past
 * api.reload_on_rss_mb; the master replaces it at once and says why. */
#define WORKER_EXIT_RSS 3

/* Serve on `listen_fd` until told to stop; returns the exit status. */
int worker_run(int listen_fd, struct api_context *ctx);

/* Route, authenticate, validate the input (fields.h) and handle an already
 * parsed request (no I/O of its own besides the handler's); used by
 * worker_run and the fuzzer. */
void worker_dispatch(struct request *r);

#endif
