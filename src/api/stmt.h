/*
 * stmt: how a handler runs a prepared statement, and the one rule for how
 * a database failure looks to a client: the database unreachable is 503
 * (try again), a statement that failed on a live connection is 500 (a bug
 * or a broken schema, logged).  Handlers sit above this file and share it;
 * it calls only the database layer, the response writer and the metrics.
 */
#ifndef ACLOUD_API_STMT_H
#define ACLOUD_API_STMT_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "api/request.h"
#include "db/db.h"

/*
 * The one decision: true when `res` (from any db_exec*) is a failure, after
 * answering 503 or 500 and clearing it; false when it is a result to use.
 * `what` names the statement in the log.
 */
bool stmt_failed(struct request *r, PGresult *res, const char *what);

/* Run a prepared statement with text results.  Returns a successful
 * result, or NULL after answering (stmt_failed); the caller PQclear()s. */
PGresult *stmt_query(struct request *r, const char *name, int n_params, const char *const *params);
/* The same with binary results (bytea columns as raw bytes). */
PGresult *stmt_query_bin(struct request *r, const char *name, int n_params,
                         const char *const *params);
/* A per-task statement with ($1 id, $2 caller, $3 admin). */
PGresult *stmt_task_query(struct request *r, const char *name, const char *task_id);

#endif
