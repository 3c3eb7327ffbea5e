/*
 * config: the three operator files, parsed with libyaml into typed structs.
 *
 *   acloud.yml   where things are (database, socket, files) and tunables
 *   auth.yml     API keys, profiles, device whitelists, limits, priority,
 *                session bounds (max_session_s)
 *   devices.yml  devices and per-backend compilers
 *
 * Each loader validates everything (unknown field, duplicate id or key, bad
 * class, bad limit, wrong type) and on failure fills `err` with
 * "<file>:<line>: <reason>" and returns CONFIG_ERR, leaving nothing
 * allocated.  A loaded config is immutable; reloading builds a new one and
 * the caller swaps it in only on success, so the last good config survives
 * an invalid edit.  One owner: whoever loaded it frees it.
 */
#ifndef ACLOUD_CONFIG_H
#define ACLOUD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CONFIG_OK      0
#define CONFIG_ERR     (-1)
#define CONFIG_ERR_MAX 512

enum device_class {
	DEVICE_CLASS_SIMULATOR,
	DEVICE_CLASS_LUCIDAC,
	DEVICE_CLASS_REDAC,
	DEVICE_CLASS_COUNT
};

/*
 * The one table of device class names, indexed by enum device_class and
 * ended by NULL (the form the API's enum validators take).
 */
extern const char *const device_class_names[DEVICE_CLASS_COUNT + 1];

/* "SIMULATOR" | "LUCIDAC" | "REDAC"; -1 when unknown. */
int device_class_parse(const char *name);
const char *device_class_name(enum device_class cls);

/* ---- acloud.yml --------------------------------------------------------- */
/*
 * domain: analog.example.org         # shown by /api/v1/system/status
 * database: "host=/run/postgresql dbname=acloud user=acloud_app"
 *                                     # libpq conninfo; "" = PG* env only
 * api:
 *   socket: /run/acloud/api.sock      # unix socket to listen on
 *                                     # (ignored when fd 0 is a socket)
 *   listen: 10.0.0.2:9000             # TCP instead of the unix socket
 *                                     # (HOST:PORT or [IPV6]:PORT; unset)
 *   backlog: 1024                     # accept queue length of either
 *   workers: 4                        # 0 = number of cores, at least 2
 *   max_body_bytes: 33554432          # body limit where a circuit can be (413 above)
 *   max_small_body_bytes: 1048576     # body limit of every other route
 *   max_json_values: 400000           # values+keys a JSON body may hold (413 above)
 *   reload_on_rss_mb: 128             # a worker this large after a request
 *                                     # is replaced (0: never)
 *   delete_grace_s: 120
 * scheduler:
 *   lease_s: 30                       # heartbeat age after which a task is rescued
 *   heartbeat_s: 5
 *   poll_ms: 1000                     # fallback poll when NOTIFY is lost
 *   shutdown_timeout_s: 30
 * paths:
 *   auth: /etc/acloud/auth.yml        # relative paths: relative to acloud.yml
 *   devices: /etc/acloud/devices.yml
 *   sql: /usr/share/acloud/sql
 */
struct app_config {
	char *source_path;
	char *domain;
	char *database;
	char *api_socket;
	char *api_listen_host; /* NULL: listen on api_socket */
	int api_listen_port;
	int api_backlog;
	int api_workers;
	size_t max_body_bytes;       /* routes that carry a circuit (router.h) */
	size_t max_small_body_bytes; /* every other route */
	size_t max_json_values;      /* the pre-scan's budget (body.h) */
	size_t reload_on_rss_mb;     /* 0: never */
	int delete_grace_s;
	int lease_s;
	int heartbeat_s;
	int poll_ms;
	int shutdown_timeout_s;
	char *auth_path;
	char *devices_path;
	char *sql_dir;
};

int app_config_load(const char *path, struct app_config **out, char err[CONFIG_ERR_MAX]);
void app_config_free(struct app_config *cfg);

/* ---- auth.yml ------------------------------------------------------------ */

/* A limit of -1 means unlimited (class or window left out). */
#define AUTH_MAX_ACTIVE_TASKS_DEFAULT 1000
struct class_limits {
	long hourly;
	long daily;
};

struct auth_key {
	char *id;                     /* [A-Za-z0-9_.-]{1,64}, unique */
	unsigned char key_sha256[32]; /* from key: or key_sha256: */
	bool key_in_clear;            /* given as key: (check-config warns) */
	char *name;                   /* may be NULL */
	char *email;                  /* may be NULL */
	char *subscription;           /* may be NULL */
	bool enabled;                 /* default true */
	bool admin;                   /* default false */
	int priority;                 /* default: defaults.priority */
	int max_session_s;            /* longest session it may take; 0 = none (default) */
	bool has_device_whitelist;    /* false: every device */
	char **devices;               /* whitelist, n_devices entries */
	size_t n_devices;
	struct class_limits limits[DEVICE_CLASS_COUNT]; /* defaults merged in */
	long max_active_tasks; /* queued + inprogress at once; -1 unlimited */
};

struct auth_config {
	char *source_path;
	uint64_t stamp;            /* file_stamp() when read */
	int default_priority;      /* default 1 */
	int default_max_session_s; /* default 0: no sessions */
	struct class_limits default_limits[DEVICE_CLASS_COUNT];
	long default_max_active_tasks; /* default AUTH_MAX_ACTIVE_TASKS_DEFAULT */
	struct auth_key *keys;
	size_t n_keys;
};

int auth_config_load(const char *path, struct auth_config **out, char err[CONFIG_ERR_MAX]);
void auth_config_free(struct auth_config *cfg);
/* Key whose SHA-256 equals `sha256`, compared in constant time per key; NULL if none. */
const struct auth_key *auth_find_by_hash(const struct auth_config *cfg,
                                         const unsigned char sha256[32]);
const struct auth_key *auth_find_by_id(const struct auth_config *cfg, const char *id);
/* Whether the key may use device `name` (whitelist or no whitelist). */
bool auth_key_allows_device(const struct auth_key *key, const char *name);

/* ---- devices.yml --------------------------------------------------------- */

enum device_driver {
	DRIVER_SIMULATOR,
	DRIVER_LUCIDAC,
	DRIVER_COMMAND
};

/*
 * What a child process of the scheduler starts with (devices.yml `env:`
 * and `limits:` of a device or a compiler): nothing of the scheduler's
 * environment but these variables, and these resource limits (0:
 * unlimited).  config_sandbox.c.
 */
struct child_sandbox_config {
	char **env; /* "NAME=value", NULL-terminated; NULL when none */
	size_t n_env;
	long address_space_mb; /* RLIMIT_AS */
	long cpu_s;            /* RLIMIT_CPU; default: the timeout */
	long output_mb;        /* RLIMIT_FSIZE: the largest file it may write */
};

struct device_config {
	char *name; /* [A-Za-z0-9_.-]{1,64}, unique */
	enum device_class cls;
	enum device_driver driver;
	char *entity_path; /* optional; relative paths: relative to devices.yml */
	char *endpoint;    /* lucidac: "tcp://host:port" (port default 5732) */
	char *host;        /* lucidac: parsed from endpoint */
	int port;
	char **command; /* command driver: argv, NULL-terminated */
	size_t n_command;
	int timeout_s;                       /* command/lucidac run timeout; default 600 */
	struct child_sandbox_config sandbox; /* simulator and command children */
};

struct compiler_config {
	bool configured;
	char **command; /* argv, NULL-terminated */
	size_t n_command;
	int timeout_s;   /* default 120 */
	int concurrency; /* default 1 */
	struct child_sandbox_config sandbox;
};

struct devices_config {
	char *source_path;
	uint64_t stamp;
	struct device_config *devices;
	size_t n_devices;
	struct compiler_config compilers[DEVICE_CLASS_COUNT]; /* SIMULATOR never configured */
	/* run_as: the unprivileged user the children run as when the scheduler
	 * runs as root (NULL: no switch); its ids resolved at load. */
	char *run_as;
	unsigned run_uid, run_gid;
};

int devices_config_load(const char *path, struct devices_config **out, char err[CONFIG_ERR_MAX]);
void devices_config_free(struct devices_config *cfg);
const struct device_config *devices_find(const struct devices_config *cfg, const char *name);

/* SHA-256 of `len` bytes (libcrypto). */
void sha256_bytes(const void *data, size_t len, unsigned char out[32]);
/* The same, false when out of memory: for the request path, which answers
 * 500 instead of stopping the worker. */
bool sha256_try(const void *data, size_t len, unsigned char out[32]);
/* A fingerprint of a file's identity and modification (nanosecond mtime,
 * size, inode), so that two edits within one second are still seen; 0 when
 * it cannot be read. */
uint64_t file_stamp(const char *path);

#endif
