/*
 * config_auth: auth.yml (contract section 2), the API keys with their
 * profiles, device whitelists, priorities and rate limits, and the lookups
 * the API does per request (by key hash, constant time per key) and per
 * admin query (by id).
 *
 * Limits merge per window: a key starts from defaults.limits and every
 * window it names replaces that one window only, so
 *   defaults: {limits: {LUCIDAC: {hourly: 30, daily: 200}}}
 *   key:      {limits: {LUCIDAC: {hourly: 5}}}
 * gives the key LUCIDAC hourly 5, daily 200.  A class or window left out of
 * defaults is unlimited (-1); a window written as `null` (or `~`) is
 * unlimited explicitly, which is how a key lifts a default limit.
 *
 * max_active_tasks (defaults and per key, default 1000, `null` for no cap)
 * bounds a key's queued + inprogress tasks across every queue.
 *
 * The raw `key:` is hashed as soon as it is read and never copied or echoed
 * into a message.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/config.h"
#include "common/config_yaml.h"
#include "common/hex.h"

#define LIMIT_MAX    1000000000L
#define PRIORITY_MAX 1000
/* A session (POST /devices/{name}/session) is at most a week, as a reservation. */
#define MAX_SESSION_S_MAX (7 * 24 * 3600)

enum {
	T_DEFAULTS,
	T_KEYS,
	T_COUNT
};
enum {
	D_PRIORITY,
	D_MAX_SESSION_S,
	D_LIMITS,
	D_MAX_ACTIVE,
	D_COUNT
};
enum {
	W_HOURLY,
	W_DAILY,
	W_COUNT
};
enum {
	K_ID,
	K_KEY,
	K_KEY_SHA256,
	K_NAME,
	K_EMAIL,
	K_SUBSCRIPTION,
	K_ENABLED,
	K_ADMIN,
	K_PRIORITY,
	K_DEVICES,
	K_LIMITS,
	K_MAX_SESSION_S,
	K_MAX_ACTIVE,
	K_COUNT
};

static int parse_window(struct ydoc *d, yaml_node_t *n, const char *field, long *out)
{
	if (ynode_is_null(n)) {
		*out = -1;
		return CONFIG_OK;
	}
	return yget_long(d, n, field, 0, LIMIT_MAX, out);
}

static int parse_max_active(struct ydoc *d, yaml_node_t *n, long *out)
{
	if (ynode_is_null(n)) {
		*out = -1;
		return CONFIG_OK;
	}
	return yget_long(d, n, "max_active_tasks", 1, LIMIT_MAX, out);
}

static int parse_class_limits(struct ydoc *d, yaml_node_t *n, struct class_limits *lim)
{
	struct yfield w[W_COUNT] = { [W_HOURLY] = { "hourly" }, [W_DAILY] = { "daily" } };

	if (ymap_fields(d, n, "a class's limits", "field", w, W_COUNT) != CONFIG_OK)
		return CONFIG_ERR;
	if (w[W_HOURLY].val &&
	    parse_window(d, w[W_HOURLY].val, "hourly", &lim->hourly) != CONFIG_OK)
		return CONFIG_ERR;
	if (w[W_DAILY].val && parse_window(d, w[W_DAILY].val, "daily", &lim->daily) != CONFIG_OK)
		return CONFIG_ERR;
	return CONFIG_OK;
}

/*
 * `limits: {CLASS: {hourly, daily}}`: every window given replaces lim[CLASS]'s.
 * `lim` has DEVICE_CLASS_COUNT entries (a plain pointer: GCC 12 misreads the
 * array parameter form here).
 */
static int parse_limits(struct ydoc *d, yaml_node_t *n, struct class_limits *lim)
{
	struct yfield cls[DEVICE_CLASS_COUNT];
	int i;

	for (i = 0; i < DEVICE_CLASS_COUNT; i++)
		cls[i].name = device_class_name((enum device_class)i);
	if (ymap_fields(d, n, "'limits'", "device class", cls, DEVICE_CLASS_COUNT) != CONFIG_OK)
		return CONFIG_ERR;
	for (i = 0; i < DEVICE_CLASS_COUNT; i++)
		if (cls[i].val && parse_class_limits(d, cls[i].val, &lim[i]) != CONFIG_OK)
			return CONFIG_ERR;
	return CONFIG_OK;
}

static int parse_defaults(struct ydoc *d, yaml_node_t *n, struct auth_config *cfg)
{
	struct yfield f[D_COUNT] = { [D_PRIORITY] = { "priority" },
		                     [D_MAX_SESSION_S] = { "max_session_s" },
		                     [D_LIMITS] = { "limits" },
		                     [D_MAX_ACTIVE] = { "max_active_tasks" } };

	if (ymap_fields(d, n, "'defaults'", "field", f, D_COUNT) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[D_PRIORITY].val && yget_int(d, f[D_PRIORITY].val, "priority", 0, PRIORITY_MAX,
	                                  &cfg->default_priority) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[D_MAX_SESSION_S].val &&
	    yget_int(d, f[D_MAX_SESSION_S].val, "max_session_s", 0, MAX_SESSION_S_MAX,
	             &cfg->default_max_session_s) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[D_LIMITS].val && parse_limits(d, f[D_LIMITS].val, cfg->default_limits) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[D_MAX_ACTIVE].val &&
	    parse_max_active(d, f[D_MAX_ACTIVE].val, &cfg->default_max_active_tasks) != CONFIG_OK)
		return CONFIG_ERR;
	return CONFIG_OK;
}

/* The bearer token as written: printable ASCII without spaces, hashed in place. */
static int hash_raw_key(struct ydoc *d, yaml_node_t *n, unsigned char out[32])
{
	const unsigned char *s;
	size_t len, i;

	if (n->type != YAML_SCALAR_NODE || ynode_is_null(n))
		return yfail(d, n, "'key' must be a string");
	s = n->data.scalar.value;
	len = n->data.scalar.length;
	if (len == 0)
		return yfail(d, n, "'key' must not be empty");
	if (len > YDOC_MAX_STRING)
		return yfail(d, n, "'key' is longer than %d bytes", YDOC_MAX_STRING);
	for (i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return yfail(d, n, "'key' must be printable ASCII without spaces");
	sha256_bytes(s, len, out);
	return CONFIG_OK;
}

static int decode_key_hash(struct ydoc *d, yaml_node_t *n, unsigned char out[32])
{
	const unsigned char *s;
	int i, hi, lo;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.length != 64)
		goto bad;
	s = n->data.scalar.value;
	for (i = 0; i < 32; i++) {
		hi = hex_digit_value(s[2 * i]);
		lo = hex_digit_value(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			goto bad;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return CONFIG_OK;
bad:
	return yfail(d, n, "'key_sha256' must be 64 hexadecimal characters");
}

static int parse_secret(struct ydoc *d, yaml_node_t *entry, const struct yfield *f,
                        struct auth_key *k)
{
	const struct yfield *key = &f[K_KEY], *hash = &f[K_KEY_SHA256];

	if (key->val && hash->val) {
		const struct yfield *later =
			key->key->start_mark.index > hash->key->start_mark.index ? key : hash;

		return yfail(d, later->key,
		             "exactly one of 'key' and 'key_sha256' is allowed, not both");
	}
	k->key_in_clear = key->val != NULL;
	if (key->val)
		return hash_raw_key(d, key->val, k->key_sha256);
	if (hash->val)
		return decode_key_hash(d, hash->val, k->key_sha256);
	return yfail(d, entry, "key '%s' needs one of 'key' or 'key_sha256'", k->id);
}

static int parse_profile(struct ydoc *d, const struct yfield *f, struct auth_key *k)
{
	if (f[K_NAME].val && yget_str(d, f[K_NAME].val, "name", &k->name) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[K_EMAIL].val && yget_str(d, f[K_EMAIL].val, "email", &k->email) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[K_SUBSCRIPTION].val &&
	    yget_str(d, f[K_SUBSCRIPTION].val, "subscription", &k->subscription) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[K_ENABLED].val && yget_bool(d, f[K_ENABLED].val, "enabled", &k->enabled) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[K_ADMIN].val && yget_bool(d, f[K_ADMIN].val, "admin", &k->admin) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[K_PRIORITY].val &&
	    yget_int(d, f[K_PRIORITY].val, "priority", 0, PRIORITY_MAX, &k->priority) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[K_MAX_SESSION_S].val && yget_int(d, f[K_MAX_SESSION_S].val, "max_session_s", 0,
	                                       MAX_SESSION_S_MAX, &k->max_session_s) != CONFIG_OK)
		return CONFIG_ERR;
	return CONFIG_OK;
}

/* Where a key's id and secret are, for the uniqueness messages. */
struct key_nodes {
	yaml_node_t *id;
	yaml_node_t *secret;
};

static int parse_key(struct ydoc *d, yaml_node_t *n, const struct auth_config *cfg,
                     struct auth_key *k, struct key_nodes *at)
{
	struct yfield f[K_COUNT] = {
		[K_ID] = { "id" },
		[K_KEY] = { "key" },
		[K_KEY_SHA256] = { "key_sha256" },
		[K_NAME] = { "name" },
		[K_EMAIL] = { "email" },
		[K_SUBSCRIPTION] = { "subscription" },
		[K_ENABLED] = { "enabled" },
		[K_ADMIN] = { "admin" },
		[K_PRIORITY] = { "priority" },
		[K_DEVICES] = { "devices" },
		[K_LIMITS] = { "limits" },
		[K_MAX_SESSION_S] = { "max_session_s" },
		[K_MAX_ACTIVE] = { "max_active_tasks" },
	};

	k->enabled = true;
	k->priority = cfg->default_priority;
	k->max_session_s = cfg->default_max_session_s;
	memcpy(k->limits, cfg->default_limits, sizeof(k->limits));
	k->max_active_tasks = cfg->default_max_active_tasks;
	if (ymap_fields(d, n, "each entry of 'keys'", "field", f, K_COUNT) != CONFIG_OK)
		return CONFIG_ERR;
	if (!f[K_ID].val)
		return yfail(d, n, "key without 'id'");
	if (yget_name(d, f[K_ID].val, "id", &k->id) != CONFIG_OK ||
	    parse_secret(d, n, f, k) != CONFIG_OK || parse_profile(d, f, k) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[K_DEVICES].val) {
		k->has_device_whitelist = true;
		if (yget_strv(d, f[K_DEVICES].val, "devices", true, &k->devices, &k->n_devices) !=
		    CONFIG_OK)
			return CONFIG_ERR;
	}
	if (f[K_LIMITS].val && parse_limits(d, f[K_LIMITS].val, k->limits) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[K_MAX_ACTIVE].val &&
	    parse_max_active(d, f[K_MAX_ACTIVE].val, &k->max_active_tasks) != CONFIG_OK)
		return CONFIG_ERR;
	at->id = f[K_ID].val;
	at->secret = f[K_KEY].val ? f[K_KEY].val : f[K_KEY_SHA256].val;
	return CONFIG_OK;
}

/* keys[i] against the keys before it: ids and hashes are unique. */
static int check_unique(struct ydoc *d, const struct auth_config *cfg, size_t i,
                        const struct key_nodes *at)
{
	const struct auth_key *k = &cfg->keys[i];
	size_t j;

	for (j = 0; j < i; j++) {
		if (strcmp(cfg->keys[j].id, k->id) == 0)
			return yfail(d, at->id, "duplicate key id '%s'", k->id);
		if (memcmp(cfg->keys[j].key_sha256, k->key_sha256, 32) == 0)
			return yfail(d, at->secret,
			             "duplicate key: '%s' has the same key (SHA-256) as '%s'",
			             k->id, cfg->keys[j].id);
	}
	return CONFIG_OK;
}

static int parse_keys(struct ydoc *d, yaml_node_t *n, struct auth_config *cfg)
{
	size_t count, i;

	if (ynode_is_null(n))
		return CONFIG_OK;
	if (yseq_check(d, n, "keys", YDOC_MAX_ITEMS, &count) != CONFIG_OK)
		return CONFIG_ERR;
	if (count == 0)
		return CONFIG_OK;
	cfg->keys = calloc(count, sizeof(*cfg->keys));
	if (!cfg->keys)
		return yfail(d, n, "out of memory");
	cfg->n_keys = count;
	for (i = 0; i < count; i++) {
		struct key_nodes at = { NULL, NULL };

		if (parse_key(d, yseq_item(d, n, i), cfg, &cfg->keys[i], &at) != CONFIG_OK ||
		    check_unique(d, cfg, i, &at) != CONFIG_OK)
			return CONFIG_ERR;
	}
	return CONFIG_OK;
}

static int parse_top(struct ydoc *d, yaml_node_t *root, void *arg)
{
	struct auth_config *cfg = arg;
	struct yfield f[T_COUNT] = { [T_DEFAULTS] = { "defaults" }, [T_KEYS] = { "keys" } };

	if (ymap_fields(d, root, "the top level", "field", f, T_COUNT) != CONFIG_OK)
		return CONFIG_ERR;
	/* Defaults first wherever they are in the file: every key merges them. */
	if (f[T_DEFAULTS].val && parse_defaults(d, f[T_DEFAULTS].val, cfg) != CONFIG_OK)
		return CONFIG_ERR;
	if (f[T_KEYS].val && parse_keys(d, f[T_KEYS].val, cfg) != CONFIG_OK)
		return CONFIG_ERR;
	return CONFIG_OK;
}

static struct auth_config *auth_config_new(const char *path)
{
	struct auth_config *cfg = calloc(1, sizeof(*cfg));
	int i;

	if (!cfg)
		return NULL;
	cfg->default_priority = 1;
	cfg->default_max_active_tasks = AUTH_MAX_ACTIVE_TASKS_DEFAULT;
	for (i = 0; i < DEVICE_CLASS_COUNT; i++)
		cfg->default_limits[i].hourly = cfg->default_limits[i].daily = -1;
	cfg->source_path = strdup(path);
	if (!cfg->source_path) {
		free(cfg);
		return NULL;
	}
	return cfg;
}

int auth_config_load(const char *path, struct auth_config **out, char err[CONFIG_ERR_MAX])
{
	struct auth_config *cfg = auth_config_new(path);

	*out = NULL;
	if (!cfg) {
		snprintf(err, CONFIG_ERR_MAX, "%s: out of memory", path);
		return CONFIG_ERR;
	}
	if (ydoc_parse_file(path, err, parse_top, cfg, &cfg->stamp) != CONFIG_OK) {
		auth_config_free(cfg);
		return CONFIG_ERR;
	}
	*out = cfg;
	return CONFIG_OK;
}

void auth_config_free(struct auth_config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->n_keys; i++) {
		struct auth_key *k = &cfg->keys[i];

		free(k->id);
		free(k->name);
		free(k->email);
		free(k->subscription);
		ystrv_free(k->devices);
	}
	free(cfg->keys);
	free(cfg->source_path);
	free(cfg);
}

const struct auth_key *auth_find_by_hash(const struct auth_config *cfg,
                                         const unsigned char sha256[32])
{
	const struct auth_key *found = NULL;
	size_t i;

	/* Every key is compared, each in constant time; ids and hashes are unique. */
	for (i = 0; i < cfg->n_keys; i++)
		if (CRYPTO_memcmp(cfg->keys[i].key_sha256, sha256, 32) == 0 && !found)
			found = &cfg->keys[i];
	return found;
}

const struct auth_key *auth_find_by_id(const struct auth_config *cfg, const char *id)
{
	size_t i;

	for (i = 0; i < cfg->n_keys; i++)
		if (strcmp(cfg->keys[i].id, id) == 0)
			return &cfg->keys[i];
	return NULL;
}

bool auth_key_allows_device(const struct auth_key *key, const char *name)
{
	size_t i;

	if (!key->has_device_whitelist)
		return true;
	for (i = 0; i < key->n_devices; i++)
		if (strcmp(key->devices[i], name) == 0)
			return true;
	return false;
}
