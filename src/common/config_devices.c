/*
 * config_devices: devices.yml (contract section 3), the devices the
 * scheduler drives and the compilers it runs per backend class.  Each driver
 * takes only its own fields: simulator none, lucidac `endpoint`
 * (tcp://host[:port], port 5732 by default), command `command` (argv).
 * `timeout_s` (1..86400, default 600) bounds one run on any driver; `entity`
 * is a file relative to devices.yml and must exist.  Compilers exist for
 * LUCIDAC and REDAC only: simulator runs take circuits directly.  What
 * the children start with (`env`, `limits`, `run_as`) is config_sandbox.c's.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/config.h"
#include "common/config_sandbox.h"
#include "common/config_yaml.h"

#define LUCIDAC_DEFAULT_PORT    5732
#define RUN_TIMEOUT_DEFAULT     600
#define COMPILE_TIMEOUT_DEFAULT 120
#define TIMEOUT_MAX             86400
#define CONCURRENCY_MAX         64

enum {
	T_DEVICES,
	T_COMPILERS,
	T_RUN_AS,
	T_COUNT
};
enum {
	V_NAME,
	V_CLASS,
	V_DRIVER,
	V_ENTITY,
	V_ENDPOINT,
	V_COMMAND,
	V_TIMEOUT,
	V_ENV,
	V_LIMITS,
	V_COUNT
};
enum {
	C_COMMAND,
	C_TIMEOUT,
	C_CONCURRENCY,
	C_ENV,
	C_LIMITS,
	C_COUNT
};

static const char *const driver_names[] = {
	[DRIVER_SIMULATOR] = "simulator",
	[DRIVER_LUCIDAC] = "lucidac",
	[DRIVER_COMMAND] = "command",
};

static int parse_class(struct ydoc *d, yaml_node_t *n, enum device_class *out)
{
	char echo[80];
	char *s;
	int cls;

	if (yget_str(d, n, "class", &s) != CONFIG_OK)
		return CONFIG_ERR;
	cls = device_class_parse(s);
	free(s);
	if (cls < 0)
		return yfail(d, n, "unknown device class %s (expected SIMULATOR, LUCIDAC or REDAC)",
		             yecho(n, echo));
	*out = (enum device_class)cls;
	return CONFIG_OK;
}

static int parse_driver(struct ydoc *d, yaml_node_t *n, enum device_driver *out)
{
	char echo[80];
	char *s;
	size_t i;

	if (yget_str(d, n, "driver", &s) != CONFIG_OK)
		return CONFIG_ERR;
	for (i = 0; i < sizeof(driver_names) / sizeof(driver_names[0]); i++)
		if (strcmp(s, driver_names[i]) == 0)
			break;
	free(s);
	if (i == sizeof(driver_names) / sizeof(driver_names[0]))
		return yfail(d, n, "unknown driver %s (expected simulator, lucidac or command)",
		             yecho(n, echo));
	*out = (enum device_driver)i;
	return CONFIG_OK;
}

/* "1".."65535" up to `end`; 0 when not a port. */
static int parse_port(const char *s, const char *end)
{
	long v = 0;

	if (s == end || end - s > 5 || *s == '0')
		return 0;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (*s - '0');
	}
	return v <= 65535 ? (int)v : 0;
}

/*
 * "tcp://host[:port]" or "tcp://[v6addr][:port]" into dev->host and
 * dev->port; dev->endpoint gets the form with the port always written.
 */
static int split_endpoint(const char *s, struct device_config *dev)
{
	const char *host, *host_end, *rest, *allowed;
	bool v6;
	size_t hlen;

	if (strncmp(s, "tcp://", 6) != 0)
		return CONFIG_ERR;
	host = s + 6;
	v6 = *host == '[';
	if (v6) {
		host++;
		host_end = strchr(host, ']');
		if (!host_end)
			return CONFIG_ERR;
		rest = host_end + 1;
		allowed = "0123456789abcdefABCDEF:.";
	} else {
		host_end = host + strcspn(host, ":");
		rest = host_end;
		allowed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_";
	}
	hlen = (size_t)(host_end - host);
	if (hlen == 0 || hlen > 253 || strspn(host, allowed) < hlen)
		return CONFIG_ERR;
	dev->port = LUCIDAC_DEFAULT_PORT;
	if (*rest == ':')
		dev->port = parse_port(rest + 1, rest + strlen(rest));
	else if (*rest != '\0')
		return CONFIG_ERR;
	if (dev->port == 0)
		return CONFIG_ERR;
	dev->host = strndup(host, hlen);
	dev->endpoint = malloc(hlen + 16);
	if (!dev->host || !dev->endpoint)
		return CONFIG_ERR;
	snprintf(dev->endpoint, hlen + 16, v6 ? "tcp://[%s]:%d" : "tcp://%s:%d", dev->host,
	         dev->port);
	return CONFIG_OK;
}

static int parse_endpoint(struct ydoc *d, yaml_node_t *n, struct device_config *dev)
{
	char echo[80];
	char *s;
	int rc;

	if (yget_nonempty(d, n, "endpoint", &s) != CONFIG_OK)
		return CONFIG_ERR;
	rc = split_endpoint(s, dev);
	free(s);
	if (rc != CONFIG_OK)
		return yfail(d, n, "'endpoint' must be tcp://host[:port], not %s", yecho(n, echo));
	return CONFIG_OK;
}

static int parse_argv(struct ydoc *d, yaml_node_t *n, char ***argv, size_t *argc)
{
	if (yget_strv(d, n, "command", false, argv, argc) != CONFIG_OK)
		return CONFIG_ERR;
	if (*argc == 0)
		return yfail(d, n, "'command' must not be empty");
	if ((*argv)[0][0] == '\0')
		return yfail(d, n, "'command[0]' must not be empty");
	return CONFIG_OK;
}

static int parse_entity(struct ydoc *d, yaml_node_t *n, struct device_config *dev)
{
	struct stat st;

	if (yget_path(d, n, "entity", &dev->entity_path) != CONFIG_OK)
		return CONFIG_ERR;
	if (stat(dev->entity_path, &st) != 0)
		return yfail(d, n, "entity file %s: %s", dev->entity_path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return yfail(d, n, "entity file %s is not a regular file", dev->entity_path);
	return CONFIG_OK;
}

/* `env` and `limits` (either may be absent) over the defaults. */
static int parse_sandbox(struct ydoc *d, yaml_node_t *env, yaml_node_t *limits, int timeout_s,
                         struct child_sandbox_config *sb)
{
	sandbox_defaults(sb, timeout_s);
	if (env && sandbox_parse_env(d, env, sb) != CONFIG_OK)
		return CONFIG_ERR;
	if (limits && sandbox_parse_limits(d, limits, sb) != CONFIG_OK)
		return CONFIG_ERR;
	return CONFIG_OK;
}

/* Fields that only some drivers take, and the ones they need. */
static int check_driver_fields(struct ydoc *d, yaml_node_t *entry, const struct yfield *f,
                               const struct device_config *dev)
{
	if (f[V_ENDPOINT].key && dev->driver != DRIVER_LUCIDAC)
		return yfail(d, f[V_ENDPOINT].key, "'endpoint' is only for driver lucidac");
	if (f[V_COMMAND].key && dev->driver != DRIVER_COMMAND)
		return yfail(d, f[V_COMMAND].key, "'command' is only for driver command");
	if (dev->driver == DRIVER_LUCIDAC && !f[V_ENDPOINT].val)
		return yfail(d, entry, "device '%s': driver lucidac needs 'endpoint'", dev->name);
	if (dev->driver == DRIVER_COMMAND && !f[V_COMMAND].val)
		return yfail(d, entry, "device '%s': driver command needs 'command'", dev->name);
	return CONFIG_OK;
}

static int parse_device(struct ydoc *d, yaml_node_t *n, struct device_config *dev,
                        yaml_node_t **name_at)
{
	struct yfield f[V_COUNT] = {
		[V_NAME] = { "name" },         [V_CLASS] = { "class" },
		[V_DRIVER] = { "driver" },     [V_ENTITY] = { "entity" },
		[V_ENDPOINT] = { "endpoint" }, [V_COMMAND] = { "command" },
		[V_TIMEOUT] = { "timeout_s" }, [V_ENV] = { "env" },
		[V_LIMITS] = { "limits" },
	};

	dev->timeout_s = RUN_TIMEOUT_DEFAULT;
	if (ymap_fields(d, n, "each entry of 'devices'", "field", f, V_COUNT) != CONFIG_OK)
		return CONFIG_ERR;
	if (!f[V_NAME].val)
		return yfail(d, n, "device without 'name'");
	if (yget_name(d, f[V_NAME].val, "name", &dev->name) != CONFIG_OK)
		return CONFIG_ERR;
	if (!f[V_CLASS].val || !f[V_DRIVER].val)
		return yfail(d, n, "device '%s' needs 'class' and 'driver'", dev->name);
	if (parse_class(d, f[V_CLASS].val, &dev->cls) != CONFIG_OK ||
	    parse_driver(d, f[V_DRIVER].val, &dev->driver) != CONFIG_OK ||
	    check_driver_fields(d, n, f, dev) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[V_ENTITY].val && parse_entity(d, f[V_ENTITY].val, dev) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[V_ENDPOINT].val && parse_endpoint(d, f[V_ENDPOINT].val, dev) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[V_COMMAND].val &&
	    parse_argv(d, f[V_COMMAND].val, &dev->command, &dev->n_command) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[V_TIMEOUT].val && yget_int(d, f[V_TIMEOUT].val, "timeout_s", 1, TIMEOUT_MAX,
	                                 &dev->timeout_s) != CONFIG_OK)
		return CONFIG_ERR;
	*name_at = f[V_NAME].val;
	return parse_sandbox(d, f[V_ENV].val, f[V_LIMITS].val, dev->timeout_s, &dev->sandbox);
}

static int parse_devices(struct ydoc *d, yaml_node_t *n, struct devices_config *cfg)
{
	yaml_node_t *name_at = NULL;
	size_t count, i, j;

	if (ynode_is_null(n))
		return CONFIG_OK;
	if (yseq_check(d, n, "devices", YDOC_MAX_ITEMS, &count) != CONFIG_OK)
		return CONFIG_ERR;
	if (count == 0)
		return CONFIG_OK;
	cfg->devices = calloc(count, sizeof(*cfg->devices));
	if (!cfg->devices)
		return yfail(d, n, "out of memory");
	cfg->n_devices = count;
	for (i = 0; i < count; i++) {
		if (parse_device(d, yseq_item(d, n, i), &cfg->devices[i], &name_at) != CONFIG_OK)
			return CONFIG_ERR;
		for (j = 0; j < i; j++)
			if (strcmp(cfg->devices[j].name, cfg->devices[i].name) == 0)
				return yfail(d, name_at, "duplicate device name '%s'",
				             cfg->devices[i].name);
	}
	return CONFIG_OK;
}

static int parse_compiler(struct ydoc *d, yaml_node_t *n, const char *cls,
                          struct compiler_config *c)
{
	struct yfield f[C_COUNT] = {
		[C_COMMAND] = { "command" },         [C_TIMEOUT] = { "timeout_s" },
		[C_CONCURRENCY] = { "concurrency" }, [C_ENV] = { "env" },
		[C_LIMITS] = { "limits" },
	};

	if (ymap_fields(d, n, "a compiler", "field", f, C_COUNT) != CONFIG_OK)
		return CONFIG_ERR;
	if (!f[C_COMMAND].val)
		return yfail(d, n, "compiler for %s needs 'command'", cls);
	if (parse_argv(d, f[C_COMMAND].val, &c->command, &c->n_command) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[C_TIMEOUT].val &&
	    yget_int(d, f[C_TIMEOUT].val, "timeout_s", 1, TIMEOUT_MAX, &c->timeout_s) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[C_CONCURRENCY].val && yget_int(d, f[C_CONCURRENCY].val, "concurrency", 1,
	                                     CONCURRENCY_MAX, &c->concurrency) != CONFIG_OK)
		return CONFIG_ERR;
	if (parse_sandbox(d, f[C_ENV].val, f[C_LIMITS].val, c->timeout_s, &c->sandbox) != CONFIG_OK)
		return CONFIG_ERR;
	c->configured = true;
	return CONFIG_OK;
}

static int parse_compilers(struct ydoc *d, yaml_node_t *n, struct devices_config *cfg)
{
	struct yfield cls[DEVICE_CLASS_COUNT];
	int i;

	if (ynode_is_null(n))
		return CONFIG_OK;
	for (i = 0; i < DEVICE_CLASS_COUNT; i++)
		cls[i].name = device_class_name((enum device_class)i);
	if (ymap_fields(d, n, "'compilers'", "device class", cls, DEVICE_CLASS_COUNT) != CONFIG_OK)
		return CONFIG_ERR;
	if (cls[DEVICE_CLASS_SIMULATOR].key)
		return yfail(d, cls[DEVICE_CLASS_SIMULATOR].key,
		             "SIMULATOR takes no compiler: simulator runs take circuits directly");
	for (i = 0; i < DEVICE_CLASS_COUNT; i++)
		if (cls[i].val &&
		    parse_compiler(d, cls[i].val, cls[i].name, &cfg->compilers[i]) != CONFIG_OK)
			return CONFIG_ERR;
	return CONFIG_OK;
}

static int parse_top(struct ydoc *d, yaml_node_t *root, void *arg)
{
	struct devices_config *cfg = arg;
	struct yfield f[T_COUNT] = { [T_DEVICES] = { "devices" },
		                     [T_COMPILERS] = { "compilers" },
		                     [T_RUN_AS] = { "run_as" } };

	if (ymap_fields(d, root, "the top level", "field", f, T_COUNT) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[T_RUN_AS].val && sandbox_parse_run_as(d, f[T_RUN_AS].val, cfg) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[T_DEVICES].val && parse_devices(d, f[T_DEVICES].val, cfg) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[T_COMPILERS].val && parse_compilers(d, f[T_COMPILERS].val, cfg) != CONFIG_OK)
		return CONFIG_ERR;
	return CONFIG_OK;
}

static struct devices_config *devices_config_new(const char *path)
{
	struct devices_config *cfg = calloc(1, sizeof(*cfg));
	int i;

	if (!cfg)
		return NULL;
	for (i = 0; i < DEVICE_CLASS_COUNT; i++) {
		cfg->compilers[i].timeout_s = COMPILE_TIMEOUT_DEFAULT;
		cfg->compilers[i].concurrency = 1;
	}
	cfg->source_path = strdup(path);
	if (!cfg->source_path) {
		free(cfg);
		return NULL;
	}
	return cfg;
}

int devices_config_load(const char *path, struct devices_config **out, char err[CONFIG_ERR_MAX])
{
	struct devices_config *cfg = devices_config_new(path);

	*out = NULL;
	if (!cfg) {
		snprintf(err, CONFIG_ERR_MAX, "%s: out of memory", path);
		return CONFIG_ERR;
	}
	if (ydoc_parse_file(path, err, parse_top, cfg, &cfg->stamp) != CONFIG_OK) {
		devices_config_free(cfg);
		return CONFIG_ERR;
	}
	*out = cfg;
	return CONFIG_OK;
}

void devices_config_free(struct devices_config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->n_devices; i++) {
		struct device_config *dev = &cfg->devices[i];

		free(dev->name);
		free(dev->entity_path);
		free(dev->endpoint);
		free(dev->host);
		ystrv_free(dev->command);
		sandbox_free(&dev->sandbox);
	}
	for (i = 0; i < DEVICE_CLASS_COUNT; i++) {
		ystrv_free(cfg->compilers[i].command);
		sandbox_free(&cfg->compilers[i].sandbox);
	}
	free(cfg->run_as);
	free(cfg->devices);
	free(cfg->source_path);
	free(cfg);
}

const struct device_config *devices_find(const struct devices_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_devices; i++)
		if (strcmp(cfg->devices[i].name, name) == 0)
			return &cfg->devices[i];
	return NULL;
}
