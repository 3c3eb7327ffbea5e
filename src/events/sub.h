/*
 * sub: one client connection of acloud-events (nginx's proxied request):
 * its request head while it is read, then what its stream follows (a task,
 * or a user's state changes), the id of the last event sent, and the output
 * the socket has not taken yet.  An idle subscriber is this struct and
 * nothing else (a few hundred bytes): the head buffer is freed once the
 * head is parsed and the output buffer once it drains.
 *
 * Output is bounded: a client that stops reading while OUT_MAX bytes wait
 * is dropped (it reconnects with Last-Event-ID and misses nothing).
 */
#ifndef ACLOUD_EVENTS_SUB_H
#define ACLOUD_EVENTS_SUB_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define SUB_OUT_MAX (1024 * 1024)

enum sub_phase {
	SUB_HEAD,   /* reading the request head */
	SUB_STREAM, /* streaming events */
	SUB_DRAIN,  /* the last bytes are queued: close once written */
	SUB_DEAD    /* closed; freed at the end of the loop turn */
};

struct sub {
	struct sub *prev, *next;
	int fd;
	enum sub_phase phase;
	bool task_stream; /* a task's events, else the user's state events */
	bool admin;
	bool behind;   /* a catch-up page is owed once the output drains */
	bool want_out; /* EPOLLOUT registered */
	long long last_id;
	time_t since;
	char task_id[37];
	char user[72];
	char *head; /* SUB_HEAD only, HTTP_HEAD_MAX bytes */
	size_t head_len;
	char *out; /* unsent output, out_len bytes from out_off */
	size_t out_off, out_len;
};

struct sub *sub_new(int fd, time_t now);
void sub_free(struct sub *s);
/* Queue or write `len` bytes; false when the connection failed or the
 * output bound was hit (the caller closes it). */
bool sub_send(struct sub *s, const char *data, size_t len);
/* Write what is queued; false on a failed connection. */
bool sub_flush(struct sub *s);
/* Read the request head; -1 on EOF/error, 0 when more is to come, 1 when
 * bytes were added. */
int sub_read_head(struct sub *s);
/* Read and drop whatever a streaming client sends; false on EOF/error. */
bool sub_discard_input(struct sub *s);

#endif
