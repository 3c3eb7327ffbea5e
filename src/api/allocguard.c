/*
 * allocguard: the remembered allocation failure (see allocguard.h).  One
 * request at a time per worker, so one flag per process is enough.
 */
#include "autoconfig.h"

#include <stdlib.h>

#include <jansson.h>

#include "api/allocguard.h"

static bool failed;

static void *guarded_malloc(size_t size)
{
	void *p = malloc(size);

	if (p == NULL)
		failed = true;
	return p;
}

void allocguard_install(void)
{
	json_set_alloc_funcs(guarded_malloc, free);
}

void allocguard_reset(void)
{
	failed = false;
}

void allocguard_fail(void)
{
	failed = true;
}

bool allocguard_failed(void)
{
	return failed;
}
