/*
 * statements: the prepared statements of every API resource, each set kept
 * in the file of the resource that runs it and collected here so that a
 * worker prepares them all once per connection.
 */
#ifndef ACLOUD_API_STATEMENTS_H
#define ACLOUD_API_STATEMENTS_H

#include <libpq-fe.h>

#include "api/request.h"
#include "db/db.h"

extern const struct db_statement health_statements[];
extern const struct db_statement system_statements[];
extern const struct db_statement users_statements[];
extern const struct db_statement devices_statements[];
extern const struct db_statement tasks_create_statements[];
extern const struct db_statement tasks_read_statements[];
extern const struct db_statement tasks_modify_statements[];

extern const struct db_statement *const api_statement_sets[];

/*
 * Run a prepared statement for a request.  Returns a successful result, or
 * NULL after answering 503 (database unreachable) or 500 (statement failed,
 * logged); the caller PQclear()s a result.
 */
PGresult *api_query(struct request *r, const char *name, int n_params, const char *const *params);

#endif
