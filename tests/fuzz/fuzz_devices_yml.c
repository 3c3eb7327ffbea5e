/*
 * fuzz_devices_yml: devices_config_load() (common/config.h), the loader of
 * devices.yml (devices, drivers, compilers).  The input is written to a
 * scratch file on tmpfs whose ../../etc is the source tree's etc/, so seed
 * entity paths resolve.  A failure must explain itself; every loaded device
 * must be found by its name.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "fuzz_common.h"

static void check_config(const struct devices_config *cfg)
{
	for (size_t i = 0; i < cfg->n_devices; i++) {
		const struct device_config *d = &cfg->devices[i];

		if (devices_find(cfg, d->name) != d)
			abort();
		if (d->command != NULL && d->command[d->n_command] != NULL)
			abort();
	}
	for (int c = 0; c < DEVICE_CLASS_COUNT; c++) {
		const struct compiler_config *cc = &cfg->compilers[c];

		if (cc->configured && (cc->command == NULL || cc->command[cc->n_command] != NULL))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write_file("devices.yml", data, size);
	struct devices_config *cfg = (struct devices_config *)1;
	char err[CONFIG_ERR_MAX];

	err[0] = '\0';
	if (devices_config_load(path, &cfg, err) != CONFIG_OK) {
		if (cfg != NULL || err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL)
			abort();
		return 0;
	}
	check_config(cfg);
	devices_config_free(cfg);
	return 0;
}
