/*
 * hex: the value of one hexadecimal digit, shared by the parsers that read
 * hex from outside (key hashes in auth.yml, percent-escapes in queries),
 * and the check of a task id's text that the API and acloud-events share.
 */
#ifndef ACLOUD_HEX_H
#define ACLOUD_HEX_H

#include <stdbool.h>

/* 0-15, or -1 when `c` is not a hex digit. */
int hex_digit_value(int c);

/* Whether `s` is a UUID in its 36-character text form; `out` gets it in
 * lower case (the form the tasks table holds). */
bool valid_uuid(const char *s, char out[37]);

#endif
