/*
 * config_sandbox: the `env:`, `limits:` and `run_as:` settings of
 * devices.yml, which say what the scheduler's children start with (see
 * struct child_sandbox_config).  Used by config_devices.c only.
 */
#ifndef ACLOUD_CONFIG_SANDBOX_H
#define ACLOUD_CONFIG_SANDBOX_H

#include "common/config.h"
#include "common/config_yaml.h"

/* The defaults: 4096 MB of address space (unlimited in sanitizer builds,
 * whose shadow memory needs terabytes), CPU seconds = `timeout_s`, 1024 MB
 * of file output. */
void sandbox_defaults(struct child_sandbox_config *sb, int timeout_s);
/* `env:` a map of NAME: value (NAME [A-Za-z_][A-Za-z0-9_]*, at most 64). */
int sandbox_parse_env(struct ydoc *d, yaml_node_t *n, struct child_sandbox_config *sb);
/* `limits:` {address_space_mb, cpu_s, output_mb}, each 0 (unlimited) or more. */
int sandbox_parse_limits(struct ydoc *d, yaml_node_t *n, struct child_sandbox_config *sb);
/* `run_as:` a user name that exists (its uid and gid into cfg). */
int sandbox_parse_run_as(struct ydoc *d, yaml_node_t *n, struct devices_config *cfg);
void sandbox_free(struct child_sandbox_config *sb);

#endif
