/*
 * http_words: reason phrases and the Bearer token, shared by acloud-api and
 * acloud-events (see http_words.h).
 */
#include "autoconfig.h"

#include <strings.h>

#include "common/http_words.h"

const char *http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 204:
		return "No Content";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 413:
		return "Payload Too Large";
	case 414:
		return "URI Too Long";
	case 422:
		return "Unprocessable Entity";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Unknown";
	}
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

const char *http_bearer_token(const char *value, size_t len, size_t *token_len)
{
	if (value == NULL || len < 7 || strncasecmp(value, "Bearer ", 7) != 0)
		return NULL;
	value += 7;
	len -= 7;
	while (len > 0 && is_blank(*value)) {
		value++;
		len--;
	}
	while (len > 0 && is_blank(value[len - 1]))
		len--;
	if (len == 0 || len > BEARER_TOKEN_MAX)
		return NULL;
	*token_len = len;
	return value;
}
