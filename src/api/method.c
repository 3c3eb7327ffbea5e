/*
 * method: the one table of HTTP method names.
 */
#include "autoconfig.h"

#include <string.h>

#include "api/method.h"

static const char *const method_names[] = {
	[HTTP_GET] = "GET",         [HTTP_POST] = "POST",   [HTTP_DELETE] = "DELETE",
	[HTTP_PUT] = "PUT",         [HTTP_PATCH] = "PATCH", [HTTP_HEAD] = "HEAD",
	[HTTP_OPTIONS] = "OPTIONS", [HTTP_OTHER] = "OTHER",
};

enum http_method http_method_parse(const char *name)
{
	for (int m = 0; m < HTTP_OTHER; m++)
		if (strcmp(name, method_names[m]) == 0)
			return (enum http_method)m;
	return HTTP_OTHER;
}

const char *http_method_name(enum http_method method)
{
	return method_names[method];
}
