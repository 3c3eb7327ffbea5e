/*
 * slot: a device slot's availability, as the probes and the drivers'
 * events find it.  In memory only: registry_sync_available() writes it to
 * the devices table, so the layers below the registry never touch SQL for
 * it.  A device that becomes available is worth a claim at once.
 */
#include "autoconfig.h"

#include "common/log.h"
#include "scheduler/sched.h"

void slot_set_available(struct slot *slot, bool available)
{
	if (available != slot->available)
		log_info("device %s is %savailable", slot->name, available ? "" : "not ");
	if (available && !slot->available)
		slot->wanted = true;
	slot->available = available;
	/* Only the lock holder writes the devices table; a verdict is written
	 * (and retried) only if it came while we held the lock. */
	slot->available_unsaved = slot->locked && !slot->retiring;
}
