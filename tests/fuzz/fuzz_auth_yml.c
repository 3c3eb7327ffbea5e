/*
 * fuzz_auth_yml: auth_config_load() (common/config.h), the loader of
 * auth.yml, which the API workers re-read whenever the file changes.  The
 * input is written to a scratch file on tmpfs (the loader takes a path).
 * A failure must explain itself; a loaded config must answer lookups of
 * each of its keys consistently.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "fuzz_common.h"

static void check_config(const struct auth_config *cfg)
{
	for (size_t i = 0; i < cfg->n_keys; i++) {
		const struct auth_key *k = &cfg->keys[i];

		if (auth_find_by_id(cfg, k->id) != k || auth_find_by_hash(cfg, k->key_sha256) != k)
			abort();
		for (size_t d = 0; d < k->n_devices; d++)
			if (!auth_key_allows_device(k, k->devices[d]))
				abort();
		(void)auth_key_allows_device(k, "sim-1");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write_file("auth.yml", data, size);
	struct auth_config *cfg = (struct auth_config *)1;
	char err[CONFIG_ERR_MAX];

	err[0] = '\0';
	if (auth_config_load(path, &cfg, err) != CONFIG_OK) {
		if (cfg != NULL || err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL)
			abort();
		return 0;
	}
	check_config(cfg);
	auth_config_free(cfg);
	return 0;
}
