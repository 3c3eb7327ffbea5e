/*
 * router: segment-wise pattern matching.  Routes are few (tens), so a
 * linear scan over the table is both simplest and fastest.
 */
#include "autoconfig.h"

#include <string.h>

#include "api/router.h"

/* Compares one pattern with the path; on success fills params. */
static bool pattern_matches(const char *pattern, const char *path, char *buf, size_t buflen,
                            struct route_match *m)
{
	size_t used = 0;

	m->n_params = 0;
	while (*pattern && *path) {
		const char *pseg_end = strchr(pattern + 1, '/');
		const char *seg_end = strchr(path + 1, '/');
		size_t plen, slen;

		if (*pattern != '/' || *path != '/')
			return false;
		pattern++;
		path++;
		plen = pseg_end ? (size_t)(pseg_end - pattern) : strlen(pattern);
		slen = seg_end ? (size_t)(seg_end - path) : strlen(path);
		if (plen >= 2 && pattern[0] == '{' && pattern[plen - 1] == '}') {
			if (slen == 0 || m->n_params == REQUEST_MAX_PATH_PARAMS ||
			    used + slen + 1 > buflen)
				return false;
			memcpy(buf + used, path, slen);
			buf[used + slen] = '\0';
			m->params[m->n_params++] = buf + used;
			used += slen + 1;
		} else if (plen != slen || memcmp(pattern, path, plen) != 0) {
			return false;
		}
		pattern += plen;
		path += slen;
	}
	return *pattern == '\0' && *path == '\0';
}

static void allow_add(struct route_match *m, enum http_method method)
{
	const char *name = http_method_name(method);
	size_t len = strlen(m->allow);

	if (strstr(m->allow, name) != NULL)
		return;
	if (len + strlen(name) + 3 > sizeof(m->allow))
		return;
	if (len > 0)
		strcat(m->allow, ", ");
	strcat(m->allow, name);
}

enum route_outcome router_match(const struct route *table, size_t n_routes, enum http_method method,
                                const char *path, char *buf, size_t buflen, struct route_match *out)
{
	bool path_known = false;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n_routes; i++) {
		struct route_match m;

		memset(&m, 0, sizeof(m));
		if (!pattern_matches(table[i].pattern, path, buf, buflen, &m))
			continue;
		if (table[i].method == method) {
			m.route = &table[i];
			memcpy(out->params, m.params, sizeof(m.params));
			out->n_params = m.n_params;
			out->route = m.route;
			return ROUTE_FOUND;
		}
		path_known = true;
		allow_add(out, table[i].method);
	}
	return path_known ? ROUTE_METHOD_NOT_ALLOWED : ROUTE_NOT_FOUND;
}
