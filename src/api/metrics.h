/*
 * metrics: the API's request and database-error figures for GET /metrics,
 * in memory shared by the master and all its workers (see metrics.c).
 */
#ifndef ACLOUD_API_METRICS_H
#define ACLOUD_API_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "api/router.h"
#include "common/buf.h"

/* Maps the shared counters; before the master forks.  0, or -1 (the API
 * then runs without them). */
int metrics_init(const struct route *routes, size_t n_routes);
/* One answered request: its index in the route table (-1: none matched). */
void metrics_record(int route_index, int status, long elapsed_us);
/* A database failure: unreachable, or a failed statement. */
void metrics_db_error(bool unavailable);
/* The text exposition of these figures, appended to `out`. */
void metrics_render(struct buf *out);

#endif
