/*
 * context: loading and hot-reloading of the worker's configuration.  A new
 * config replaces the old one only when it loaded cleanly; otherwise the
 * error is logged and the last good one stays in force.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "api/context.h"
#include "common/log.h"

int context_load(struct api_context *ctx, const char *config_path,
                 const struct db_statement *const *statement_sets, char err[CONFIG_ERR_MAX])
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->config_path = strdup(config_path);
	if (ctx->config_path == NULL)
		goto fail;
	if (app_config_load(config_path, &ctx->app, err) != CONFIG_OK)
		goto fail;
	if (auth_config_load(ctx->app->auth_path, &ctx->auth, err) != CONFIG_OK)
		goto fail;
	if (devices_config_load(ctx->app->devices_path, &ctx->devices, err) != CONFIG_OK)
		goto fail;
	if (db_init(&ctx->db, ctx->app->database, "acloud-api", statement_sets) != DB_OK)
		goto fail;
	ctx->last_mtime_check = time(NULL);
	return CONFIG_OK;
fail:
	context_free(ctx);
	return CONFIG_ERR;
}

static void reload_auth(struct api_context *ctx, bool force)
{
	struct auth_config *fresh;
	char err[CONFIG_ERR_MAX];

	if (!force && file_stamp(ctx->app->auth_path) == ctx->auth->stamp)
		return;
	if (auth_config_load(ctx->app->auth_path, &fresh, err) != CONFIG_OK) {
		log_error("auth config not reloaded, keeping the last good one: %s", err);
		ctx->auth->stamp = file_stamp(ctx->app->auth_path);
		return;
	}
	auth_config_free(ctx->auth);
	ctx->auth = fresh;
	log_info("auth config reloaded: %zu keys", fresh->n_keys);
}

static void reload_devices(struct api_context *ctx, bool force)
{
	struct devices_config *fresh;
	char err[CONFIG_ERR_MAX];

	if (!force && file_stamp(ctx->app->devices_path) == ctx->devices->stamp)
		return;
	if (devices_config_load(ctx->app->devices_path, &fresh, err) != CONFIG_OK) {
		log_error("devices config not reloaded, keeping the last good one: %s", err);
		ctx->devices->stamp = file_stamp(ctx->app->devices_path);
		return;
	}
	devices_config_free(ctx->devices);
	ctx->devices = fresh;
}

/* acloud.yml itself is re-read on SIGHUP only: it names the socket and the
 * worker count, which a running master cannot change under its workers. */
static void reload_app(struct api_context *ctx)
{
	struct app_config *fresh;
	char err[CONFIG_ERR_MAX];

	if (app_config_load(ctx->config_path, &fresh, err) != CONFIG_OK) {
		log_error("%s not reloaded, keeping the last good one: %s", ctx->config_path, err);
		return;
	}
	if (db_set_conninfo(&ctx->db, fresh->database) != DB_OK) {
		app_config_free(fresh);
		return;
	}
	app_config_free(ctx->app);
	ctx->app = fresh;
}

void context_reload(struct api_context *ctx, bool force)
{
	if (force)
		reload_app(ctx);
	reload_auth(ctx, force);
	reload_devices(ctx, force);
}

void context_maybe_reload(struct api_context *ctx)
{
	time_t now = time(NULL);

	if (now == ctx->last_mtime_check)
		return;
	ctx->last_mtime_check = now;
	context_reload(ctx, false);
}

void context_free(struct api_context *ctx)
{
	if (ctx->db.conninfo != NULL)
		db_close(&ctx->db);
	devices_config_free(ctx->devices);
	auth_config_free(ctx->auth);
	app_config_free(ctx->app);
	free(ctx->config_path);
	memset(ctx, 0, sizeof(*ctx));
}
