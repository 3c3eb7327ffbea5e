/*
 * method: the HTTP methods the API knows, as one table of names and enum
 * values.  The request parser, the router (Allow headers), the route
 * listing of `acloud-api -r` and the fuzzer all name methods through it.
 */
#ifndef ACLOUD_API_METHOD_H
#define ACLOUD_API_METHOD_H

enum http_method {
	HTTP_GET,
	HTTP_POST,
	HTTP_DELETE,
	HTTP_PUT,
	HTTP_PATCH,
	HTTP_HEAD,
	HTTP_OPTIONS,
	HTTP_OTHER /* anything else; never in a route */
};

/* The method named `name` (case-sensitive, as HTTP says), or HTTP_OTHER. */
enum http_method http_method_parse(const char *name);
/* "GET", "POST", ...; "OTHER" for HTTP_OTHER. */
const char *http_method_name(enum http_method method);

#endif
