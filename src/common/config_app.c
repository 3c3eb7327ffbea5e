/*
 * config_app: acloud.yml, where things are and the tunables of acloud-api and
 * acloud-scheduler (format in config.h).  Every field is optional; what is
 * left out gets the default below.  Relative paths (socket, auth, devices,
 * sql) are relative to the directory of acloud.yml.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#define LISTEN_HOST_MAX 255 /* a DNS name's limit */

#include "common/config.h"
#include "common/config_yaml.h"

#define DEFAULT_DOMAIN  "localhost"
#define DEFAULT_SOCKET  "/run/acloud/api.sock"
#define DEFAULT_AUTH    ACLOUD_SYSCONFDIR "/auth.yml"
#define DEFAULT_DEVICES ACLOUD_SYSCONFDIR "/devices.yml"
#define DEFAULT_SQL     ACLOUD_DATADIR "/sql"

enum {
	F_DOMAIN,
	F_DATABASE,
	F_API,
	F_SCHEDULER,
	F_PATHS,
	F_COUNT
};
enum {
	API_SOCKET,
	API_LISTEN,
	API_BACKLOG,
	API_WORKERS,
	API_MAX_BODY,
	API_GRACE,
	API_MAX_SMALL_BODY,
	API_MAX_JSON_VALUES,
	API_RELOAD_ON_RSS,
	API_COUNT
};
enum {
	SCH_LEASE,
	SCH_HEARTBEAT,
	SCH_POLL,
	SCH_SHUTDOWN,
	SCH_COUNT
};
enum {
	P_AUTH,
	P_DEVICES,
	P_SQL,
	P_COUNT
};

static int parse_socket(struct ydoc *d, yaml_node_t *n, struct app_config *cfg)
{
	if (yget_path(d, n, "socket", &cfg->api_socket) != CONFIG_OK)
		return CONFIG_ERR;
	if (strlen(cfg->api_socket) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return yfail(d, n, "'socket' is longer than a unix socket path may be (%zu bytes)",
		             sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	return CONFIG_OK;
}

/* "HOST:PORT" or "[V6ADDR]:PORT" into host and port; the address itself is
 * resolved by acloud-api when it binds. */
static int parse_listen(struct ydoc *d, yaml_node_t *n, struct app_config *cfg)
{
	char *text = NULL, *colon, *host;
	long port;
	char *end;

	if (yget_nonempty(d, n, "listen", &text) != CONFIG_OK)
		return CONFIG_ERR;
	host = text;
	if (*host == '[') {
		host++;
		colon = strchr(host, ']');
		if (colon && colon[1] == ':')
			*colon++ = '\0';
		else
			colon = NULL;
	} else {
		colon = strrchr(host, ':');
		if (colon && memchr(host, ':', (size_t)(colon - host)))
			colon = NULL; /* an IPv6 address must be in brackets */
	}
	if (!colon || colon == host || colon - host > LISTEN_HOST_MAX)
		goto fail;
	*colon = '\0';
	port = strtol(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || port < 1 || port > 65535)
		goto fail;
	free(cfg->api_listen_host);
	cfg->api_listen_host = strdup(host);
	cfg->api_listen_port = (int)port;
	free(text);
	return cfg->api_listen_host ? CONFIG_OK : yfail(d, n, "out of memory");
fail:
	free(text);
	return yfail(d, n, "'listen' must be HOST:PORT or [IPV6]:PORT with a port from 1 to 65535");
}

/* A size or count setting of `api`, when given, into `out`. */
static int parse_api_size(struct ydoc *d, yaml_node_t *n, const char *field, long min, long max,
                          size_t *out)
{
	long v;

	if (n == NULL)
		return CONFIG_OK;
	if (yget_long(d, n, field, min, max, &v) != CONFIG_OK)
		return CONFIG_ERR;
	*out = (size_t)v;
	return CONFIG_OK;
}

/* The per-request memory bounds (operator guide, "Shared service"). */
static int parse_api_limits(struct ydoc *d, struct yfield *f, struct app_config *cfg)
{
	if (parse_api_size(d, f[API_MAX_BODY].val, "max_body_bytes", 1, 1L << 30,
	                   &cfg->max_body_bytes) != CONFIG_OK ||
	    parse_api_size(d, f[API_MAX_SMALL_BODY].val, "max_small_body_bytes", 1, 1L << 30,
	                   &cfg->max_small_body_bytes) != CONFIG_OK ||
	    parse_api_size(d, f[API_MAX_JSON_VALUES].val, "max_json_values", 1, 100000000L,
	                   &cfg->max_json_values) != CONFIG_OK ||
	    parse_api_size(d, f[API_RELOAD_ON_RSS].val, "reload_on_rss_mb", 0, 1L << 20,
	                   &cfg->reload_on_rss_mb) != CONFIG_OK)
		return CONFIG_ERR;
	return CONFIG_OK;
}

static int parse_api(struct ydoc *d, yaml_node_t *n, struct app_config *cfg)
{
	struct yfield f[API_COUNT] = {
		[API_SOCKET] = { "socket" },
		[API_LISTEN] = { "listen" },
		[API_BACKLOG] = { "backlog" },
		[API_WORKERS] = { "workers" },
		[API_MAX_BODY] = { "max_body_bytes" },
		[API_GRACE] = { "delete_grace_s" },
		[API_MAX_SMALL_BODY] = { "max_small_body_bytes" },
		[API_MAX_JSON_VALUES] = { "max_json_values" },
		[API_RELOAD_ON_RSS] = { "reload_on_rss_mb" },
	};

	if (ymap_fields(d, n, "'api'", "field", f, API_COUNT) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[API_SOCKET].val && parse_socket(d, f[API_SOCKET].val, cfg) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[API_LISTEN].val && parse_listen(d, f[API_LISTEN].val, cfg) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[API_BACKLOG].val &&
	    yget_int(d, f[API_BACKLOG].val, "backlog", 1, 65535, &cfg->api_backlog) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[API_WORKERS].val &&
	    yget_int(d, f[API_WORKERS].val, "workers", 0, 1024, &cfg->api_workers) != CONFIG_OK)
		return CONFIG_ERR;
	if (parse_api_limits(d, f, cfg) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[API_GRACE].val && yget_int(d, f[API_GRACE].val, "delete_grace_s", 0, 86400,
	                                 &cfg->delete_grace_s) != CONFIG_OK)
		return CONFIG_ERR;
	return CONFIG_OK;
}

static int parse_scheduler(struct ydoc *d, yaml_node_t *n, struct app_config *cfg)
{
	struct yfield f[SCH_COUNT] = {
		[SCH_LEASE] = { "lease_s" },
		[SCH_HEARTBEAT] = { "heartbeat_s" },
		[SCH_POLL] = { "poll_ms" },
		[SCH_SHUTDOWN] = { "shutdown_timeout_s" },
	};

	if (ymap_fields(d, n, "'scheduler'", "field", f, SCH_COUNT) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[SCH_LEASE].val &&
	    yget_int(d, f[SCH_LEASE].val, "lease_s", 2, 3600, &cfg->lease_s) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[SCH_HEARTBEAT].val && yget_int(d, f[SCH_HEARTBEAT].val, "heartbeat_s", 1, 3600,
	                                     &cfg->heartbeat_s) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[SCH_POLL].val &&
	    yget_int(d, f[SCH_POLL].val, "poll_ms", 10, 600000, &cfg->poll_ms) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[SCH_SHUTDOWN].val && yget_int(d, f[SCH_SHUTDOWN].val, "shutdown_timeout_s", 0, 3600,
	                                    &cfg->shutdown_timeout_s) != CONFIG_OK)
		return CONFIG_ERR;
	/* A heartbeat slower than the lease would get live tasks rescued. */
	if (cfg->heartbeat_s >= cfg->lease_s)
		return yfail(d, f[SCH_HEARTBEAT].val ? f[SCH_HEARTBEAT].val : f[SCH_LEASE].val,
		             "'heartbeat_s' (%d) must be less than 'lease_s' (%d)",
		             cfg->heartbeat_s, cfg->lease_s);
	return CONFIG_OK;
}

static int parse_paths(struct ydoc *d, yaml_node_t *n, struct app_config *cfg)
{
	struct yfield f[P_COUNT] = {
		[P_AUTH] = { "auth" }, [P_DEVICES] = { "devices" }, [P_SQL] = { "sql" }
	};

	if (ymap_fields(d, n, "'paths'", "field", f, P_COUNT) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[P_AUTH].val && yget_path(d, f[P_AUTH].val, "auth", &cfg->auth_path) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[P_DEVICES].val &&
	    yget_path(d, f[P_DEVICES].val, "devices", &cfg->devices_path) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[P_SQL].val && yget_path(d, f[P_SQL].val, "sql", &cfg->sql_dir) != CONFIG_OK)
		return CONFIG_ERR;
	return CONFIG_OK;
}

static int parse_top(struct ydoc *d, yaml_node_t *root, void *arg)
{
	struct app_config *cfg = arg;
	struct yfield f[F_COUNT] = {
		[F_DOMAIN] = { "domain" },       [F_DATABASE] = { "database" }, [F_API] = { "api" },
		[F_SCHEDULER] = { "scheduler" }, [F_PATHS] = { "paths" },
	};

	if (ymap_fields(d, root, "the top level", "field", f, F_COUNT) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[F_DOMAIN].val &&
	    yget_nonempty(d, f[F_DOMAIN].val, "domain", &cfg->domain) != CONFIG_OK)
		return CONFIG_ERR;
	/* `database:` with no value means the same as "": libpq's PG* variables only. */
	if (f[F_DATABASE].val && !ynode_is_null(f[F_DATABASE].val) &&
	    yget_str(d, f[F_DATABASE].val, "database", &cfg->database) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[F_API].val && parse_api(d, f[F_API].val, cfg) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[F_SCHEDULER].val && parse_scheduler(d, f[F_SCHEDULER].val, cfg) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[F_PATHS].val && parse_paths(d, f[F_PATHS].val, cfg) != CONFIG_OK)
		return CONFIG_ERR;
	return CONFIG_OK;
}

/* Fills the string fields the file left out; false on OOM. */
static bool default_str(char **field, const char *value)
{
	if (!*field)
		*field = strdup(value);
	return *field != NULL;
}

static struct app_config *app_config_new(const char *path)
{
	struct app_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return NULL;
	cfg->api_workers = 0;
	cfg->api_backlog = 1024;
	cfg->max_body_bytes = 33554432;
	cfg->max_small_body_bytes = 1048576;
	cfg->max_json_values = 400000;
	cfg->reload_on_rss_mb = 128;
	cfg->delete_grace_s = 120;
	cfg->lease_s = 30;
	cfg->heartbeat_s = 5;
	cfg->poll_ms = 1000;
	cfg->shutdown_timeout_s = 30;
	cfg->source_path = strdup(path);
	if (!cfg->source_path) {
		free(cfg);
		return NULL;
	}
	return cfg;
}

static bool apply_defaults(struct app_config *cfg)
{
	return default_str(&cfg->domain, DEFAULT_DOMAIN) && default_str(&cfg->database, "") &&
	       default_str(&cfg->api_socket, DEFAULT_SOCKET) &&
	       default_str(&cfg->auth_path, DEFAULT_AUTH) &&
	       default_str(&cfg->devices_path, DEFAULT_DEVICES) &&
	       default_str(&cfg->sql_dir, DEFAULT_SQL);
}

int app_config_load(const char *path, struct app_config **out, char err[CONFIG_ERR_MAX])
{
	struct app_config *cfg = app_config_new(path);

	*out = NULL;
	if (!cfg) {
		snprintf(err, CONFIG_ERR_MAX, "%s: out of memory", path);
		return CONFIG_ERR;
	}
	if (ydoc_parse_file(path, err, parse_top, cfg, NULL) != CONFIG_OK)
		goto fail;
	if (!apply_defaults(cfg)) {
		snprintf(err, CONFIG_ERR_MAX, "%s: out of memory", path);
		goto fail;
	}
	*out = cfg;
	return CONFIG_OK;
fail:
	app_config_free(cfg);
	return CONFIG_ERR;
}

void app_config_free(struct app_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->source_path);
	free(cfg->domain);
	free(cfg->database);
	free(cfg->api_socket);
	free(cfg->api_listen_host);
	free(cfg->auth_path);
	free(cfg->devices_path);
	free(cfg->sql_dir);
	free(cfg);
}
