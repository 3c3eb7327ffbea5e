/*
 * output: what `acloud` prints: results as CSV, the server's errors as it
 * words them, and the exit code an HTTP answer maps to.  Pure functions of
 * their inputs and a FILE, so the unit tests check them byte for byte.
 */
#ifndef ACLOUD_CLI_OUTPUT_H
#define ACLOUD_CLI_OUTPUT_H

#include <jansson.h>
#include <stdio.h>

/* The exit code for an HTTP status (0: no answer at all). */
int cli_exit_for_status(long status);

/* Prints an error answer on f: "acloud: <detail>" for a string detail, one
 * "field: message" line per item of a 422 list, and for a 429 when to
 * retry.  `status` 0 prints `transport_err`. */
void cli_print_error(FILE *f, long status, const char *body, long retry_after,
                     const char *transport_err);

/* Writes a run result (an array of channels, each an array of numbers of
 * one length) as CSV: a header "t,ch0,ch1,..." and one row per sample, t
 * = k / sample_rate; every number with %.17g so it reads back exactly.
 * Returns 0, or -1 when the result does not have that shape (msg says
 * why) or the write failed. */
int cli_write_csv(FILE *f, const json_t *result, double sample_rate, const char **msg);

/* Parses a run result exactly (every number as a double). */
json_t *cli_parse_result(const char *text, size_t len);

/* Writes n bytes to path ("-" or NULL: stdout).  0 or -1 (errno set). */
int cli_write_file(const char *path, const void *data, size_t n);

#endif
