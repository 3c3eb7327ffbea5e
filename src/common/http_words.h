/*
 * http_words: the parts of HTTP that both servers read or write the same
 * way: the reason phrase of a status code, and the token of an
 * "Authorization: Bearer <token>" header.  acloud-api (behind FastCGI) and
 * acloud-events (its own HTTP reader) must agree on both, or one of them
 * would accept a key the other refuses.
 */
#ifndef ACLOUD_HTTP_WORDS_H
#define ACLOUD_HTTP_WORDS_H

#include <stddef.h>

/* The longest bearer token either server takes; longer is no key of ours. */
#define BEARER_TOKEN_MAX 512

/* "Not Found" for 404 and so on; "Unknown" for a code neither server sends. */
const char *http_reason(int status);

/* The token of a Bearer credential `value` (len bytes, "Bearer" in any
 * case, spaces and tabs around the token trimmed), with its length in
 * *token_len; NULL for another scheme, an empty token or one longer than
 * BEARER_TOKEN_MAX. */
const char *http_bearer_token(const char *value, size_t len, size_t *token_len);

#endif
