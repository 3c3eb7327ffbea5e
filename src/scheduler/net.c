/*
 * net: connect helpers shared by driver_lucidac.c and probe.c.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "scheduler/net.h"

int net_connect_start(const char *host, int port)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
		                  .ai_socktype = SOCK_STREAM,
		                  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *ai = NULL;
	char service[16];
	int fd = -1, rc;

	snprintf(service, sizeof(service), "%d", port);
	hints.ai_flags |= AI_NUMERICHOST;
	rc = getaddrinfo(host, service, &hints, &ai);
	if (rc == EAI_NONAME) {
		hints.ai_flags &= ~AI_NUMERICHOST;
		rc = getaddrinfo(host, service, &hints, &ai);
	}
	if (rc != 0 || ai == NULL) {
		errno = EHOSTUNREACH;
		goto fail;
	}
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		goto fail;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS)
		goto fail;
	freeaddrinfo(ai);
	return fd;
fail:
	rc = errno;
	if (fd >= 0)
		close(fd);
	if (ai != NULL)
		freeaddrinfo(ai);
	errno = rc;
	return -1;
}

int net_connect_result(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		return errno;
	return err;
}

void net_new_id(char out[37])
{
	uuid_t u;

	uuid_generate_random(u);
	uuid_unparse_lower(u, out);
}
