/*
 * migrate: applies the numbered SQL files of a directory (NNN_name.sql) in
 * order, each in its own transaction, recording applied versions in
 * schema_migrations.  Idempotent; an advisory lock keeps two concurrent
 * runs from racing.
 */
#ifndef ACLOUD_ADMIN_MIGRATE_H
#define ACLOUD_ADMIN_MIGRATE_H

#include <libpq-fe.h>

/* 0 on success; prints one line per applied file on stdout. */
int migrate_run(PGconn *conn, const char *sql_dir);

#endif
