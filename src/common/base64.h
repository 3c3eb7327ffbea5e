/*
 * base64: strict decoding of standard base64 (RFC 4648 alphabet, '='
 * padding optional, no whitespace), for APB circuits carried in JSON
 * ("circuit_apb").
 */
#ifndef ACLOUD_COMMON_BASE64_H
#define ACLOUD_COMMON_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Decodes in[0..len) into a malloc'ed *out (caller frees).  Returns 0, or
 * -1 on invalid input or out of memory (*out is then NULL). */
int base64_decode(const char *in, size_t len, uint8_t **out, size_t *outlen);

#endif
