/*
 * acloud-admin: the operator's command line.
 *
 *   acloud-admin migrate [-c CONFIG] [--database CONNINFO] [--sql-dir DIR]
 *   acloud-admin check-config [-c CONFIG]   (warnings about auth.yml on stderr)
 *   acloud-admin hash-key [KEY]        (reads the key from stdin without KEY)
 */
#include "autoconfig.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "admin/auth_audit.h"
#include "admin/migrate.h"
#include "common/config.h"

struct admin_opts {
	const char *config;
	const char *database;
	const char *sql_dir;
};

static void usage(FILE *out)
{
	fprintf(out, "usage: acloud-admin COMMAND [options]\n"
	             "  migrate [-c CONFIG] [--database CONNINFO] [--sql-dir DIR]\n"
	             "        apply the SQL migrations not yet applied (run as the schema owner;\n"
	             "        CONNINFO defaults to the config's database, PG* variables apply)\n"
	             "  check-config [-c CONFIG]\n"
	             "        validate acloud.yml and the auth and devices files it names;\n"
	             "        warn (stderr, exit status 0) about keys in clear, demo keys and\n"
	             "        an auth file readable by group or others\n"
	             "  hash-key [KEY]\n"
	             "        print the SHA-256 of an API key for auth.yml's key_sha256\n"
	             "        (reads the key from stdin when KEY is not given)\n");
}

static int parse_opts(int argc, char **argv, struct admin_opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "database", required_argument, NULL, 'd' },
		{ "sql-dir", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	o->config = getenv("ACLOUD_CONFIG");
	if (o->config == NULL)
		o->config = ACLOUD_SYSCONFDIR "/acloud.yml";
	while ((opt = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			o->config = optarg;
			break;
		case 'd':
			o->database = optarg;
			break;
		case 's':
			o->sql_dir = optarg;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

static int cmd_check_config(const struct admin_opts *o)
{
	struct app_config *app = NULL;
	struct auth_config *auth = NULL;
	struct devices_config *devices = NULL;
	char err[CONFIG_ERR_MAX];
	int rc = 1;

	if (app_config_load(o->config, &app, err) != CONFIG_OK ||
	    auth_config_load(app->auth_path, &auth, err) != CONFIG_OK ||
	    devices_config_load(app->devices_path, &devices, err) != CONFIG_OK) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	printf("%s: ok\n%s: ok, %zu keys\n%s: ok, %zu devices\n", o->config, app->auth_path,
	       auth->n_keys, app->devices_path, devices->n_devices);
	/* Warnings only: a valid file stays valid (exit status 0). */
	auth_audit(auth, app->auth_path, stderr);
	rc = 0;
out:
	devices_config_free(devices);
	auth_config_free(auth);
	app_config_free(app);
	return rc;
}

static int cmd_migrate(const struct admin_opts *o)
{
	struct app_config *app = NULL;
	char err[CONFIG_ERR_MAX];
	const char *database = o->database, *sql_dir = o->sql_dir;
	PGconn *conn = NULL;
	int rc = 1;

	/* With --database the config file is optional: a first install
	 * migrates before acloud.yml exists. */
	if (database == NULL && app_config_load(o->config, &app, err) != CONFIG_OK) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (database == NULL)
		database = app->database;
	if (sql_dir == NULL)
		sql_dir = app ? app->sql_dir : ACLOUD_DATADIR "/sql";
	conn = PQconnectdb(database);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "acloud-admin: %s", PQerrorMessage(conn));
		goto out;
	}
	rc = migrate_run(conn, sql_dir) == 0 ? 0 : 1;
out:
	PQfinish(conn);
	app_config_free(app);
	return rc;
}

static int cmd_hash_key(int argc, char **argv)
{
	char line[1024];
	const char *key;
	unsigned char digest[32];
	size_t len;

	if (argc > 1) {
		key = argv[1];
	} else {
		if (fgets(line, sizeof(line), stdin) == NULL) {
			fprintf(stderr, "acloud-admin: no key on stdin\n");
			return 1;
		}
		line[strcspn(line, "\r\n")] = '\0';
		key = line;
	}
	len = strlen(key);
	if (len == 0) {
		fprintf(stderr, "acloud-admin: empty key\n");
		return 1;
	}
	sha256_bytes(key, len, digest);
	for (int i = 0; i < 32; i++)
		printf("%02x", digest[i]);
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct admin_opts opts = { 0 };
	const char *cmd;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "hash-key") == 0)
		return cmd_hash_key(argc - 1, argv + 1);
	if (parse_opts(argc - 1, argv + 1, &opts) != 0) {
		usage(stderr);
		return 2;
	}
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate(&opts);
	if (strcmp(cmd, "check-config") == 0)
		return cmd_check_config(&opts);
	fprintf(stderr, "acloud-admin: unknown command %s\n", cmd);
	usage(stderr);
	return 2;
}
