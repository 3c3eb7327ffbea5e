/*
 * net: non-blocking TCP connects for the LUCIDAC driver and probe, and the
 * random request ids of the JSON-lines protocol.
 */
#ifndef ACLOUD_SCHED_NET_H
#define ACLOUD_SCHED_NET_H

/*
 * Start connecting to host:port; the fd is non-blocking and becomes writable
 * when the connect finishes.  -1 with errno on immediate failure.  Numeric
 * addresses never block; a host name is looked up with getaddrinfo (from
 * /etc/hosts or DNS), the one wait this module may cause.
 */
int net_connect_start(const char *host, int port);
/* 0 when the connect succeeded, else the errno it failed with. */
int net_connect_result(int fd);
/* A new random lower-case UUID string (37 bytes with the NUL). */
void net_new_id(char out[37]);

#endif
