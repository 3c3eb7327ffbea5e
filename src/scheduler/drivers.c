/*
 * drivers: devices.yml's driver names to their ops tables (see drivers.h).
 */
#include "autoconfig.h"

#include "scheduler/drivers.h"

static const struct driver_ops *const drivers[] = {
	[DRIVER_SIMULATOR] = &simulator_driver,
	[DRIVER_COMMAND] = &command_driver,
	[DRIVER_LUCIDAC] = &lucidac_driver,
};

const struct driver_ops *driver_for(enum device_driver d)
{
	if ((unsigned)d >= sizeof(drivers) / sizeof(drivers[0]) || drivers[d] == NULL)
		return &simulator_driver;
	return drivers[d];
}
