/*
 * pollset: see pollset.h.
 */
#include "autoconfig.h"

#include "scheduler/pollset.h"

void pollset_add(struct pollset *ps, int fd, short events, enum watch_kind kind, void *obj)
{
	if (fd < 0 || ps->n >= POLLSET_MAX)
		return;
	ps->pfd[ps->n] = (struct pollfd){ .fd = fd, .events = events };
	ps->w[ps->n] = (struct watch){ .kind = kind, .obj = obj };
	ps->n++;
}
