/*
 * config_sandbox: what the scheduler's children start with, from
 * devices.yml.  A child gets no variable of the scheduler's environment but
 * those its `env:` map names, and the resource limits of `limits:`; when
 * the scheduler runs as root it runs them as `run_as`.  The defaults bound
 * a runaway child (a compile that allocates without end, a program that
 * spins or fills the disk) without bothering an ordinary one.
 */
#include "autoconfig.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config_sandbox.h"

#define ENV_MAX           64
#define LIMIT_MAX         (1L << 30)
#define AS_DEFAULT_MB     4096
#define OUTPUT_DEFAULT_MB 1024

enum {
	L_AS,
	L_CPU,
	L_OUTPUT,
	L_COUNT
};

void sandbox_defaults(struct child_sandbox_config *sb, int timeout_s)
{
#if defined(__SANITIZE_ADDRESS__)
	sb->address_space_mb = 0;
#else
	sb->address_space_mb = AS_DEFAULT_MB;
#endif
	sb->cpu_s = timeout_s;
	sb->output_mb = OUTPUT_DEFAULT_MB;
}

static bool env_name_valid(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") ==
	       strlen(s);
}

/* "NAME=value" from one pair of the map, into sb->env[sb->n_env]. */
static int parse_env_pair(struct ydoc *d, yaml_node_t *key, yaml_node_t *val,
                          struct child_sandbox_config *sb)
{
	char *name = NULL, *value = NULL;
	size_t len;
	int rc = CONFIG_ERR;

	if (yget_str(d, key, "env", &name) != CONFIG_OK ||
	    yget_str(d, val, name, &value) != CONFIG_OK)
		goto out;
	if (!env_name_valid(name)) {
		yfail(d, key, "'env' names must match [A-Za-z_][A-Za-z0-9_]*, not '%s'", name);
		goto out;
	}
	len = strlen(name);
	for (size_t i = 0; i < sb->n_env; i++)
		if (strncmp(sb->env[i], name, len) == 0 && sb->env[i][len] == '=') {
			yfail(d, key, "duplicate 'env' name '%s'", name);
			goto out;
		}
	sb->env[sb->n_env] = malloc(len + strlen(value) + 2);
	if (sb->env[sb->n_env] == NULL) {
		yfail(d, key, "out of memory");
		goto out;
	}
	sprintf(sb->env[sb->n_env++], "%s=%s", name, value);
	rc = CONFIG_OK;
out:
	free(name);
	free(value);
	return rc;
}

int sandbox_parse_env(struct ydoc *d, yaml_node_t *n, struct child_sandbox_config *sb)
{
	size_t count;

	if (n->type != YAML_MAPPING_NODE)
		return yfail(d, n, "'env' must be a mapping of NAME: value");
	count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	if (count > ENV_MAX)
		return yfail(d, n, "'env' has more than %d entries", ENV_MAX);
	sb->env = calloc(count + 1, sizeof(char *));
	if (sb->env == NULL)
		return yfail(d, n, "out of memory");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++)
		if (parse_env_pair(d, yaml_document_get_node(&d->doc, p->key),
		                   yaml_document_get_node(&d->doc, p->value), sb) != CONFIG_OK)
			return CONFIG_ERR;
	return CONFIG_OK;
}

int sandbox_parse_limits(struct ydoc *d, yaml_node_t *n, struct child_sandbox_config *sb)
{
	struct yfield f[L_COUNT] = {
		[L_AS] = { "address_space_mb" },
		[L_CPU] = { "cpu_s" },
		[L_OUTPUT] = { "output_mb" },
	};
	long *out[L_COUNT] = { &sb->address_space_mb, &sb->cpu_s, &sb->output_mb };

	if (ymap_fields(d, n, "'limits'", "field", f, L_COUNT) != CONFIG_OK)
		return CONFIG_ERR;
	for (int i = 0; i < L_COUNT; i++)
		if (f[i].val &&
		    yget_long(d, f[i].val, f[i].name, 0, LIMIT_MAX, out[i]) != CONFIG_OK)
			return CONFIG_ERR;
	return CONFIG_OK;
}

int sandbox_parse_run_as(struct ydoc *d, yaml_node_t *n, struct devices_config *cfg)
{
	struct passwd *pw;

	if (yget_nonempty(d, n, "run_as", &cfg->run_as) != CONFIG_OK)
		return CONFIG_ERR;
	pw = getpwnam(cfg->run_as);
	if (pw == NULL)
		return yfail(d, n, "'run_as': no user '%s'", cfg->run_as);
	if (pw->pw_uid == 0)
		return yfail(d, n, "'run_as' must be an unprivileged user, not '%s'", cfg->run_as);
	cfg->run_uid = (unsigned)pw->pw_uid;
	cfg->run_gid = (unsigned)pw->pw_gid;
	return CONFIG_OK;
}

void sandbox_free(struct child_sandbox_config *sb)
{
	for (size_t i = 0; i < sb->n_env; i++)
		free(sb->env[i]);
	free(sb->env);
	sb->env = NULL;
	sb->n_env = 0;
}
