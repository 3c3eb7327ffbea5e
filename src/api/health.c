/*
 * health: GET /health, the unauthenticated liveness probe.  It answers
 * healthy only when this worker can reach PostgreSQL right now.
 */
#include "autoconfig.h"

#include "api/handlers.h"
#include "api/response.h"

const struct db_statement health_statements[] = {
	{ "health_ping", "SELECT 1" },
	{ NULL, NULL },
};

void handle_health(struct request *r, const struct field_map *in)
{
	PGresult *res = db_exec(&r->ctx->db, "health_ping", 0, NULL);
	int ok = res != NULL && db_result_ok(res);

	(void)in;

	PQclear(res);
	respond_json(
		r, ok ? 200 : 503,
		json_pack("{s:s,s:b}", "status", ok ? "healthy" : "unhealthy", "database", ok));
}
