/*
 * statements: the list of statement sets and the request-side query call.
 */
#include "autoconfig.h"

#include "api/response.h"
#include "api/statements.h"
#include "common/log.h"

const struct db_statement *const api_statement_sets[] = {
	health_statements,       system_statements,     users_statements,        devices_statements,
	tasks_create_statements, tasks_read_statements, tasks_modify_statements, NULL,
};

PGresult *api_query(struct request *r, const char *name, int n_params, const char *const *params)
{
	PGresult *res = db_exec(&r->ctx->db, name, n_params, params);

	if (res == NULL) {
		respond_error(r, 503, "Database unavailable, try again shortly");
		return NULL;
	}
	if (!db_result_ok(res)) {
		log_error("statement %s failed: %s", name, PQresultErrorMessage(res));
		PQclear(res);
		respond_error(r, 500, "Internal server error");
		return NULL;
	}
	return res;
}
