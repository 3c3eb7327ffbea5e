/*
 * wait: following a task until it ends, with the progress the user sees.
 * The live events stream (GET /api/v1/tasks/{id}/events, server-sent
 * events `state`, `log`, `end`) is used where the server has it; a 404 or
 * 405 from that route (on a server that just answered for the task) means
 * it has none, and the task is polled with backoff instead.  Connection
 * losses and 502/503/504 are waited out (a server restart is survived).
 */
#ifndef ACLOUD_CLI_WAIT_H
#define ACLOUD_CLI_WAIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli/http.h"

struct wait_opts {
	bool progress;  /* state on stderr: a line updated in place on a tty */
	bool tty;       /* stderr is a terminal */
	FILE *log_out;  /* where the task's log lines go; NULL: nowhere */
	double timeout; /* seconds, 0: none */
};

/* Follows task `id` until it is succeeded, failed or cancelled.  Returns
 * CLI_OK when it succeeded, CLI_TASK when it failed, was cancelled or the
 * timeout ran out (with a message on stderr), else the exit code of the
 * server's answer.  *task (may be NULL) gets the last GET /tasks/{id}. */
int cli_wait_task(struct http_client *h, const char *id, const struct wait_opts *o, json_t **task);

#endif
