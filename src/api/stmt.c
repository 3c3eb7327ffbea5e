/*
 * stmt: prepared statements run for a request, and the 503/500 rule.
 */
#include "autoconfig.h"

#include "api/metrics.h"
#include "api/response.h"
#include "api/stmt.h"
#include "common/log.h"

bool stmt_failed(struct request *r, PGresult *res, const char *what)
{
	if (res == NULL) {
		metrics_db_error(true);
		respond_error(r, 503, "Database unavailable, try again shortly");
		return true;
	}
	if (db_result_ok(res))
		return false;
	metrics_db_error(false);
	log_error("statement %s failed: %s", what, PQresultErrorMessage(res));
	PQclear(res);
	respond_error(r, 500, "Internal server error");
	return true;
}

PGresult *stmt_query(struct request *r, const char *name, int n_params, const char *const *params)
{
	PGresult *res = db_exec(&r->ctx->db, name, n_params, params);

	return stmt_failed(r, res, name) ? NULL : res;
}

PGresult *stmt_query_bin(struct request *r, const char *name, int n_params,
                         const char *const *params)
{
	PGresult *res = db_exec_bin(&r->ctx->db, name, n_params, params, NULL, NULL, 1);

	return stmt_failed(r, res, name) ? NULL : res;
}

PGresult *stmt_task_query(struct request *r, const char *name, const char *task_id)
{
	const char *params[3] = { task_id, r->key->id, r->key->admin ? "true" : "false" };

	return stmt_query(r, name, 3, params);
}
