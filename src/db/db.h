/*
 * db: one PostgreSQL connection with its prepared statements, as each API
 * worker and the scheduler hold it.
 *
 * The connection is made lazily and remade after a failure: db_ready()
 * reconnects if needed and prepares the registered statements on every new
 * connection, so a database restart costs the callers a few 503s and never
 * a crash or a restart of the process.
 */
#ifndef ACLOUD_DB_H
#define ACLOUD_DB_H

#include <stdbool.h>
#include <libpq-fe.h>

#define DB_OK  0
#define DB_ERR (-1)

struct db_statement {
	const char *name;
	const char *sql;
};

/* A statement set is an array ended by an entry whose name is NULL; each
 * module keeps its own set beside the code that runs it. */
struct db {
	PGconn *conn;
	char *conninfo;
	const struct db_statement *const *statement_sets; /* NULL-terminated */
	const char *application_name;
};

/* Remember what to connect to; connects on first db_ready(). */
int db_init(struct db *db, const char *conninfo, const char *application_name,
            const struct db_statement *const *statement_sets);
/* Switch to another conninfo (config reload); reconnects on next use. */
int db_set_conninfo(struct db *db, const char *conninfo);
void db_close(struct db *db);

/* Connected, statements prepared: DB_OK; otherwise DB_ERR (logged once per outage). */
int db_ready(struct db *db);

/*
 * Run a prepared statement with text parameters (NULL entry = SQL NULL).
 * Returns the result, or NULL when the connection failed (the caller answers
 * 503); a failed statement on a live connection returns its PGresult so the
 * caller can look at the SQLSTATE.  The caller PQclear()s.
 */
PGresult *db_exec(struct db *db, const char *name, int n_params, const char *const *params);
/* Same with explicit lengths and formats (binary parameters, e.g. bytea). */
PGresult *db_exec_bin(struct db *db, const char *name, int n_params, const char *const *params,
                      const int *lengths, const int *formats, int result_format);
/* An unnamed statement with text parameters, planned for these values
 * (for queries whose shape depends on the request, such as search). */
PGresult *db_exec_params(struct db *db, const char *sql, int n_params, const char *const *params);
/* Plain SQL without parameters (BEGIN, COMMIT, LISTEN ...). */
PGresult *db_exec_sql(struct db *db, const char *sql);

/* Whether a result is PGRES_COMMAND_OK or PGRES_TUPLES_OK. */
bool db_result_ok(const PGresult *res);
/* SQLSTATE of a failed result, or "" */
const char *db_sqlstate(const PGresult *res);

#endif
