/*
 * auth: bearer-key authentication against auth.yml.  The presented key is
 * hashed with SHA-256 and compared with every configured hash in constant
 * time, so neither the key nor its position leaks through timing, and the
 * key itself is never stored or logged.
 */
#ifndef ACLOUD_API_AUTH_H
#define ACLOUD_API_AUTH_H

#include "api/request.h"

/* Sets r->key, or answers 403 with the contract's detail and returns REQUEST_ERR. */
int auth_authenticate(struct request *r);

#endif
