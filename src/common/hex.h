/*
 * hex: the value of one hexadecimal digit, shared by the parsers that read
 * hex from outside (key hashes in auth.yml, percent-escapes in queries).
 */
#ifndef ACLOUD_HEX_H
#define ACLOUD_HEX_H

/* 0-15, or -1 when `c` is not a hex digit. */
int hex_digit_value(int c);

#endif
