/*
 * allocguard: fail closed when memory runs out.  jansson reports an
 * allocation failure only as a NULL that the callers of json_pack, append
 * and set may lose, and a list short of an item, or a validation error
 * list short of its only item, would pass for a good answer.  So the
 * worker routes jansson's allocations through a wrapper that remembers a
 * failure, and response.c answers 500 instead of anything below it once a
 * failure happened during the request.
 */
#ifndef ACLOUD_API_ALLOCGUARD_H
#define ACLOUD_API_ALLOCGUARD_H

#include <stdbool.h>

/* Route jansson's allocations through the guard (once per process). */
void allocguard_install(void);
/* Forget failures: at the start of each request. */
void allocguard_reset(void);
/* Remember a failure found elsewhere (an allocation of another library
 * that its caller can report only as a lost value). */
void allocguard_fail(void);
/* Whether an allocation failed since the last reset. */
bool allocguard_failed(void);

#endif
