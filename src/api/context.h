/*
 * context: what one API worker process holds for its whole life: the loaded
 * configs (swapped whole on reload, never edited), its one database
 * connection, and the reload bookkeeping.  Requests borrow from it.
 */
#ifndef ACLOUD_API_CONTEXT_H
#define ACLOUD_API_CONTEXT_H

#include <stdbool.h>
#include <time.h>

#include "common/config.h"
#include "db/db.h"

struct api_context {
	char *config_path;
	struct app_config *app;
	struct auth_config *auth;
	struct devices_config *devices;
	struct db db;
	time_t last_mtime_check;
};

/* Load all three files and set up the database connection that prepares
 * `statement_sets`; on failure `err` says which file and line. */
int context_load(struct api_context *ctx, const char *config_path,
                 const struct db_statement *const *statement_sets, char err[CONFIG_ERR_MAX]);
/* Re-read whatever changed (or everything when `force`); keep the last good. */
void context_reload(struct api_context *ctx, bool force);
/* Cheap per-request check: stat the files at most once a second. */
void context_maybe_reload(struct api_context *ctx);
void context_free(struct api_context *ctx);

#endif
