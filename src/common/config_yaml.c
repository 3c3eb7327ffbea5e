/*
 * config_yaml: reading a config file into a libyaml document and walking it
 * against a fixed schema (see config_yaml.h).  The loaders never touch libyaml
 * nodes except through these helpers, so type checks, size bounds, line
 * numbers and message wording are the same for all three files.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/config_yaml.h"

/* Caps on work done while walking, so that aliases cannot blow a 4 MiB file up. */
#define YDOC_MAX_VISITS 4000000u
#define YDOC_MAX_COPIED (64u << 20)

static int io_fail(struct ydoc *d, const char *what)
{
	snprintf(d->err, CONFIG_ERR_MAX, "%s: %s: %s", d->path, what, strerror(errno));
	return CONFIG_ERR;
}

static int line_fail(struct ydoc *d, size_t line, const char *reason)
{
	snprintf(d->err, CONFIG_ERR_MAX, "%s:%zu: %s", d->path, line, reason);
	return CONFIG_ERR;
}

/* The whole file in a malloc'd buffer of at most YDOC_MAX_FILE_BYTES. */
static int read_file(struct ydoc *d, unsigned char **buf, size_t *len)
{
	struct stat st;
	unsigned char *data = NULL;
	size_t cap, n;
	FILE *f = fopen(d->path, "rb");

	if (!f)
		return io_fail(d, "cannot open");
	if (fstat(fileno(f), &st) != 0) {
		io_fail(d, "cannot stat");
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		line_fail(d, 1, "not a regular file");
		goto fail;
	}
	if (st.st_size > (off_t)YDOC_MAX_FILE_BYTES) {
		line_fail(d, 1, "file is larger than 4 MiB");
		goto fail;
	}
	cap = (size_t)st.st_size + 1;
	data = malloc(cap);
	if (!data) {
		line_fail(d, 1, "out of memory");
		goto fail;
	}
	n = fread(data, 1, cap, f);
	if (ferror(f)) {
		io_fail(d, "cannot read");
		goto fail;
	}
	if (n == cap) {
		line_fail(d, 1, "file changed while being read");
		goto fail;
	}
	fclose(f);
	d->stamp = stat_stamp(&st);
	*buf = data;
	*len = n;
	return CONFIG_OK;
fail:
	free(data);
	fclose(f);
	return CONFIG_ERR;
}

static int syntax_fail(struct ydoc *d, const yaml_parser_t *p)
{
	if (p->error == YAML_MEMORY_ERROR || !p->problem)
		return line_fail(d, 1, "out of memory while parsing");
	snprintf(d->err, CONFIG_ERR_MAX, "%s:%zu: invalid YAML: %s%s%s", d->path,
	         p->problem_mark.line + 1, p->problem, p->context ? " " : "",
	         p->context ? p->context : "");
	return CONFIG_ERR;
}

/* Parses the first document and makes sure no second one follows. */
static int parse(struct ydoc *d, const unsigned char *buf, size_t len)
{
	yaml_parser_t p;
	yaml_document_t extra;
	size_t extra_line;
	bool more;
	int rc = CONFIG_ERR;

	if (!yaml_parser_initialize(&p))
		return line_fail(d, 1, "out of memory");
	yaml_parser_set_input_string(&p, buf, len);
	if (!yaml_parser_load(&p, &d->doc)) {
		syntax_fail(d, &p);
		goto out;
	}
	d->loaded = true;
	if (!yaml_parser_load(&p, &extra)) {
		syntax_fail(d, &p);
		goto out;
	}
	more = yaml_document_get_root_node(&extra) != NULL;
	extra_line = extra.start_mark.line + 1;
	yaml_document_delete(&extra);
	if (more) {
		line_fail(d, extra_line, "more than one YAML document");
		goto out;
	}
	rc = CONFIG_OK;
out:
	yaml_parser_delete(&p);
	return rc;
}

static int set_dir(struct ydoc *d)
{
	const char *slash = strrchr(d->path, '/');

	if (!slash)
		return CONFIG_OK;
	d->dir = slash == d->path ? strdup("/") : strndup(d->path, (size_t)(slash - d->path));
	return d->dir ? CONFIG_OK : line_fail(d, 1, "out of memory");
}

int ydoc_load(struct ydoc *d, const char *path, char err[CONFIG_ERR_MAX], yaml_node_t **root)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc;

	memset(d, 0, sizeof(*d));
	d->path = path;
	d->err = err;
	err[0] = '\0';
	if (set_dir(d) != CONFIG_OK || read_file(d, &buf, &len) != CONFIG_OK)
		return CONFIG_ERR;
	rc = parse(d, buf, len);
	free(buf);
	if (rc == CONFIG_OK)
		*root = yaml_document_get_root_node(&d->doc);
	return rc;
}

int ydoc_parse_file(const char *path, char err[CONFIG_ERR_MAX], ydoc_top_fn parse_top, void *cfg,
                    uint64_t *stamp)
{
	struct ydoc d;
	yaml_node_t *root = NULL;
	int rc = ydoc_load(&d, path, err, &root);

	if (rc == CONFIG_OK && stamp != NULL)
		*stamp = d.stamp;
	if (rc == CONFIG_OK && root != NULL && !ynode_is_null(root))
		rc = parse_top(&d, root, cfg);
	ydoc_free(&d);
	return rc;
}

void ydoc_free(struct ydoc *d)
{
	if (d->loaded)
		yaml_document_delete(&d->doc);
	free(d->dir);
	d->loaded = false;
	d->dir = NULL;
}

int yfail(struct ydoc *d, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	int used;

	used = snprintf(d->err, CONFIG_ERR_MAX, "%s:%zu: ", d->path,
	                n ? n->start_mark.line + 1 : 1);
	if (used < 0 || used >= CONFIG_ERR_MAX)
		return CONFIG_ERR;
	va_start(ap, fmt);
	vsnprintf(d->err + used, CONFIG_ERR_MAX - (size_t)used, fmt, ap);
	va_end(ap);
	return CONFIG_ERR;
}

const char *yecho(const yaml_node_t *n, char buf[80])
{
	const unsigned char *s;
	size_t len, i, o = 0;

	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	s = n->data.scalar.value;
	len = n->data.scalar.length;
	buf[o++] = '\'';
	for (i = 0; i < len && i < 60; i++)
		buf[o++] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
	if (len > 60) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '\'';
	buf[o] = '\0';
	return buf;
}

static int charge(struct ydoc *d, const yaml_node_t *n, size_t nodes, size_t bytes)
{
	d->visits += nodes;
	d->copied += bytes;
	if (d->visits > YDOC_MAX_VISITS || d->copied > YDOC_MAX_COPIED)
		return yfail(d, n, "document too large after alias expansion");
	return CONFIG_OK;
}

static bool scalar_is(const yaml_node_t *n, const char *s)
{
	size_t len = strlen(s);

	return n->data.scalar.length == len && memcmp(n->data.scalar.value, s, len) == 0;
}

bool ynode_is_null(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (scalar_is(n, "") || scalar_is(n, "~") || scalar_is(n, "null") ||
	        scalar_is(n, "Null") || scalar_is(n, "NULL"));
}

static int map_one(struct ydoc *d, yaml_node_t *key, yaml_node_t *val, const char *kind,
                   struct yfield *fields, size_t n)
{
	char echo[80];
	size_t i;

	if (key->type != YAML_SCALAR_NODE)
		return yfail(d, key, "%s names must be strings", kind);
	for (i = 0; i < n; i++)
		if (scalar_is(key, fields[i].name))
			break;
	if (i == n)
		return yfail(d, key, "unknown %s %s", kind, yecho(key, echo));
	if (fields[i].key)
		return yfail(d, key, "duplicate %s '%s' (first on line %zu)", kind, fields[i].name,
		             fields[i].key->start_mark.line + 1);
	fields[i].key = key;
	fields[i].val = val;
	return CONFIG_OK;
}

int ymap_fields(struct ydoc *d, yaml_node_t *map, const char *what, const char *kind,
                struct yfield *fields, size_t n)
{
	yaml_node_pair_t *pair;
	size_t i;

	for (i = 0; i < n; i++)
		fields[i].key = fields[i].val = NULL;
	if (map->type != YAML_MAPPING_NODE)
		return yfail(d, map, "%s must be a mapping", what);
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = yaml_document_get_node(&d->doc, pair->key);
		yaml_node_t *val = yaml_document_get_node(&d->doc, pair->value);

		if (charge(d, key, 2, 0) != CONFIG_OK ||
		    map_one(d, key, val, kind, fields, n) != CONFIG_OK)
			return CONFIG_ERR;
	}
	return CONFIG_OK;
}

int yseq_check(struct ydoc *d, yaml_node_t *seq, const char *what, size_t max, size_t *count)
{
	size_t n;

	if (seq->type != YAML_SEQUENCE_NODE)
		return yfail(d, seq, "'%s' must be a list", what);
	n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
	if (n > max)
		return yfail(d, seq, "'%s' has more than %zu entries", what, max);
	*count = n;
	return charge(d, seq, n, 0);
}

yaml_node_t *yseq_item(struct ydoc *d, const yaml_node_t *seq, size_t i)
{
	return yaml_document_get_node(&d->doc, seq->data.sequence.items.start[i]);
}

int yget_str(struct ydoc *d, yaml_node_t *n, const char *field, char **out)
{
	size_t len;

	if (n->type != YAML_SCALAR_NODE || ynode_is_null(n))
		return yfail(d, n, "'%s' must be a string", field);
	len = n->data.scalar.length;
	if (len > YDOC_MAX_STRING)
		return yfail(d, n, "'%s' is longer than %d bytes", field, YDOC_MAX_STRING);
	if (memchr(n->data.scalar.value, '\0', len))
		return yfail(d, n, "'%s' contains a NUL character", field);
	if (charge(d, n, 1, len) != CONFIG_OK)
		return CONFIG_ERR;
	*out = strndup((const char *)n->data.scalar.value, len);
	return *out ? CONFIG_OK : yfail(d, n, "out of memory");
}

int yget_nonempty(struct ydoc *d, yaml_node_t *n, const char *field, char **out)
{
	if (n->type == YAML_SCALAR_NODE && n->data.scalar.length == 0)
		return yfail(d, n, "'%s' must not be empty", field);
	return yget_str(d, n, field, out);
}

bool config_name_valid(const char *s)
{
	size_t len = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-");

	return len >= 1 && len <= 64 && s[len] == '\0';
}

int yget_name(struct ydoc *d, yaml_node_t *n, const char *field, char **out)
{
	char echo[80];

	if (yget_str(d, n, field, out) != CONFIG_OK)
		return CONFIG_ERR;
	if (config_name_valid(*out))
		return CONFIG_OK;
	free(*out);
	*out = NULL;
	return yfail(d, n, "'%s' must match [A-Za-z0-9_.-]{1,64}, not %s", field, yecho(n, echo));
}

/* `value` resolved against `dir` (NULL = as is) unless absolute; NULL on OOM. */
static char *resolve_path(const char *dir, const char *value)
{
	size_t dlen;
	char *p;

	if (!dir || value[0] == '/')
		return strdup(value);
	dlen = strcmp(dir, "/") == 0 ? 0 : strlen(dir);
	p = malloc(dlen + 1 + strlen(value) + 1);
	if (!p)
		return NULL;
	memcpy(p, dir, dlen);
	p[dlen] = '/';
	strcpy(p + dlen + 1, value);
	return p;
}

int yget_path(struct ydoc *d, yaml_node_t *n, const char *field, char **out)
{
	char *value;

	if (yget_nonempty(d, n, field, &value) != CONFIG_OK)
		return CONFIG_ERR;
	*out = resolve_path(d->dir, value);
	free(value);
	return *out ? CONFIG_OK : yfail(d, n, "out of memory");
}

/* Plain decimal: -?(0|[1-9][0-9]*) */
static bool decimal_syntax(const char *s, size_t len)
{
	size_t i = 0;

	if (i < len && s[i] == '-')
		i++;
	if (i == len || (s[i] == '0' && i + 1 < len))
		return false;
	for (; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int yget_long(struct ydoc *d, yaml_node_t *n, const char *field, long min, long max, long *out)
{
	const char *s;
	long v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    !decimal_syntax((const char *)n->data.scalar.value, n->data.scalar.length))
		goto bad;
	s = (const char *)n->data.scalar.value;
	errno = 0;
	v = strtol(s, NULL, 10);
	if (errno == ERANGE || v < min || v > max)
		goto bad;
	*out = v;
	return charge(d, n, 1, 0);
bad:
	return yfail(d, n, "'%s' must be an integer between %ld and %ld", field, min, max);
}

int yget_int(struct ydoc *d, yaml_node_t *n, const char *field, int min, int max, int *out)
{
	long v;

	if (yget_long(d, n, field, min, max, &v) != CONFIG_OK)
		return CONFIG_ERR;
	*out = (int)v;
	return CONFIG_OK;
}

int yget_bool(struct ydoc *d, yaml_node_t *n, const char *field, bool *out)
{
	if (n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		if (scalar_is(n, "true") || scalar_is(n, "false")) {
			*out = scalar_is(n, "true");
			return charge(d, n, 1, 0);
		}
	}
	return yfail(d, n, "'%s' must be true or false", field);
}

void ystrv_free(char **v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

int yget_strv(struct ydoc *d, yaml_node_t *n, const char *field, bool names, char ***out,
              size_t *count)
{
	char label[96];
	char **v;
	size_t len, i;

	if (yseq_check(d, n, field, YDOC_MAX_ITEMS, &len) != CONFIG_OK)
		return CONFIG_ERR;
	v = calloc(len + 1, sizeof(*v));
	if (!v)
		return yfail(d, n, "out of memory");
	for (i = 0; i < len; i++) {
		yaml_node_t *item = yseq_item(d, n, i);
		int rc;

		snprintf(label, sizeof(label), "%s[%zu]", field, i);
		rc = names ? yget_name(d, item, label, &v[i]) : yget_str(d, item, label, &v[i]);
		if (rc != CONFIG_OK)
			goto fail;
	}
	*out = v;
	*count = len;
	return CONFIG_OK;
fail:
	ystrv_free(v);
	return CONFIG_ERR;
}
