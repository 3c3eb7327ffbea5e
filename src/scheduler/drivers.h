/*
 * drivers: the table of drivers, one `const struct driver_ops` per driver
 * of devices.yml, each defined in its own file (driver_*.c).  Adding a
 * device type (REDAC, say) is one new driver file and one line in the
 * table in drivers.c.
 */
#ifndef ACLOUD_SCHED_DRIVERS_H
#define ACLOUD_SCHED_DRIVERS_H

#include "common/config.h"
#include "scheduler/exec.h"

extern const struct driver_ops simulator_driver; /* driver_sim.c */
extern const struct driver_ops command_driver;   /* driver_command.c */
extern const struct driver_ops compile_driver;   /* driver_command.c: compile queues */
extern const struct driver_ops lucidac_driver;   /* driver_lucidac.c */

/* The driver of a device (never NULL for a parsed devices.yml). */
const struct driver_ops *driver_for(enum device_driver d);

#endif
