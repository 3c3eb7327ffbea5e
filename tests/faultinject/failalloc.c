/*
 * failalloc: an LD_PRELOAD shim that fails one chosen allocation of an
 * acloud-api worker's request, for tests/integration/failalloc.test.mjs.
 *
 * It wraps libfcgi's FCGX_Accept_r: when a request carries the FastCGI
 * parameter ACLOUD_FAIL_AT=N (N >= 1), the Nth malloc/calloc/realloc of
 * that request returns NULL (ENOMEM), once.  N = 0 fails nothing and, as
 * every request, has the shim write how many allocations the request made
 * to stderr ("failalloc: N allocations") at FCGX_Finish_r, so a test knows
 * how far to sweep.  Test code only: never installed.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcgiapp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);

static long counting = -1; /* allocations of the request so far; -1 between requests */
static long fail_at;

static int should_fail(void)
{
	if (counting < 0)
		return 0;
	counting++;
	if (fail_at > 0 && counting == fail_at) {
		errno = ENOMEM;
		return 1;
	}
	return 0;
}

void *malloc(size_t size)
{
	return should_fail() ? NULL : __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	return should_fail() ? NULL : __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	return should_fail() ? NULL : __libc_realloc(p, size);
}

int FCGX_Accept_r(FCGX_Request *request)
{
	int (*real)(FCGX_Request *) = (int (*)(FCGX_Request *))dlsym(RTLD_NEXT, "FCGX_Accept_r");
	int rc = real(request);
	const char *at;

	if (rc >= 0) {
		at = FCGX_GetParam("ACLOUD_FAIL_AT", request->envp);
		fail_at = at ? atol(at) : 0;
		counting = 0;
	}
	return rc;
}

void FCGX_Finish_r(FCGX_Request *request)
{
	void (*real)(FCGX_Request *) = (void (*)(FCGX_Request *))dlsym(RTLD_NEXT, "FCGX_Finish_r");
	long made = counting;
	char line[64];
	int n;

	counting = -1;
	real(request);
	n = snprintf(line, sizeof(line), "failalloc: %ld allocations\n", made);
	if (made >= 0 && n > 0 && write(2, line, (size_t)n) < 0)
		return;
}
