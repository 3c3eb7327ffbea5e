/*
 * validate: small validators for values that come from outside (path
 * parameters, query parameters, body fields).  Pure functions, unit-tested
 * and fuzzed; handlers call them before using a value.
 */
#ifndef ACLOUD_API_VALIDATE_H
#define ACLOUD_API_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

/* [A-Za-z0-9_.-]{1,64}: user ids and device names. */
bool valid_name(const char *s);
/* A decimal integer in [min, max] with nothing after it. */
bool parse_bounded_long(const char *s, long min, long max, long *out);

#endif
