/*
 * sub: a subscriber's socket I/O.  Writes go straight to the socket; only
 * what it does not take is copied into the output buffer.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "events/http.h"
#include "events/sub.h"

struct sub *sub_new(int fd, time_t now)
{
	struct sub *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->head = malloc(HTTP_HEAD_MAX);
	if (s->head == NULL) {
		free(s);
		return NULL;
	}
	s->fd = fd;
	s->since = now;
	s->phase = SUB_HEAD;
	return s;
}

void sub_free(struct sub *s)
{
	if (s == NULL)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s->head);
	free(s->out);
	free(s);
}

/* Bytes the socket took (0 when it would block), or -1 on failure. */
static ssize_t write_some(int fd, const char *data, size_t len)
{
	ssize_t n;

	do
		n = send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	return n;
}

static bool queue(struct sub *s, const char *data, size_t len)
{
	char *grown;

	if (s->out_len + len > SUB_OUT_MAX)
		return false;
	if (s->out_off > 0) {
		memmove(s->out, s->out + s->out_off, s->out_len);
		s->out_off = 0;
	}
	grown = realloc(s->out, s->out_len + len);
	if (grown == NULL)
		return false;
	memcpy(grown + s->out_len, data, len);
	s->out = grown;
	s->out_len += len;
	return true;
}

bool sub_send(struct sub *s, const char *data, size_t len)
{
	ssize_t n = 0;

	if (s->out_len == 0) {
		n = write_some(s->fd, data, len);
		if (n < 0)
			return false;
	}
	if ((size_t)n == len)
		return true;
	return queue(s, data + n, len - (size_t)n);
}

bool sub_flush(struct sub *s)
{
	ssize_t n;

	while (s->out_len > 0) {
		n = write_some(s->fd, s->out + s->out_off, s->out_len);
		if (n < 0)
			return false;
		if (n == 0)
			return true;
		s->out_off += (size_t)n;
		s->out_len -= (size_t)n;
	}
	free(s->out);
	s->out = NULL;
	s->out_off = 0;
	return true;
}

int sub_read_head(struct sub *s)
{
	ssize_t n;

	if (s->head_len >= HTTP_HEAD_MAX)
		return 0;
	do
		n = read(s->fd, s->head + s->head_len, HTTP_HEAD_MAX - s->head_len);
	while (n < 0 && errno == EINTR);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
		return -1;
	if (n < 0)
		return 0;
	s->head_len += (size_t)n;
	return 1;
}

bool sub_discard_input(struct sub *s)
{
	char buf[256];
	ssize_t n;

	for (;;) {
		n = read(s->fd, buf, sizeof(buf));
		if (n > 0)
			continue;
		if (n == 0)
			return false;
		if (errno == EINTR)
			continue;
		return errno == EAGAIN || errno == EWOULDBLOCK;
	}
}
