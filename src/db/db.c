/*
 * db: connection lifecycle and prepared statements.  A broken connection is
 * dropped at once and remade on the next db_ready(); callers never see a
 * half-prepared connection.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "db/db.h"

int db_init(struct db *db, const char *conninfo, const char *application_name,
            const struct db_statement *const *statement_sets)
{
	memset(db, 0, sizeof(*db));
	db->statement_sets = statement_sets;
	db->application_name = application_name;
	return db_set_conninfo(db, conninfo);
}

int db_set_conninfo(struct db *db, const char *conninfo)
{
	char *copy = strdup(conninfo ? conninfo : "");

	if (copy == NULL)
		return DB_ERR;
	if (db->conninfo == NULL || strcmp(db->conninfo, copy) != 0) {
		if (db->conn != NULL) {
			PQfinish(db->conn);
			db->conn = NULL;
		}
	}
	free(db->conninfo);
	db->conninfo = copy;
	return DB_OK;
}

void db_close(struct db *db)
{
	if (db->conn != NULL)
		PQfinish(db->conn);
	free(db->conninfo);
	memset(db, 0, sizeof(*db));
}

static void db_drop(struct db *db)
{
	if (db->conn != NULL) {
		PQfinish(db->conn);
		db->conn = NULL;
	}
}

static int db_prepare(struct db *db, const struct db_statement *st)
{
	PGresult *res = PQprepare(db->conn, st->name, st->sql, 0, NULL);
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		log_error("prepare %s: %s", st->name, PQerrorMessage(db->conn));
	PQclear(res);
	return ok ? DB_OK : DB_ERR;
}

static int db_prepare_all(struct db *db)
{
	for (size_t s = 0; db->statement_sets && db->statement_sets[s]; s++)
		for (const struct db_statement *st = db->statement_sets[s]; st->name; st++)
			if (db_prepare(db, st) != DB_OK)
				return DB_ERR;
	return DB_OK;
}

static int db_connect(struct db *db)
{
	/* The fallback application name shows in pg_stat_activity; the
	 * timeout keeps a worker from hanging on an unreachable host. */
	const char *keys[] = { "dbname", "connect_timeout", "fallback_application_name", NULL };
	const char *vals[] = { db->conninfo, "5", db->application_name, NULL };
	static int outage_logged;

	db->conn = PQconnectdbParams(keys, vals, 1);
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
		if (!outage_logged)
			log_error("database connection failed: %s",
			          db->conn ? PQerrorMessage(db->conn) : "out of memory");
		outage_logged = 1;
		goto fail;
	}
	if (db_prepare_all(db) != DB_OK)
		goto fail;
	if (outage_logged)
		log_info("database connection restored");
	outage_logged = 0;
	return DB_OK;
fail:
	db_drop(db);
	return DB_ERR;
}

int db_ready(struct db *db)
{
	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		return DB_OK;
	db_drop(db);
	return db_connect(db);
}

static PGresult *db_checked(struct db *db, PGresult *res)
{
	if (res == NULL || PQstatus(db->conn) != CONNECTION_OK) {
		PQclear(res);
		db_drop(db);
		return NULL;
	}
	return res;
}

PGresult *db_exec(struct db *db, const char *name, int n_params, const char *const *params)
{
	return db_exec_bin(db, name, n_params, params, NULL, NULL, 0);
}

PGresult *db_exec_bin(struct db *db, const char *name, int n_params, const char *const *params,
                      const int *lengths, const int *formats, int result_format)
{
	if (db_ready(db) != DB_OK)
		return NULL;
	return db_checked(db, PQexecPrepared(db->conn, name, n_params, params, lengths, formats,
	                                     result_format));
}

PGresult *db_exec_params(struct db *db, const char *sql, int n_params, const char *const *params)
{
	if (db_ready(db) != DB_OK)
		return NULL;
	return db_checked(db, PQexecParams(db->conn, sql, n_params, NULL, params, NULL, NULL, 0));
}

PGresult *db_exec_sql(struct db *db, const char *sql)
{
	if (db_ready(db) != DB_OK)
		return NULL;
	return db_checked(db, PQexec(db->conn, sql));
}

bool db_result_ok(const PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);

	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

const char *db_sqlstate(const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	return state ? state : "";
}
