/*
 * migrate: the migration runner of acloud-admin.  A file is applied with
 * its version row in the same transaction, so a failed migration leaves
 * nothing behind and is retried by the next run.
 */
#include "autoconfig.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/migrate.h"

#define MIGRATE_LOCK_KEY    "7301942211"
#define MIGRATION_MAX_BYTES (16 * 1024 * 1024)
#define MIGRATIONS_MAX      1000

static int exec_ok(PGconn *conn, const char *sql)
{
	PGresult *res = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(res);
	int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

	if (!ok)
		fprintf(stderr, "acloud-admin: %s", PQerrorMessage(conn));
	PQclear(res);
	return ok ? 0 : -1;
}

static int is_migration_name(const char *name)
{
	size_t len = strlen(name);

	return len > 8 && name[0] >= '0' && name[0] <= '9' && name[1] >= '0' && name[1] <= '9' &&
	       name[2] >= '0' && name[2] <= '9' && name[3] == '_' &&
	       strcmp(name + len - 4, ".sql") == 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || size > MIGRATION_MAX_BYTES ||
	    fseek(f, 0, SEEK_SET) != 0)
		goto fail;
	buf = malloc((size_t)size + 1);
	if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size)
		goto fail;
	buf[size] = '\0';
	fclose(f);
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

static int is_applied(PGconn *conn, const char *version)
{
	const char *params[1] = { version };
	PGresult *res = PQexecParams(conn, "SELECT 1 FROM schema_migrations WHERE version = $1", 1,
	                             NULL, params, NULL, NULL, 0);
	int applied = PQresultStatus(res) == PGRES_TUPLES_OK ? PQntuples(res) > 0 : -1;

	PQclear(res);
	return applied;
}

static int apply_one(PGconn *conn, const char *dir, const char *name)
{
	char path[4096], version[4];
	const char *params[2] = { version, name };
	char *sql = NULL;
	PGresult *res;
	int applied;

	memcpy(version, name, 3);
	version[3] = '\0';
	applied = is_applied(conn, version);
	if (applied != 0)
		return applied > 0 ? 0 : -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	sql = read_file(path);
	if (sql == NULL) {
		fprintf(stderr, "acloud-admin: cannot read %s\n", path);
		return -1;
	}
	if (exec_ok(conn, "BEGIN") != 0 || exec_ok(conn, sql) != 0)
		goto fail;
	res = PQexecParams(conn, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2,
	                   NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		fprintf(stderr, "acloud-admin: %s", PQerrorMessage(conn));
		PQclear(res);
		goto fail;
	}
	PQclear(res);
	if (exec_ok(conn, "COMMIT") != 0)
		goto fail;
	printf("applied %s\n", name);
	free(sql);
	return 0;
fail:
	fprintf(stderr, "acloud-admin: migration %s failed and was rolled back\n", name);
	exec_ok(conn, "ROLLBACK");
	free(sql);
	return -1;
}

static int list_migrations(const char *dir, char ***names, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	*names = NULL;
	*n = 0;
	if (d == NULL) {
		fprintf(stderr, "acloud-admin: cannot open %s\n", dir);
		return -1;
	}
	while ((e = readdir(d)) != NULL && *n < MIGRATIONS_MAX) {
		char **grown;

		if (!is_migration_name(e->d_name))
			continue;
		grown = realloc(*names, (*n + 1) * sizeof(**names));
		if (grown == NULL)
			break;
		*names = grown;
		(*names)[(*n)++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(*names, *n, sizeof(**names), compare_names);
	return 0;
}

int migrate_run(PGconn *conn, const char *sql_dir)
{
	char **names;
	size_t n, applied_before = 0;
	int rc = -1;

	if (list_migrations(sql_dir, &names, &n) != 0)
		return -1;
	if (exec_ok(conn, "SET client_min_messages = warning") != 0 ||
	    exec_ok(conn, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")") != 0 ||
	    exec_ok(conn, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	                  " version text PRIMARY KEY, name text NOT NULL,"
	                  " applied_at timestamptz NOT NULL DEFAULT now())") != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (names[i] == NULL || apply_one(conn, sql_dir, names[i]) != 0)
			goto out;
		applied_before++;
	}
	printf("database schema is current (%zu migrations)\n", applied_before);
	rc = 0;
out:
	exec_ok(conn, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")");
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}
