/*
 * master: the prefork parent.  It owns the listening socket (opened from
 * the config, or inherited on fd 0 from a web server that spawns us, or
 * on fd 3 from systemd socket activation), forks the workers, restarts a
 * worker that dies, forwards SIGHUP, and drains on SIGTERM.
 */
#ifndef ACLOUD_API_MASTER_H
#define ACLOUD_API_MASTER_H

#include "api/context.h"

/* Returns the process exit status. */
int master_run(struct api_context *ctx, int n_workers);

/* The inherited listening socket (fd 0 or systemd's fd 3), or -1. */
int master_inherited_socket(void);

#endif
