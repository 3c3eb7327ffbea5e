/*
 * cmd_config: `acloud config set|unset|show|path`, the profiles file.
 * `config set key` reads the key from stdin, so that it is never in argv
 * (where ps and shell history would see it); `show` never prints it.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/config.h"

static const char *profile_of(const struct cli_args *a)
{
	const char *p = a->profile ? a->profile : getenv("ACLOUD_PROFILE");

	return p && *p ? p : "default";
}

/* The key from stdin's first line. */
static int read_key_stdin(char *key, size_t len)
{
	size_t n;

	if (!fgets(key, (int)len, stdin))
		return -1;
	n = strcspn(key, "\r\n");
	key[n] = '\0';
	return cli_key_valid(key) ? 0 : -1;
}

static int config_set(const struct cli_args *a, const char *path, const char *profile)
{
	char key[CLI_MAX_KEY + 2], err[512];
	const char *name = a->n_pos > 1 ? a->pos[1] : NULL,
		   *value = a->n_pos > 2 ? a->pos[2] : NULL;
	int rc;

	if (!name) {
		fprintf(stderr, "acloud: config set NAME VALUE (url, key_file, cacert, insecure); "
		                "config set key < FILE\n");
		return CLI_USAGE;
	}
	if (!strcmp(name, "key")) {
		if (value) {
			fprintf(stderr,
			        "acloud: the key is read from stdin, not the command line\n");
			return CLI_USAGE;
		}
		if (read_key_stdin(key, sizeof key) < 0) {
			fprintf(stderr, "acloud: no valid key on stdin\n");
			return CLI_USAGE;
		}
		value = key;
	} else if (!value) {
		fprintf(stderr, "acloud: config set %s needs a value\n", name);
		return CLI_USAGE;
	}
	rc = cli_config_set(path, profile, name, value, err, sizeof err);
	memset(key, 0, sizeof key);
	if (rc < 0) {
		fprintf(stderr, "acloud: %s\n", err);
		return CLI_USAGE;
	}
	return 0;
}

static int config_show(const char *path, const char *profile)
{
	struct cli_profile p;
	char err[512];

	if (cli_config_load(path, profile, &p, err, sizeof err) < 0) {
		fprintf(stderr, "acloud: %s\n", err);
		return CLI_USAGE;
	}
	printf("[%s]\n", profile);
	if (p.url)
		printf("url = %s\n", p.url);
	if (p.key)
		printf("key = (set, not shown)\n");
	if (p.key_file)
		printf("key_file = %s\n", p.key_file);
	if (p.cacert)
		printf("cacert = %s\n", p.cacert);
	if (p.insecure >= 0)
		printf("insecure = %s\n", p.insecure ? "true" : "false");
	cli_profile_free(&p);
	return 0;
}

int cmd_config(const struct cli_args *a)
{
	const char *profile = profile_of(a), *sub = a->pos[0];
	char path[4096], err[512];

	if (!cli_profile_name_valid(profile)) {
		fprintf(stderr, "acloud: bad profile name '%s'\n", profile);
		return CLI_USAGE;
	}
	if (cli_config_path(path, sizeof path) < 0) {
		fprintf(stderr, "acloud: set HOME or XDG_CONFIG_HOME\n");
		return CLI_USAGE;
	}
	if (!strcmp(sub, "path") && a->n_pos == 1) {
		printf("%s\n", path);
		return 0;
	}
	if (!strcmp(sub, "show") && a->n_pos == 1)
		return config_show(path, profile);
	if (!strcmp(sub, "set"))
		return config_set(a, path, profile);
	if (!strcmp(sub, "unset") && a->n_pos == 2) {
		if (cli_config_set(path, profile, a->pos[1], NULL, err, sizeof err) < 0) {
			fprintf(stderr, "acloud: %s\n", err);
			return CLI_USAGE;
		}
		return 0;
	}
	fprintf(stderr, "acloud: config set|unset|show|path (see acloud help config)\n");
	return CLI_USAGE;
}
