/*
 * config: the profiles file (read, and rewritten in place by
 * `acloud config set`), key files, and the precedence that turns command
 * line, environment and profile into one connection.  Files are bounded
 * (64 KiB, 4 KiB lines): they are the user's, but a wrong path must not
 * make us read a disk image.
 */
#include "autoconfig.h"

#include "cli/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_CONFIG_BYTES (64 * 1024)
#define MAX_LINE         4096

static const char *const settings[] = { "url", "key", "key_file", "cacert", "insecure" };

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int cli_config_path(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	int n;

	if (xdg && *xdg == '/')
		n = snprintf(buf, len, "%s/acloud/config", xdg);
	else if (home && *home)
		n = snprintf(buf, len, "%s/.config/acloud/config", home);
	else
		return -1;
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

bool cli_config_known(const char *name)
{
	for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
		if (strcmp(settings[i], name) == 0)
			return true;
	return false;
}

bool cli_profile_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 64)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
	       n;
}

bool cli_key_valid(const char *key)
{
	size_t n = strlen(key);

	if (n == 0 || n > CLI_MAX_KEY)
		return false;
	for (size_t i = 0; i < n; i++)
		if (key[i] <= ' ' || key[i] > '~')
			return false;
	return true;
}

/* The whole file, NUL-terminated, or NULL (errno ENOENT: no file). */
static char *slurp(const char *path, size_t max, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n;

	if (!f) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(max + 1);
	if (!buf)
		goto fail;
	n = fread(buf, 1, max + 1, f);
	if (ferror(f) || n > max) {
		set_err(err, errlen, "%s: %s", path, ferror(f) ? "read error" : "file too large");
		errno = EFBIG;
		goto fail;
	}
	buf[n] = '\0';
	fclose(f);
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

void cli_profile_free(struct cli_profile *p)
{
	free(p->url);
	free(p->key);
	free(p->key_file);
	free(p->cacert);
	memset(p, 0, sizeof *p);
	p->insecure = -1;
}

static int parse_bool(const char *v)
{
	if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
		return 1;
	if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
		return 0;
	return -1;
}

static int store_setting(struct cli_profile *p, const char *name, const char *value)
{
	char **slot = NULL;

	if (!strcmp(name, "insecure")) {
		p->insecure = parse_bool(value);
		return p->insecure < 0 ? -1 : 0;
	}
	if (!strcmp(name, "url"))
		slot = &p->url;
	else if (!strcmp(name, "key"))
		slot = &p->key;
	else if (!strcmp(name, "key_file"))
		slot = &p->key_file;
	else if (!strcmp(name, "cacert"))
		slot = &p->cacert;
	else
		return -1;
	free(*slot);
	*slot = strdup(value);
	return *slot ? 0 : -1;
}

/* Splits a "[name]" line; returns the name (in place) or NULL. */
static char *section_of(char *line)
{
	size_t n = strlen(line);

	if (n < 2 || line[0] != '[' || line[n - 1] != ']')
		return NULL;
	line[n - 1] = '\0';
	return trim(line + 1);
}

int cli_config_load(const char *path, const char *profile, struct cli_profile *p, char *err,
                    size_t errlen)
{
	char *text, *line, *save = NULL;
	char section[80] = "default";
	int lineno = 0, rc = 0;

	memset(p, 0, sizeof *p);
	p->insecure = -1;
	text = slurp(path, MAX_CONFIG_BYTES, err, errlen);
	if (!text)
		return errno == ENOENT ? 0 : -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *l = trim(line), *sec, *eq;

		lineno++;
		if (!*l || *l == '#' || *l == ';')
			continue;
		if ((sec = section_of(l))) {
			snprintf(section, sizeof section, "%s", sec);
			continue;
		}
		eq = strchr(l, '=');
		if (!eq) {
			set_err(err, errlen, "%s: line %d: expected 'name = value'", path, lineno);
			goto fail;
		}
		*eq = '\0';
		if (!cli_config_known(trim(l))) {
			set_err(err, errlen, "%s: line %d: unknown setting '%s'", path, lineno,
			        trim(l));
			goto fail;
		}
		if (strcmp(section, profile) != 0)
			continue;
		if (store_setting(p, trim(l), trim(eq + 1)) < 0) {
			set_err(err, errlen, "%s: line %d: bad value for %s", path, lineno,
			        trim(l));
			goto fail;
		}
	}
	goto out;
fail:
	rc = -1;
	cli_profile_free(p);
out:
	free(text);
	return rc;
}

/* mkdir -p of path's directory, 0700 for what it creates. */
static int make_parent_dirs(const char *path)
{
	char dir[4096];
	size_t n = strlen(path);

	if (n >= sizeof dir)
		return -1;
	memcpy(dir, path, n + 1);
	for (char *s = dir + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return 0;
}

/* Whether a trimmed line sets `name`. */
static bool line_sets(const char *line, const char *name)
{
	size_t n = strlen(name);
	const char *rest;

	if (strncmp(line, name, n) != 0)
		return false;
	rest = line + n;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	return *rest == '=';
}

/* The new file's text: `old` with the setting changed.  Lines before the
 * first [section] belong to "default"; a setting is written into the
 * profile's (last) section, or a new section at the end. */
static void rewrite(FILE *out, char *old, const char *profile, const char *name, const char *value)
{
	bool done = false, in_target = !strcmp(profile, "default"), implicit = true, any = false;
	char *line = old, *next;

	while (line) {
		char copy[MAX_LINE], *t, *sec;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else if (!*line)
			break;
		snprintf(copy, sizeof copy, "%s", line);
		t = trim(copy);
		any = any || *t;
		sec = section_of(t);
		if (sec) {
			if (in_target && !implicit && !done && value) {
				fprintf(out, "%s = %s\n", name, value);
				done = true;
			}
			implicit = false;
			in_target = !strcmp(sec, profile);
		} else if (in_target && line_sets(t, name)) {
			if (!done && value)
				fprintf(out, "%s = %s\n", name, value);
			done = true;
			line = next;
			continue;
		}
		fprintf(out, "%s\n", line);
		line = next;
	}
	if (!done && value) {
		if (!in_target || !any)
			fprintf(out, "%s[%s]\n", any ? "\n" : "", profile);
		fprintf(out, "%s = %s\n", name, value);
	}
}

int cli_config_set(const char *path, const char *profile, const char *name, const char *value,
                   char *err, size_t errlen)
{
	char tmp[4200];
	char *old = NULL;
	FILE *out = NULL;
	int fd, rc = -1;

	if (!cli_config_known(name)) {
		set_err(err, errlen, "unknown setting '%s' (url, key, key_file, cacert, insecure)",
		        name);
		return -1;
	}
	if (value && (strpbrk(value, "\r\n") || strlen(value) > MAX_LINE - 100)) {
		set_err(err, errlen, "%s: the value must be one line", name);
		return -1;
	}
	if (value && !strcmp(name, "insecure") && parse_bool(value) < 0) {
		set_err(err, errlen, "insecure: true or false, not '%s'", value);
		return -1;
	}
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp ||
	    make_parent_dirs(path) < 0) {
		set_err(err, errlen, "%s: cannot create its directory", path);
		return -1;
	}
	old = slurp(path, MAX_CONFIG_BYTES, err, errlen);
	if (!old && errno != ENOENT)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || !(out = fdopen(fd, "w"))) {
		set_err(err, errlen, "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	rewrite(out, old, profile, name, value);
	if (fclose(out) != 0 || rename(tmp, path) < 0) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(old);
	return rc;
}

char *cli_read_key_file(const char *path, char *err, size_t errlen)
{
	char *text = slurp(path, MAX_LINE, err, errlen), *key, *nl;

	if (!text)
		return NULL;
	nl = strchr(text, '\n');
	if (nl)
		*nl = '\0';
	key = trim(text);
	if (!cli_key_valid(key)) {
		set_err(err, errlen, "%s: no valid API key on its first line", path);
		free(text);
		return NULL;
	}
	memmove(text, key, strlen(key) + 1);
	return text;
}

void cli_conn_free(struct cli_conn *c)
{
	free(c->url);
	if (c->key) /* do not leave the key in freed memory */
		memset(c->key, 0, strlen(c->key));
	free(c->key);
	free(c->cacert);
	memset(c, 0, sizeof *c);
}

static char *first_of(const char *a, const char *b, const char *c)
{
	const char *v = a && *a ? a : b && *b ? b : c && *c ? c : NULL;

	return v ? strdup(v) : NULL;
}

/* The key: --key-file, else ACLOUD_KEY, else the profile's key_file or key. */
static int resolve_key(const struct cli_args *a, const struct cli_profile *p, struct cli_conn *c,
                       char *err, size_t errlen)
{
	const char *env = getenv("ACLOUD_KEY");

	if (a->key_file)
		c->key = cli_read_key_file(a->key_file, err, errlen);
	else if (env && *env)
		c->key = cli_key_valid(env) ? strdup(env) : NULL;
	else if (p->key_file)
		c->key = cli_read_key_file(p->key_file, err, errlen);
	else if (p->key)
		c->key = cli_key_valid(p->key) ? strdup(p->key) : NULL;
	else
		return 0; /* no key: the caller decides */
	if (!c->key) {
		if (!a->key_file && !(p->key_file && !(env && *env)))
			set_err(err, errlen,
			        "the API key is not valid (printable ASCII, no spaces)");
		return CLI_AUTH;
	}
	return 0;
}

int cli_resolve_conn(const struct cli_args *a, struct cli_conn *c, char *err, size_t errlen)
{
	struct cli_profile p;
	char path[4096];
	const char *profile = a->profile ? a->profile : getenv("ACLOUD_PROFILE");
	int rc = 0;
	size_t n;

	memset(c, 0, sizeof *c);
	if (!profile || !*profile)
		profile = "default";
	if (!cli_profile_name_valid(profile)) {
		set_err(err, errlen, "bad profile name '%s'", profile);
		return CLI_USAGE;
	}
	memset(&p, 0, sizeof p);
	p.insecure = -1;
	if (cli_config_path(path, sizeof path) == 0 &&
	    cli_config_load(path, profile, &p, err, errlen) < 0)
		return CLI_USAGE;
	c->url = first_of(a->url, getenv("ACLOUD_URL"), p.url ? p.url : CLI_DEFAULT_URL);
	c->cacert = first_of(a->cacert, getenv("ACLOUD_CA_FILE"), p.cacert);
	c->insecure = a->insecure || p.insecure == 1;
	if (!c->url) {
		rc = CLI_SERVER;
		goto out;
	}
	n = strlen(c->url);
	while (n > 0 && c->url[n - 1] == '/')
		c->url[--n] = '\0';
	rc = resolve_key(a, &p, c, err, errlen);
out:
	cli_profile_free(&p);
	if (rc)
		cli_conn_free(c);
	return rc;
}
