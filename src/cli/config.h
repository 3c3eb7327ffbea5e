/*
 * config: where `acloud` gets its connection from.  The profiles file
 * ($XDG_CONFIG_HOME/acloud/config, else ~/.config/acloud/config) is a small
 * INI file, one [section] per profile:
 *
 *     [default]
 *     url = https://cloud.example.org
 *     key_file = /home/me/.acloud-key
 *
 * Precedence: command line, then environment (ACLOUD_URL, ACLOUD_KEY,
 * ACLOUD_CA_FILE, ACLOUD_PROFILE), then the profile, then the default URL.
 * The key never comes from argv: only from a file, the environment, or the
 * profiles file (which is written with mode 0600).
 */
#ifndef ACLOUD_CLI_CONFIG_H
#define ACLOUD_CLI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/cli.h"

#define CLI_DEFAULT_URL "https://127.0.0.1:8443"
#define CLI_MAX_KEY     512

/* One profile's settings as read from the file (NULL: not set). */
struct cli_profile {
	char *url;
	char *key;
	char *key_file;
	char *cacert;
	int insecure; /* -1: not set, else 0/1 */
};

/* What a command connects with. */
struct cli_conn {
	char *url; /* without a trailing slash */
	char *key; /* NULL: none found */
	char *cacert;
	bool insecure;
};

/* The profiles file's path into buf; -1 when neither XDG_CONFIG_HOME nor
 * HOME is set (or the path is too long). */
int cli_config_path(char *buf, size_t len);

/* Whether `name` is a setting of a profile (url, key, key_file, cacert,
 * insecure). */
bool cli_config_known(const char *name);

/* Reads profile `profile` of the file at path into *p; a missing file or
 * profile leaves *p empty.  0, or -1 with the reason in err. */
int cli_config_load(const char *path, const char *profile, struct cli_profile *p, char *err,
                    size_t errlen);

/* Sets (value != NULL) or removes (value == NULL) one setting of a profile,
 * creating the file (0600) and its directory as needed.  0 or -1 + err. */
int cli_config_set(const char *path, const char *profile, const char *name, const char *value,
                   char *err, size_t errlen);

void cli_profile_free(struct cli_profile *p);

/* Reads an API key from a file: first line, surrounding blanks trimmed,
 * printable ASCII only.  Returns a malloc'ed key or NULL + err. */
char *cli_read_key_file(const char *path, char *err, size_t errlen);

/* Whether `key` can go into an Authorization header as is. */
bool cli_key_valid(const char *key);

/* Whether `name` is a valid profile name ([A-Za-z0-9_.-]{1,64}). */
bool cli_profile_name_valid(const char *name);

/* The connection for a command: command line over environment over
 * profile.  Returns 0, or a CLI_* exit code with err. */
int cli_resolve_conn(const struct cli_args *a, struct cli_conn *c, char *err, size_t errlen);

void cli_conn_free(struct cli_conn *c);

#endif
