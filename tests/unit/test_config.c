/*
 * test_config: the three config loaders.  The example files of etc/ must
 * load and mean what their comments say; every bad file written here must
 * fail with "<file>:<line>: <reason>" naming the right line.
 */
#include "autoconfig.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/config.h"

#define EXAMPLES TEST_SRCDIR "/etc/"

/* ---- helpers ------------------------------------------------------------ */

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "cannot create %s", path);
	cr_assert_eq(fwrite(text, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

/* A fresh temporary .yml file holding `text`; the caller unlinks it. */
static void write_tmp(char path[64], const char *text)
{
	int fd;

	strcpy(path, "/tmp/acloud-test-XXXXXX.yml");
	fd = mkstemps(path, 4);
	cr_assert(fd >= 0);
	close(fd);
	write_file(path, text, strlen(text));
}

typedef int (*load_fn)(const char *path, char err[CONFIG_ERR_MAX]);

static int load_app(const char *path, char err[CONFIG_ERR_MAX])
{
	struct app_config *cfg = NULL;
	int rc = app_config_load(path, &cfg, err);

	cr_assert((rc == CONFIG_OK) == (cfg != NULL));
	app_config_free(cfg);
	return rc;
}

static int load_auth(const char *path, char err[CONFIG_ERR_MAX])
{
	struct auth_config *cfg = NULL;
	int rc = auth_config_load(path, &cfg, err);

	cr_assert((rc == CONFIG_OK) == (cfg != NULL));
	auth_config_free(cfg);
	return rc;
}

static int load_devices(const char *path, char err[CONFIG_ERR_MAX])
{
	struct devices_config *cfg = NULL;
	int rc = devices_config_load(path, &cfg, err);

	cr_assert((rc == CONFIG_OK) == (cfg != NULL));
	devices_config_free(cfg);
	return rc;
}

static void check_error(const char *err, const char *path, int line, const char *reason)
{
	char prefix[128];

	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	cr_assert(strncmp(err, prefix, strlen(prefix)) == 0, "error '%s' does not start with '%s'",
	          err, prefix);
	cr_assert_not_null(strstr(err, reason), "error '%s' does not say '%s'", err, reason);
}

static void expect_error(load_fn load, const char *yaml, int line, const char *reason)
{
	char path[64], err[CONFIG_ERR_MAX];
	int rc;

	write_tmp(path, yaml);
	rc = load(path, err);
	unlink(path);
	cr_assert_eq(rc, CONFIG_ERR, "accepted:\n%s", yaml);
	check_error(err, path, line, reason);
}

#define AUTH_ERR(yaml, line, reason) expect_error(load_auth, yaml, line, reason)
#define DEV_ERR(yaml, line, reason)  expect_error(load_devices, yaml, line, reason)
#define APP_ERR(yaml, line, reason)  expect_error(load_app, yaml, line, reason)

static struct auth_config *auth_from(const char *yaml)
{
	struct auth_config *cfg = NULL;
	char path[64], err[CONFIG_ERR_MAX];
	int rc;

	write_tmp(path, yaml);
	rc = auth_config_load(path, &cfg, err);
	unlink(path);
	cr_assert_eq(rc, CONFIG_OK, "%s", err);
	return cfg;
}

static struct devices_config *devices_from(const char *yaml)
{
	struct devices_config *cfg = NULL;
	char path[64], err[CONFIG_ERR_MAX];
	int rc;

	write_tmp(path, yaml);
	rc = devices_config_load(path, &cfg, err);
	unlink(path);
	cr_assert_eq(rc, CONFIG_OK, "%s", err);
	return cfg;
}

static void hash_of(const char *key, unsigned char out[32])
{
	sha256_bytes(key, strlen(key), out);
}

/* ---- utilities ---------------------------------------------------------- */

Test(util, sha256_known_vectors)
{
	static const unsigned char abc[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
		0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
		0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	static const unsigned char empty[32] = {
		0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
		0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
		0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
	};
	unsigned char out[32];

	sha256_bytes("abc", 3, out);
	cr_assert_arr_eq(out, abc, 32);
	sha256_bytes("", 0, out);
	cr_assert_arr_eq(out, empty, 32);
}

Test(util, device_class_names)
{
	cr_assert_eq(device_class_parse("SIMULATOR"), DEVICE_CLASS_SIMULATOR);
	cr_assert_eq(device_class_parse("LUCIDAC"), DEVICE_CLASS_LUCIDAC);
	cr_assert_eq(device_class_parse("REDAC"), DEVICE_CLASS_REDAC);
	cr_assert_eq(device_class_parse("lucidac"), -1);
	cr_assert_eq(device_class_parse(""), -1);
	cr_assert_str_eq(device_class_name(DEVICE_CLASS_REDAC), "REDAC");
	cr_assert_str_eq(device_class_name(DEVICE_CLASS_SIMULATOR), "SIMULATOR");
}

Test(util, file_stamp)
{
	char path[] = "/tmp/acloud-stamp-XXXXXX";
	int fd = mkstemp(path);
	uint64_t first;

	cr_assert_eq(file_stamp("/nonexistent/acloud/auth.yml"), 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "a", 1), 1);
	first = file_stamp(path);
	cr_assert_neq(first, 0);
	/* A second edit within the same second must change the stamp. */
	cr_assert_eq(write(fd, "b", 1), 1);
	close(fd);
	cr_assert_neq(file_stamp(path), first);
	unlink(path);
}

/* ---- acloud.yml --------------------------------------------------------- */

Test(app, example)
{
	struct app_config *cfg;
	char err[CONFIG_ERR_MAX];

	cr_assert_eq(app_config_load(EXAMPLES "acloud.example.yml", &cfg, err), CONFIG_OK, "%s",
	             err);
	cr_assert_str_eq(cfg->source_path, EXAMPLES "acloud.example.yml");
	cr_assert_str_eq(cfg->domain, "localhost");
	cr_assert_str_eq(cfg->database, "");
	cr_assert_str_eq(cfg->api_socket, "/run/acloud/api.sock");
	cr_assert_eq(cfg->api_workers, 0);
	cr_assert_eq(cfg->max_body_bytes, 33554432);
	cr_assert_eq(cfg->delete_grace_s, 120);
	cr_assert_eq(cfg->lease_s, 30);
	cr_assert_eq(cfg->heartbeat_s, 5);
	cr_assert_eq(cfg->poll_ms, 1000);
	cr_assert_eq(cfg->shutdown_timeout_s, 30);
	cr_assert_str_eq(cfg->auth_path, "/etc/acloud/auth.yml");
	cr_assert_str_eq(cfg->devices_path, "/etc/acloud/devices.yml");
	cr_assert_str_eq(cfg->sql_dir, "/usr/share/acloud/sql");
	app_config_free(cfg);
}

Test(app, empty_file_gives_defaults)
{
	struct app_config *cfg;
	char path[64], err[CONFIG_ERR_MAX];

	write_tmp(path, "# nothing yet\n");
	cr_assert_eq(app_config_load(path, &cfg, err), CONFIG_OK, "%s", err);
	unlink(path);
	cr_assert_str_eq(cfg->domain, "localhost");
	cr_assert_str_eq(cfg->database, "");
	cr_assert_str_eq(cfg->api_socket, "/run/acloud/api.sock");
	cr_assert_eq(cfg->max_body_bytes, 33554432);
	cr_assert_str_eq(cfg->auth_path, ACLOUD_SYSCONFDIR "/auth.yml");
	cr_assert_str_eq(cfg->devices_path, ACLOUD_SYSCONFDIR "/devices.yml");
	cr_assert_str_eq(cfg->sql_dir, ACLOUD_DATADIR "/sql");
	app_config_free(cfg);
}

Test(app, values_and_relative_paths)
{
	struct app_config *cfg;
	char path[64], dir[64], want[128], err[CONFIG_ERR_MAX];

	write_tmp(
		path,
		"domain: analog.example.org\n"
		"database: \"host=/run/postgresql dbname=acloud\"\n"
		"api: {socket: run/api.sock, workers: 4, max_body_bytes: 1024, delete_grace_s: 0}\n"
		"scheduler: {lease_s: 10, heartbeat_s: 2, poll_ms: 250, shutdown_timeout_s: 5}\n"
		"paths: {auth: auth.yml, devices: ../devices.yml, sql: /opt/sql}\n");
	cr_assert_eq(app_config_load(path, &cfg, err), CONFIG_OK, "%s", err);
	unlink(path);
	strcpy(dir, path);
	*strrchr(dir, '/') = '\0';
	cr_assert_str_eq(cfg->domain, "analog.example.org");
	cr_assert_str_eq(cfg->database, "host=/run/postgresql dbname=acloud");
	snprintf(want, sizeof(want), "%s/run/api.sock", dir);
	cr_assert_str_eq(cfg->api_socket, want);
	cr_assert_eq(cfg->api_workers, 4);
	cr_assert_eq(cfg->max_body_bytes, 1024);
	cr_assert_eq(cfg->delete_grace_s, 0);
	cr_assert_eq(cfg->lease_s, 10);
	cr_assert_eq(cfg->heartbeat_s, 2);
	cr_assert_eq(cfg->poll_ms, 250);
	cr_assert_eq(cfg->shutdown_timeout_s, 5);
	snprintf(want, sizeof(want), "%s/auth.yml", dir);
	cr_assert_str_eq(cfg->auth_path, want);
	snprintf(want, sizeof(want), "%s/../devices.yml", dir);
	cr_assert_str_eq(cfg->devices_path, want);
	cr_assert_str_eq(cfg->sql_dir, "/opt/sql");
	app_config_free(cfg);
}

Test(app, listen_tcp)
{
	static const struct {
		const char *yml, *host;
		int port;
	} ok[] = {
		{ "api: {listen: \"10.0.0.2:9000\", backlog: 64}\n", "10.0.0.2", 9000 },
		{ "api: {listen: \"[::1]:9000\", backlog: 64}\n", "::1", 9000 },
		{ "api: {listen: \"api-1.example.org:1\", backlog: 64}\n", "api-1.example.org", 1 },
	};
	struct app_config *cfg;
	char path[64], err[CONFIG_ERR_MAX];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		write_tmp(path, ok[i].yml);
		cr_assert_eq(app_config_load(path, &cfg, err), CONFIG_OK, "%s", err);
		unlink(path);
		cr_assert_str_eq(cfg->api_listen_host, ok[i].host);
		cr_assert_eq(cfg->api_listen_port, ok[i].port);
		cr_assert_eq(cfg->api_backlog, 64);
		app_config_free(cfg);
	}
	write_tmp(path, "api: {socket: /tmp/x.sock}\n");
	cr_assert_eq(app_config_load(path, &cfg, err), CONFIG_OK, "%s", err);
	unlink(path);
	cr_assert_null(cfg->api_listen_host, "no listen: the unix socket");
	cr_assert_eq(cfg->api_backlog, 1024);
	app_config_free(cfg);
}

Test(app, errors)
{
	APP_ERR("domain: x\nport: 80\n", 2, "unknown field 'port'");
	APP_ERR("api:\n  workers: 2\n  sockets: /x\n", 3, "unknown field 'sockets'");
	APP_ERR("api:\n  workers: -1\n", 2, "'workers' must be an integer between 0 and 1024");
	APP_ERR("api:\n  workers: four\n", 2, "'workers' must be an integer");
	APP_ERR("api: /run/x.sock\n", 1, "'api' must be a mapping");
	APP_ERR("domain: \"\"\n", 1, "'domain' must not be empty");
	APP_ERR("domain: a\ndomain: b\n", 2, "duplicate field 'domain' (first on line 1)");
	APP_ERR("scheduler:\n  lease_s: 5\n  heartbeat_s: 5\n", 3, "must be less than 'lease_s'");
	APP_ERR("scheduler:\n  lease_s: 4\n", 2, "must be less than 'lease_s'");
	APP_ERR("api:\n  max_body_bytes: 0\n", 2, "'max_body_bytes' must be an integer");
	APP_ERR("paths:\n  sql: \"\"\n", 2, "'sql' must not be empty");
	APP_ERR("api:\n  socket: /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\n",
	        2, "'socket' is longer than a unix socket path");
	APP_ERR("api:\n  listen: \"9000\"\n", 2, "'listen' must be HOST:PORT");
	APP_ERR("api:\n  listen: \":9000\"\n", 2, "'listen' must be HOST:PORT");
	APP_ERR("api:\n  listen: \"::1:9000\"\n", 2, "'listen' must be HOST:PORT");
	APP_ERR("api:\n  listen: \"[::1]9000\"\n", 2, "'listen' must be HOST:PORT");
	APP_ERR("api:\n  listen: \"h:0\"\n", 2, "'listen' must be HOST:PORT");
	APP_ERR("api:\n  listen: \"h:65536\"\n", 2, "'listen' must be HOST:PORT");
	APP_ERR("api:\n  listen: \"h:90x\"\n", 2, "'listen' must be HOST:PORT");
	APP_ERR("api:\n  listen: \"h:\"\n", 2, "'listen' must be HOST:PORT");
	APP_ERR("api:\n  listen: \"\"\n", 2, "'listen' must not be empty");
	APP_ERR("api:\n  backlog: 0\n", 2, "'backlog' must be an integer between 1 and 65535");
	APP_ERR("- domain\n", 1, "the top level must be a mapping");
	APP_ERR("domain: [a\n", 2, "invalid YAML");
	APP_ERR("domain: a\n---\ndomain: b\n", 2, "more than one YAML document");
}

Test(app, missing_file)
{
	struct app_config *cfg = (struct app_config *)1;
	char err[CONFIG_ERR_MAX];

	cr_assert_eq(app_config_load("/nonexistent/acloud.yml", &cfg, err), CONFIG_ERR);
	cr_assert_null(cfg);
	cr_assert_str_eq(err, "/nonexistent/acloud.yml: cannot open: No such file or directory");
}

/* ---- auth.yml ----------------------------------------------------------- */

Test(auth, example)
{
	struct auth_config *cfg;
	const struct auth_key *k;
	char err[CONFIG_ERR_MAX];
	unsigned char h[32];

	cr_assert_eq(auth_config_load(EXAMPLES "auth.example.yml", &cfg, err), CONFIG_OK, "%s",
	             err);
	cr_assert_eq(cfg->n_keys, 4);
	cr_assert_eq(cfg->stamp, file_stamp(EXAMPLES "auth.example.yml"));
	cr_assert_eq(cfg->default_priority, 1);
	cr_assert_eq(cfg->default_limits[DEVICE_CLASS_SIMULATOR].hourly, 600);
	cr_assert_eq(cfg->default_limits[DEVICE_CLASS_SIMULATOR].daily, 5000);
	cr_assert_eq(cfg->default_limits[DEVICE_CLASS_LUCIDAC].hourly, 30);
	cr_assert_eq(cfg->default_limits[DEVICE_CLASS_LUCIDAC].daily, 200);
	cr_assert_eq(cfg->default_limits[DEVICE_CLASS_REDAC].hourly, 10);
	cr_assert_eq(cfg->default_limits[DEVICE_CLASS_REDAC].daily, 60);

	hash_of("ac_demo_alice_0123456789", h);
	k = auth_find_by_hash(cfg, h);
	cr_assert_not_null(k);
	cr_assert_str_eq(k->id, "alice");
	cr_assert_str_eq(k->name, "Alice Example");
	cr_assert_str_eq(k->email, "alice@example.org");
	cr_assert_str_eq(k->subscription, "academic");
	cr_assert(k->enabled);
	cr_assert_not(k->admin);
	cr_assert_eq(k->priority, 2);
	cr_assert_not(k->has_device_whitelist);
	cr_assert(auth_key_allows_device(k, "sim-1"));
	cr_assert(auth_key_allows_device(k, "anything"));
	cr_assert_eq(k->limits[DEVICE_CLASS_LUCIDAC].hourly, 30);

	k = auth_find_by_id(cfg, "bob");
	cr_assert_not_null(k);
	cr_assert_eq(k->priority, 1);
	cr_assert_str_eq(k->subscription, "trial");
	cr_assert(k->has_device_whitelist);
	cr_assert_eq(k->n_devices, 2);
	cr_assert(auth_key_allows_device(k, "sim-2"));
	cr_assert_not(auth_key_allows_device(k, "sim-3"));
	cr_assert_eq(k->limits[DEVICE_CLASS_SIMULATOR].hourly, 60);
	cr_assert_eq(k->limits[DEVICE_CLASS_SIMULATOR].daily, 5000);

	hash_of("ac_demo_carol_disabled_000", h);
	k = auth_find_by_hash(cfg, h);
	cr_assert_not_null(k);
	cr_assert_str_eq(k->id, "carol");
	cr_assert_not(k->enabled);
	cr_assert_null(k->subscription);

	hash_of("ac_demo_admin_5555555555", h);
	k = auth_find_by_hash(cfg, h);
	cr_assert_not_null(k);
	cr_assert_str_eq(k->id, "admin");
	cr_assert(k->admin);
	cr_assert_eq(k->priority, 10);

	hash_of("ac_demo_bob_9876543210", h);
	cr_assert_eq(auth_find_by_hash(cfg, h), auth_find_by_id(cfg, "bob"));
	hash_of("ac_demo_alice_0123456788", h);
	cr_assert_null(auth_find_by_hash(cfg, h));
	cr_assert_null(auth_find_by_id(cfg, "mallory"));
	auth_config_free(cfg);
}

Test(auth, empty_and_keyless_files)
{
	struct auth_config *cfg = auth_from("");
	unsigned char h[32];

	cr_assert_eq(cfg->n_keys, 0);
	cr_assert_eq(cfg->default_priority, 1);
	cr_assert_eq(cfg->default_limits[DEVICE_CLASS_LUCIDAC].hourly, -1);
	hash_of("anything", h);
	cr_assert_null(auth_find_by_hash(cfg, h));
	auth_config_free(cfg);

	cfg = auth_from("defaults:\n  priority: 3\nkeys:\n");
	cr_assert_eq(cfg->n_keys, 0);
	cr_assert_eq(cfg->default_priority, 3);
	auth_config_free(cfg);

	cfg = auth_from("keys: []\n");
	cr_assert_eq(cfg->n_keys, 0);
	auth_config_free(cfg);
}

/* max_active_tasks: 1000 unless defaults say otherwise; null lifts it. */
Test(auth, max_active_tasks)
{
	struct auth_config *cfg = auth_from("keys:\n  - {id: a, key: ka}\n");

	cr_assert_eq(cfg->default_max_active_tasks, 1000);
	cr_assert_eq(cfg->keys[0].max_active_tasks, 1000);
	auth_config_free(cfg);

	cfg = auth_from("defaults: {max_active_tasks: 7}\nkeys:\n  - {id: a, key: ka}\n"
	                "  - {id: b, key: kb, max_active_tasks: 2}\n"
	                "  - {id: c, key: kc, max_active_tasks: null}\n");
	cr_assert_eq(cfg->keys[0].max_active_tasks, 7);
	cr_assert_eq(cfg->keys[1].max_active_tasks, 2);
	cr_assert_eq(cfg->keys[2].max_active_tasks, -1);
	auth_config_free(cfg);
	AUTH_ERR("defaults: {max_active_tasks: 0}\n", 1, "max_active_tasks");
	AUTH_ERR("keys:\n  - {id: a, key: ka, max_active_tasks: x}\n", 2, "max_active_tasks");
}

Test(auth, limits_merge_per_window)
{
	struct auth_config *cfg = auth_from(
		"keys:\n"
		"  - {id: a, key: key-a, limits: {LUCIDAC: {hourly: 5}, REDAC: {daily: null}}}\n"
		"  - {id: b, key: key-b, limits: {SIMULATOR: {hourly: 0, daily: 1}}}\n"
		"  - {id: c, key: key-c}\n"
		"defaults:\n"
		"  priority: 7\n"
		"  limits:\n"
		"    LUCIDAC: {hourly: 30, daily: 200}\n"
		"    REDAC: {hourly: 10, daily: 60}\n");
	const struct auth_key *a = auth_find_by_id(cfg, "a"), *b = auth_find_by_id(cfg, "b"),
			      *c = auth_find_by_id(cfg, "c");

	cr_assert_eq(a->priority, 7);
	cr_assert_eq(a->limits[DEVICE_CLASS_LUCIDAC].hourly, 5);
	cr_assert_eq(a->limits[DEVICE_CLASS_LUCIDAC].daily, 200);
	cr_assert_eq(a->limits[DEVICE_CLASS_REDAC].hourly, 10);
	cr_assert_eq(a->limits[DEVICE_CLASS_REDAC].daily, -1);
	cr_assert_eq(a->limits[DEVICE_CLASS_SIMULATOR].hourly, -1);
	cr_assert_eq(a->limits[DEVICE_CLASS_SIMULATOR].daily, -1);
	cr_assert_eq(b->limits[DEVICE_CLASS_SIMULATOR].hourly, 0);
	cr_assert_eq(b->limits[DEVICE_CLASS_SIMULATOR].daily, 1);
	cr_assert_eq(b->limits[DEVICE_CLASS_LUCIDAC].hourly, 30);
	cr_assert_eq(c->limits[DEVICE_CLASS_REDAC].daily, 60);
	cr_assert_eq(c->limits[DEVICE_CLASS_SIMULATOR].hourly, -1);
	auth_config_free(cfg);
}

Test(auth, whitelist_semantics)
{
	struct auth_config *cfg = auth_from(
		"keys:\n"
		"  - {id: all, key: key-all}\n"
		"  - {id: none, key: key-none, devices: []}\n"
		"  - {id: some, key: key-some, devices: [sim-1, lucidac-1, not-in-devices-yml]}\n");
	const struct auth_key *all = auth_find_by_id(cfg, "all"),
			      *none = auth_find_by_id(cfg, "none"),
			      *some = auth_find_by_id(cfg, "some");

	cr_assert_not(all->has_device_whitelist);
	cr_assert(auth_key_allows_device(all, "sim-1"));
	cr_assert(none->has_device_whitelist);
	cr_assert_eq(none->n_devices, 0);
	cr_assert_not(auth_key_allows_device(none, "sim-1"));
	cr_assert_eq(some->n_devices, 3);
	cr_assert_null(some->devices[3]);
	cr_assert_str_eq(some->devices[2], "not-in-devices-yml");
	cr_assert(auth_key_allows_device(some, "lucidac-1"));
	cr_assert_not(auth_key_allows_device(some, "sim-2"));
	cr_assert_not(auth_key_allows_device(some, "sim-"));
	auth_config_free(cfg);
}

Test(auth, key_sha256_case_insensitive)
{
	struct auth_config *cfg = auth_from(
		"keys:\n"
		"  - id: lower\n"
		"    key_sha256: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
		"  - id: upper\n"
		"    key_sha256: \"2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824\"\n");
	unsigned char h[32];

	hash_of("abc", h);
	cr_assert_str_eq(auth_find_by_hash(cfg, h)->id, "lower");
	hash_of("hello", h);
	cr_assert_str_eq(auth_find_by_hash(cfg, h)->id, "upper");
	auth_config_free(cfg);
}

Test(auth, unknown_fields)
{
	AUTH_ERR("defaults: {}\nusers: []\n", 2, "unknown field 'users'");
	AUTH_ERR("keys:\n  - id: a\n    key: k1\n    role: admin\n", 4, "unknown field 'role'");
	AUTH_ERR("defaults:\n  priority: 1\n  limit: {}\n", 3, "unknown field 'limit'");
	AUTH_ERR("defaults:\n  limits:\n    LUCIDAC: {hourly: 1, monthly: 9}\n", 3,
	         "unknown field 'monthly'");
}

Test(auth, duplicates)
{
	AUTH_ERR("keys:\n  - id: a\n    key: k1\n  - id: b\n    key: k2\n  - id: a\n    key: k3\n",
	         6, "duplicate key id 'a'");
	AUTH_ERR("keys:\n  - id: a\n    key: same-key\n  - id: b\n    key: same-key\n", 5,
	         "duplicate key: 'b' has the same key (SHA-256) as 'a'");
	AUTH_ERR(
		"keys:\n"
		"  - id: a\n"
		"    key: abc\n"
		"  - id: b\n"
		"    key_sha256: BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD\n",
		5, "duplicate key: 'b' has the same key (SHA-256) as 'a'");
	AUTH_ERR("keys:\n  - id: a\n    key: k1\n    name: A\n    name: B\n", 5,
	         "duplicate field 'name' (first on line 4)");
	AUTH_ERR("defaults: {}\nkeys: []\ndefaults: {}\n", 3, "duplicate field 'defaults'");
	AUTH_ERR("defaults:\n  limits:\n    REDAC: {hourly: 1}\n    REDAC: {daily: 1}\n", 4,
	         "duplicate device class 'REDAC'");
}

Test(auth, bad_values)
{
	AUTH_ERR("defaults:\n  limits:\n    FOO: {hourly: 1}\n", 3, "unknown device class 'FOO'");
	AUTH_ERR("defaults:\n  limits:\n    lucidac: {hourly: 1}\n", 3,
	         "unknown device class 'lucidac'");
	AUTH_ERR("defaults:\n  limits:\n    LUCIDAC: {hourly: -1}\n", 3,
	         "'hourly' must be an integer between 0 and");
	AUTH_ERR("keys:\n  - id: a\n    key: k\n    limits:\n      REDAC:\n        daily: -5\n", 6,
	         "'daily' must be an integer between 0 and");
	AUTH_ERR("defaults:\n  limits:\n    REDAC: {hourly: 1.5}\n", 3,
	         "'hourly' must be an integer");
	AUTH_ERR("defaults:\n  limits:\n    REDAC: 5\n", 3, "a class's limits must be a mapping");
	AUTH_ERR("defaults:\n  priority: 1001\n", 2,
	         "'priority' must be an integer between 0 and 1000");
	AUTH_ERR("keys:\n  - id: a\n    key: k\n    priority: -1\n", 4,
	         "'priority' must be an integer between 0 and 1000");
	AUTH_ERR("keys:\n  - id: a\n    key: k\n    priority: \"5\"\n", 4,
	         "'priority' must be an integer");
	AUTH_ERR("keys:\n  - id: a\n    key: k\n    priority: 05\n", 4,
	         "'priority' must be an integer");
}

Test(auth, bad_secrets)
{
	AUTH_ERR("keys:\n  - id: a\n    key_sha256: abcd\n", 3,
	         "'key_sha256' must be 64 hexadecimal characters");
	AUTH_ERR(
		"keys:\n  - id: a\n"
		"    key_sha256: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ag\n",
		3, "'key_sha256' must be 64 hexadecimal characters");
	AUTH_ERR(
		"keys:\n  - id: a\n"
		"    key_sha256: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0\n",
		3, "'key_sha256' must be 64 hexadecimal characters");
	AUTH_ERR(
		"keys:\n  - id: a\n    key: k\n"
		"    key_sha256: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n",
		4, "exactly one of 'key' and 'key_sha256'");
	AUTH_ERR(
		"keys:\n  - id: a\n"
		"    key_sha256: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
		"    key: k\n",
		4, "exactly one of 'key' and 'key_sha256'");
	AUTH_ERR("keys:\n  - id: a\n    name: A\n", 2,
	         "key 'a' needs one of 'key' or 'key_sha256'");
	AUTH_ERR("keys:\n  - id: a\n    key: \"two words\"\n", 3,
	         "'key' must be printable ASCII without spaces");
	AUTH_ERR("keys:\n  - id: a\n    key: \"\"\n", 3, "'key' must not be empty");
	AUTH_ERR("keys:\n  - id: a\n    key: [k]\n", 3, "'key' must be a string");
}

Test(auth, secret_never_in_message)
{
	char path[64], err[CONFIG_ERR_MAX];

	write_tmp(path, "keys:\n  - id: a\n    key: \"secret-token with-space\"\n");
	cr_assert_eq(load_auth(path, err), CONFIG_ERR);
	unlink(path);
	cr_assert_null(strstr(err, "secret-token"), "%s", err);
}

Test(auth, bad_ids_and_types)
{
	AUTH_ERR("keys:\n  - id: \"al ice\"\n    key: k\n", 2,
	         "'id' must match [A-Za-z0-9_.-]{1,64}");
	AUTH_ERR("keys:\n  - id: al/ice\n    key: k\n", 2, "'id' must match");
	AUTH_ERR("keys:\n  - id: \"\"\n    key: k\n", 2, "'id' must match");
	AUTH_ERR(
		"keys:\n  - id: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n    key: k\n",
		2, "'id' must match");
	AUTH_ERR("keys:\n  - key: k\n", 2, "key without 'id'");
	AUTH_ERR("keys:\n  - id: a\n    key: k\n    enabled: yes\n", 4,
	         "'enabled' must be true or false");
	AUTH_ERR("keys:\n  - id: a\n    key: k\n    enabled: \"true\"\n", 4,
	         "'enabled' must be true or false");
	AUTH_ERR("keys:\n  - id: a\n    key: k\n    admin: 1\n", 4,
	         "'admin' must be true or false");
	AUTH_ERR("keys:\n  - id: a\n    key: k\n    devices: sim-1\n", 4,
	         "'devices' must be a list");
	AUTH_ERR("keys:\n  - id: a\n    key: k\n    devices:\n      - sim-1\n      - \"sim 2\"\n",
	         6, "'devices[1]' must match");
	AUTH_ERR("keys:\n  - id: a\n    key: k\n    devices: [[sim-1]]\n", 4,
	         "'devices[0]' must be a string");
	AUTH_ERR("keys:\n  - id: a\n    key: k\n    name: [A]\n", 4, "'name' must be a string");
	AUTH_ERR("keys:\n  - id: a\n    key: k\n    email:\n", 4, "'email' must be a string");
	AUTH_ERR("keys:\n  id: a\n", 2, "'keys' must be a list");
	AUTH_ERR("keys:\n  - alice\n", 2, "each entry of 'keys' must be a mapping");
	AUTH_ERR("keys:\n  - id: a\n    key: k\n  - {id: b, key: k2, ? [x] : 1}\n", 4,
	         "field names must be strings");
}

Test(auth, many_keys)
{
	size_t cap = 10001 * 40 + 16, len = 0, i;
	char *yaml = malloc(cap), path[64], err[CONFIG_ERR_MAX];
	struct auth_config *cfg;

	cr_assert_not_null(yaml);
	len += (size_t)snprintf(yaml + len, cap - len, "keys:\n");
	for (i = 0; i < 10000; i++)
		len += (size_t)snprintf(yaml + len, cap - len, "- {id: u%zu, key: k%zu}\n", i, i);
	write_tmp(path, yaml);
	cr_assert_eq(auth_config_load(path, &cfg, err), CONFIG_OK, "%s", err);
	cr_assert_eq(cfg->n_keys, 10000);
	cr_assert_str_eq(auth_find_by_id(cfg, "u9999")->id, "u9999");
	auth_config_free(cfg);

	snprintf(yaml + len, cap - len, "- {id: u%zu, key: k%zu}\n", i, i);
	write_file(path, yaml, strlen(yaml));
	cr_assert_eq(load_auth(path, err), CONFIG_ERR);
	unlink(path);
	check_error(err, path, 2, "'keys' has more than 10000 entries");
	free(yaml);
}

Test(auth, alias_expansion_is_bounded)
{
	size_t cap = 1 << 20, len = 0, i;
	char *yaml = malloc(cap), path[64], err[CONFIG_ERR_MAX];

	cr_assert_not_null(yaml);
	len += (size_t)snprintf(yaml + len, cap - len, "keys:\n- {id: u0, key: k0, devices: &d [");
	for (i = 0; i < 10000; i++)
		len += (size_t)snprintf(yaml + len, cap - len, "%sd%zu", i ? "," : "", i);
	len += (size_t)snprintf(yaml + len, cap - len, "]}\n");
	for (i = 1; i < 10000; i++)
		len += (size_t)snprintf(yaml + len, cap - len,
		                        "- {id: u%zu, key: k%zu, devices: *d}\n", i, i);
	write_tmp(path, yaml);
	cr_assert_eq(load_auth(path, err), CONFIG_ERR);
	unlink(path);
	cr_assert_not_null(strstr(err, "document too large after alias expansion"), "%s", err);
	free(yaml);
}

Test(auth, small_aliases_are_fine)
{
	struct auth_config *cfg = auth_from("keys:\n"
	                                    "  - {id: a, key: k1, devices: &lab [sim-1, sim-2]}\n"
	                                    "  - {id: b, key: k2, devices: *lab}\n");

	cr_assert_eq(auth_find_by_id(cfg, "b")->n_devices, 2);
	auth_config_free(cfg);
}

Test(auth, size_bounds)
{
	char *yaml = malloc((4u << 20) + 64), path[64], err[CONFIG_ERR_MAX];
	size_t len;

	cr_assert_not_null(yaml);
	len = (size_t)sprintf(yaml, "keys:\n  - id: a\n    key: k\n    name: \"");
	memset(yaml + len, 'x', 4097);
	strcpy(yaml + len + 4097, "\"\n");
	AUTH_ERR(yaml, 4, "'name' is longer than 4096 bytes");

	memset(yaml, '#', (4u << 20) + 1);
	yaml[(4u << 20) + 1] = '\0';
	write_tmp(path, yaml);
	cr_assert_eq(load_auth(path, err), CONFIG_ERR);
	unlink(path);
	check_error(err, path, 1, "file is larger than 4 MiB");
	free(yaml);
}

/* ---- devices.yml -------------------------------------------------------- */

Test(devices, example)
{
	struct devices_config *cfg;
	const struct device_config *dev;
	const struct compiler_config *c;
	char err[CONFIG_ERR_MAX];

	cr_assert_eq(devices_config_load(EXAMPLES "devices.example.yml", &cfg, err), CONFIG_OK,
	             "%s", err);
	cr_assert_eq(cfg->n_devices, 3);
	cr_assert_eq(cfg->stamp, file_stamp(EXAMPLES "devices.example.yml"));
	dev = devices_find(cfg, "sim-1");
	cr_assert_not_null(dev);
	cr_assert_eq(dev->cls, DEVICE_CLASS_SIMULATOR);
	cr_assert_eq(dev->driver, DRIVER_SIMULATOR);
	cr_assert_str_eq(dev->entity_path, EXAMPLES "entities/lucidac.apb");
	cr_assert_eq(dev->timeout_s, 600);
	cr_assert_null(dev->endpoint);
	cr_assert_null(dev->command);
	cr_assert_null(devices_find(cfg, "sim-2")->entity_path);
	cr_assert_not_null(devices_find(cfg, "sim-3"));
	cr_assert_null(devices_find(cfg, "lucidac-1"));

	cr_assert_not(cfg->compilers[DEVICE_CLASS_SIMULATOR].configured);
	c = &cfg->compilers[DEVICE_CLASS_LUCIDAC];
	cr_assert(c->configured);
	cr_assert_eq(c->n_command, 3);
	cr_assert_str_eq(c->command[0], "acloud-compile");
	cr_assert_str_eq(c->command[1], "--target");
	cr_assert_str_eq(c->command[2], "LUCIDAC");
	cr_assert_null(c->command[3]);
	cr_assert_eq(c->timeout_s, 120);
	cr_assert_eq(c->concurrency, 2);
	c = &cfg->compilers[DEVICE_CLASS_REDAC];
	cr_assert(c->configured);
	cr_assert_str_eq(c->command[2], "REDAC");
	cr_assert_eq(c->timeout_s, 300);
	cr_assert_eq(c->concurrency, 1);
	devices_config_free(cfg);
}

Test(devices, the_other_drivers)
{
	struct devices_config *cfg = devices_from(
		"devices:\n"
		"  - {name: l1, class: LUCIDAC, driver: lucidac, endpoint: \"tcp://10.0.0.7\"}\n"
		"  - {name: l2, class: LUCIDAC, driver: lucidac, endpoint: \"tcp://lucidac-2.lab:6000\", timeout_s: 30}\n"
		"  - {name: l3, class: LUCIDAC, driver: lucidac, endpoint: \"tcp://[::1]:5733\"}\n"
		"  - name: r1\n"
		"    class: REDAC\n"
		"    driver: command\n"
		"    command: [\"/usr/local/bin/redac-run\", \"--host\", \"\"]\n"
		"compilers:\n"
		"  REDAC: {command: [acloud-compile]}\n");
	const struct device_config *d;

	d = devices_find(cfg, "l1");
	cr_assert_str_eq(d->host, "10.0.0.7");
	cr_assert_eq(d->port, 5732);
	cr_assert_str_eq(d->endpoint, "tcp://10.0.0.7:5732");
	cr_assert_eq(d->timeout_s, 600);
	d = devices_find(cfg, "l2");
	cr_assert_str_eq(d->host, "lucidac-2.lab");
	cr_assert_eq(d->port, 6000);
	cr_assert_eq(d->timeout_s, 30);
	d = devices_find(cfg, "l3");
	cr_assert_str_eq(d->host, "::1");
	cr_assert_eq(d->port, 5733);
	cr_assert_str_eq(d->endpoint, "tcp://[::1]:5733");
	d = devices_find(cfg, "r1");
	cr_assert_eq(d->cls, DEVICE_CLASS_REDAC);
	cr_assert_eq(d->driver, DRIVER_COMMAND);
	cr_assert_eq(d->n_command, 3);
	cr_assert_str_eq(d->command[0], "/usr/local/bin/redac-run");
	cr_assert_str_eq(d->command[2], "");
	cr_assert_null(d->command[3]);
	cr_assert_eq(d->timeout_s, 600);
	cr_assert_not(cfg->compilers[DEVICE_CLASS_LUCIDAC].configured);
	cr_assert_eq(cfg->compilers[DEVICE_CLASS_REDAC].timeout_s, 120);
	cr_assert_eq(cfg->compilers[DEVICE_CLASS_REDAC].concurrency, 1);
	devices_config_free(cfg);
}

Test(devices, sandbox_env_limits_run_as)
{
	struct devices_config *cfg =
		devices_from("run_as: nobody\n"
	                     "devices:\n"
	                     "  - name: r1\n"
	                     "    class: REDAC\n"
	                     "    driver: command\n"
	                     "    command: [run]\n"
	                     "    timeout_s: 60\n"
	                     "    env: {LANG: C.UTF-8, REDAC_HOST: \"10.0.0.5\"}\n"
	                     "    limits: {address_space_mb: 512, output_mb: 0}\n"
	                     "  - {name: s1, class: SIMULATOR, driver: simulator}\n"
	                     "compilers:\n"
	                     "  LUCIDAC: {command: [c], timeout_s: 30, limits: {cpu_s: 5}}\n");
	const struct device_config *d = devices_find(cfg, "r1");
	const struct compiler_config *c = &cfg->compilers[DEVICE_CLASS_LUCIDAC];

	cr_assert_str_eq(cfg->run_as, "nobody");
	cr_assert_eq(cfg->run_uid, 65534);
	cr_assert_eq(d->sandbox.n_env, 2);
	cr_assert_str_eq(d->sandbox.env[0], "LANG=C.UTF-8");
	cr_assert_str_eq(d->sandbox.env[1], "REDAC_HOST=10.0.0.5");
	cr_assert_null(d->sandbox.env[2]);
	cr_assert_eq(d->sandbox.address_space_mb, 512);
	cr_assert_eq(d->sandbox.cpu_s, 60); /* the timeout */
	cr_assert_eq(d->sandbox.output_mb, 0);
	d = devices_find(cfg, "s1");
	cr_assert_null(d->sandbox.env);
	cr_assert_eq(d->sandbox.cpu_s, 600);
	cr_assert_eq(d->sandbox.output_mb, 1024);
	cr_assert_eq(c->sandbox.cpu_s, 5);
	devices_config_free(cfg);
	DEV_ERR("devices:\n  - {name: a, class: REDAC, driver: command, command: [x], env: [A]}\n",
	        2, "'env' must be a mapping");
	DEV_ERR("devices:\n  - {name: a, class: REDAC, driver: command, command: [x], env: {1A: x}}\n",
	        2, "'env' names must match");
	DEV_ERR("devices:\n  - {name: a, class: REDAC, driver: command, command: [x],\n"
	        "     limits: {cpu: 1}}\n",
	        3, "cpu");
	DEV_ERR("devices:\n  - {name: a, class: REDAC, driver: command, command: [x],\n"
	        "     limits: {cpu_s: -1}}\n",
	        3, "cpu_s");
	DEV_ERR("run_as: no-such-user-here\n", 1, "no user 'no-such-user-here'");
	DEV_ERR("run_as: root\n", 1, "unprivileged");
}

Test(devices, empty_files)
{
	struct devices_config *cfg = devices_from("");

	cr_assert_eq(cfg->n_devices, 0);
	cr_assert_not(cfg->compilers[DEVICE_CLASS_LUCIDAC].configured);
	devices_config_free(cfg);
	cfg = devices_from("devices: []\ncompilers: {}\n");
	cr_assert_eq(cfg->n_devices, 0);
	devices_config_free(cfg);
	cfg = devices_from("compilers:\n  LUCIDAC: {command: [c]}\n");
	cr_assert_eq(cfg->n_devices, 0);
	cr_assert(cfg->compilers[DEVICE_CLASS_LUCIDAC].configured);
	devices_config_free(cfg);
}

Test(devices, entity_relative_to_the_file)
{
	static const char yaml[] =
		"devices:\n  - {name: s, class: SIMULATOR, driver: simulator, entity: e.apb}\n";
	char dir[] = "/tmp/acloud-test-XXXXXX", path[64], entity[80], err[CONFIG_ERR_MAX];
	struct devices_config *cfg;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/devices.yml", dir);
	snprintf(entity, sizeof(entity), "%s/e.apb", dir);
	write_file(entity, "APB", 3);
	write_file(path, yaml, strlen(yaml));
	cr_assert_eq(devices_config_load(path, &cfg, err), CONFIG_OK, "%s", err);
	cr_assert_str_eq(cfg->devices[0].entity_path, entity);
	devices_config_free(cfg);
	unlink(entity);
	cr_assert_eq(load_devices(path, err), CONFIG_ERR);
	check_error(err, path, 2, "e.apb: No such file or directory");
	unlink(path);
	rmdir(dir);
}

Test(devices, errors)
{
	DEV_ERR("devices:\n  - name: a\n    class: SIMULATOR\n    driver: simulator\n    gpu: true\n",
	        5, "unknown field 'gpu'");
	DEV_ERR("device:\n  - name: a\n", 1, "unknown field 'device'");
	DEV_ERR("devices:\n  - name: a\n    class: ANALOG\n    driver: simulator\n", 3,
	        "unknown device class 'ANALOG' (expected SIMULATOR, LUCIDAC or REDAC)");
	DEV_ERR("devices:\n  - name: a\n    class: SIMULATOR\n    driver: qemu\n", 4,
	        "unknown driver 'qemu' (expected simulator, lucidac or command)");
	DEV_ERR("devices:\n  - name: a\n    class: LUCIDAC\n    driver: lucidac\n", 2,
	        "device 'a': driver lucidac needs 'endpoint'");
	DEV_ERR("devices:\n  - name: a\n    class: REDAC\n    driver: command\n", 2,
	        "device 'a': driver command needs 'command'");
	DEV_ERR("devices:\n  - name: a\n    class: SIMULATOR\n", 2,
	        "device 'a' needs 'class' and 'driver'");
	DEV_ERR("devices:\n  - class: SIMULATOR\n    driver: simulator\n", 2,
	        "device without 'name'");
	DEV_ERR("devices:\n  - {name: a, class: SIMULATOR, driver: simulator}\n"
	        "  - {name: b, class: SIMULATOR, driver: simulator}\n"
	        "  - {name: a, class: LUCIDAC, driver: lucidac, endpoint: \"tcp://h\"}\n",
	        4, "duplicate device name 'a'");
	DEV_ERR("devices:\n  - {name: \"sim 1\", class: SIMULATOR, driver: simulator}\n", 2,
	        "'name' must match");
	DEV_ERR("devices:\n  - {name: sim-1, class: SIMULATOR, driver: simulator, timeout_s: 0}\n",
	        2, "'timeout_s' must be an integer between 1 and 86400");
	DEV_ERR("devices:\n  - {name: s, class: SIMULATOR, driver: simulator, name: t}\n", 2,
	        "duplicate field 'name'");
	DEV_ERR("devices:\n  - {name: s, class: [SIMULATOR], driver: simulator}\n", 2,
	        "'class' must be a string");
	DEV_ERR("devices:\n  name: s\n", 2, "'devices' must be a list");
}

Test(devices, driver_fields)
{
	static const char *const bad[] = {
		"http://h:1",    "tcp://",     "tcp://:5732",  "tcp://h:0",
		"tcp://h:70000", "tcp://h:",   "tcp://h:12x",  "tcp://h/x",
		"tcp://a:1:2",   "tcp://[::1", "tcp://[::1]x", "tcp://h:05732",
	};
	char yaml[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(
			yaml, sizeof(yaml),
			"devices:\n  - name: l\n    class: LUCIDAC\n    driver: lucidac\n    endpoint: \"%s\"\n",
			bad[i]);
		DEV_ERR(yaml, 5, "'endpoint' must be tcp://host[:port]");
	}
	DEV_ERR("devices:\n  - name: s\n    class: SIMULATOR\n    driver: simulator\n    endpoint: \"tcp://h\"\n",
	        5, "'endpoint' is only for driver lucidac");
	DEV_ERR("devices:\n  - name: l\n    class: LUCIDAC\n    driver: lucidac\n    endpoint: \"tcp://h\"\n"
	        "    command: [x]\n",
	        6, "'command' is only for driver command");
	DEV_ERR("devices:\n  - name: r\n    class: REDAC\n    driver: command\n    command: []\n",
	        5, "'command' must not be empty");
	DEV_ERR("devices:\n  - name: r\n    class: REDAC\n    driver: command\n    command: \"/bin/run\"\n",
	        5, "'command' must be a list");
	DEV_ERR("devices:\n  - name: r\n    class: REDAC\n    driver: command\n    command: [\"\", x]\n",
	        5, "'command[0]' must not be empty");
	DEV_ERR("devices:\n  - name: r\n    class: REDAC\n    driver: command\n    command:\n      - x\n      - {a: b}\n",
	        7, "'command[1]' must be a string");
}

Test(devices, compiler_errors)
{
	DEV_ERR("compilers:\n  LUCIDAC: {command: [c]}\n  SIMULATOR: {command: [c]}\n", 3,
	        "SIMULATOR takes no compiler");
	DEV_ERR("compilers:\n  ANALOG: {command: [c]}\n", 2, "unknown device class 'ANALOG'");
	DEV_ERR("compilers:\n  LUCIDAC: {timeout_s: 5}\n", 2,
	        "compiler for LUCIDAC needs 'command'");
	DEV_ERR("compilers:\n  LUCIDAC:\n    command: [c]\n    concurrency: 65\n", 4,
	        "'concurrency' must be an integer between 1 and 64");
	DEV_ERR("compilers:\n  REDAC:\n    command: [c]\n    timeout_s: 86401\n", 4,
	        "'timeout_s' must be an integer between 1 and 86400");
	DEV_ERR("compilers:\n  REDAC:\n    command: [c]\n    retries: 1\n", 4,
	        "unknown field 'retries'");
	DEV_ERR("compilers:\n  - LUCIDAC\n", 2, "'compilers' must be a mapping");
}

Test(auth, max_session_s_defaults_and_override)
{
	struct auth_config *cfg = auth_from("keys:\n  - {id: a, key: key-a}\n");

	cr_assert_eq(cfg->keys[0].max_session_s, 0, "no sessions unless allowed");
	auth_config_free(cfg);
	cfg = auth_from(
		"defaults:\n  max_session_s: 600\n"
		"keys:\n  - {id: a, key: key-a}\n  - {id: b, key: key-b, max_session_s: 0}\n");
	cr_assert_eq(cfg->keys[0].max_session_s, 600);
	cr_assert_eq(cfg->keys[1].max_session_s, 0);
	auth_config_free(cfg);
	expect_error(load_auth, "keys:\n  - {id: a, key: key-a, max_session_s: 604801}\n", 2,
	             "max_session_s");
}
