/*
 * system: GET /api/v1/system/status, the deployment's identity and uptime
 * (seconds since the deployment's database was created: the deployment,
 * not one worker, is what a user asks about).
 */
#include "autoconfig.h"

#include <stdlib.h>

#include "api/handlers.h"
#include "api/response.h"
#include "api/stmt.h"

const struct db_statement system_statements[] = {
	{ "system_uptime",
	  "SELECT extract(epoch FROM now() - started_at)::float8 FROM deployment" },
	{ NULL, NULL },
};

void handle_system_status(struct request *r, const struct field_map *in)
{
	PGresult *res = stmt_query(r, "system_uptime", 0, NULL);
	double uptime;

	(void)in;

	if (res == NULL)
		return;
	uptime = PQntuples(res) == 1 ? strtod(PQgetvalue(res, 0, 0), NULL) : 0.0;
	PQclear(res);
	respond_json(r, 200,
	             json_pack("{s:s,s:s,s:f}", "domain", r->ctx->app->domain, "version",
	                       PACKAGE_VERSION, "uptime", uptime));
}
