/*
 * fuzz_acloud_yml: app_config_load() (common/config.h), the loader of
 * acloud.yml.  The input is written to a scratch file on tmpfs.  A failure
 * must explain itself; a loaded config has every default filled in and
 * keeps the scheduler's heartbeat below its lease.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write_file("acloud.yml", data, size);
	struct app_config *cfg = (struct app_config *)1;
	char err[CONFIG_ERR_MAX];

	err[0] = '\0';
	if (app_config_load(path, &cfg, err) != CONFIG_OK) {
		if (cfg != NULL || err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL)
			abort();
		return 0;
	}
	if (!cfg->domain || !cfg->database || !cfg->api_socket || !cfg->auth_path ||
	    !cfg->devices_path || !cfg->sql_dir || cfg->heartbeat_s >= cfg->lease_s ||
	    cfg->max_body_bytes == 0)
		abort();
	app_config_free(cfg);
	return 0;
}
