/*
 * pollset: the pollfds of one loop turn, each with the object it belongs
 * to, so that the loop can hand a ready fd back to its owner.  Filled
 * afresh every turn; a full set drops further fds (they are polled on a
 * later turn, when others have gone).
 */
#ifndef ACLOUD_SCHED_POLLSET_H
#define ACLOUD_SCHED_POLLSET_H

#include <poll.h>

enum watch_kind {
	WATCH_SIGNAL,
	WATCH_DB,
	WATCH_EXEC,
	WATCH_PROBE
};

struct watch {
	enum watch_kind kind;
	void *obj;
};

#define POLLSET_MAX 1024

struct pollset {
	struct pollfd pfd[POLLSET_MAX];
	struct watch w[POLLSET_MAX];
	int n;
};

/* Watch fd for events on behalf of obj; a negative fd is skipped. */
void pollset_add(struct pollset *ps, int fd, short events, enum watch_kind kind, void *obj);

#endif
