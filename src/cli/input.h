/*
 * input: files the user hands to `acloud compile` and `acloud run`: read
 * with a bound, recognised by content (JSON circuit, APB, ODE source), and
 * base64 for an APB sent in JSON.
 */
#ifndef ACLOUD_CLI_INPUT_H
#define ACLOUD_CLI_INPUT_H

#include <stddef.h>

enum circuit_kind {
	CIRCUIT_JSON,
	CIRCUIT_APB,
	CIRCUIT_ODE,
	CIRCUIT_UNKNOWN
};

/* Reads a file ("-": stdin) of at most max bytes into a malloc'ed,
 * NUL-terminated buffer.  NULL with err when missing, unreadable or too
 * large. */
char *cli_read_input(const char *path, size_t max, size_t *len, char *err, size_t errlen);

/* What a run's FILE holds: a JSON object is a lucipy circuit; bytes that
 * are not text are an APB file; text is ODE source (as is anything named
 * *.ode).  An empty file is unknown. */
enum circuit_kind cli_circuit_kind(const char *name, const char *data, size_t len);

/* Standard base64 (with padding) of data, malloc'ed, or NULL. */
char *cli_base64(const unsigned char *data, size_t len);

#endif
