/*
 * auth: parses the Authorization header and finds the key.
 */
#include "autoconfig.h"

#include <string.h>

#include "api/auth.h"
#include "api/response.h"
#include "common/http_words.h"

int auth_authenticate(struct request *r)
{
	unsigned char digest[32];
	const struct auth_key *key;
	const char *token;
	size_t len;

	token = http_bearer_token(r->authorization, r->authorization ? strlen(r->authorization) : 0,
	                          &len);
	if (token == NULL) {
		respond_error(r, 403, "Not authenticated");
		return REQUEST_ERR;
	}
	if (!sha256_try(token, len, digest)) {
		respond_error(r, 500, "Out of memory");
		return REQUEST_ERR;
	}
	key = auth_find_by_hash(r->ctx->auth, digest);
	if (key == NULL) {
		respond_error(r, 403, "Invalid API key");
		return REQUEST_ERR;
	}
	if (!key->enabled) {
		respond_error(r, 403, "API key disabled");
		return REQUEST_ERR;
	}
	r->key = key;
	return REQUEST_OK;
}
