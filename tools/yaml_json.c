/*
 * yaml_json: one YAML document -> one jansson value (see yaml_json.h for the
 * mapping).  libyaml's loader builds the node graph; a recursive walk turns
 * it into JSON, resolving plain scalars with the YAML 1.2 core schema.  An
 * alias shows up in the graph as a node reached a second time, which the
 * walk rejects; that also bounds the work by the size of the input.
 */
#include "autoconfig.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "tools/yaml_json.h"

struct conv {
	yaml_document_t *doc;
	unsigned char *seen; /* one flag per node: reached already */
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t errlen, const char *fmt,
                                                          ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static size_t node_line(const yaml_node_t *node)
{
	return node->start_mark.line + 1;
}

/* ---- core schema scalar resolution ---------------------------------- */

static bool str_in(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static bool is_null_scalar(const char *s)
{
	static const char *const names[] = { "", "~", "null", "Null", "NULL", NULL };

	return str_in(s, names);
}

/* 1 and *out set when s is a core-schema boolean, else 0. */
static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "True", "TRUE", NULL };
	static const char *const no[] = { "false", "False", "FALSE", NULL };

	if (str_in(s, yes)) {
		*out = true;
		return 1;
	}
	if (str_in(s, no)) {
		*out = false;
		return 1;
	}
	return 0;
}

static bool all_in(const char *s, const char *set)
{
	if (*s == '\0')
		return false;
	return s[strspn(s, set)] == '\0';
}

/* 1: an integer in *out; 0: not an integer; -1: an integer out of range. */
static int parse_int(const char *s, long long *out)
{
	const char *digits = s;
	int base = 10;
	char *end;

	if (s[0] == '0' && s[1] == 'o') {
		digits = s + 2;
		base = 8;
		if (!all_in(digits, "01234567"))
			return 0;
	} else if (s[0] == '0' && s[1] == 'x') {
		digits = s + 2;
		base = 16;
		if (!all_in(digits, "0123456789abcdefABCDEF"))
			return 0;
	} else if (!all_in(s + (s[0] == '-' || s[0] == '+'), "0123456789")) {
		return 0;
	}
	errno = 0;
	*out = strtoll(digits, &end, base);
	if (errno == ERANGE || *end != '\0')
		return -1;
	return 1;
}

static const char *skip_digits(const char *s)
{
	while (*s >= '0' && *s <= '9')
		s++;
	return s;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool is_float_syntax(const char *s)
{
	const char *p = s + (*s == '-' || *s == '+');
	const char *q;

	if (*p == '.') {
		q = skip_digits(p + 1);
		if (q == p + 1)
			return false;
	} else {
		q = skip_digits(p);
		if (q == p)
			return false;
		if (*q == '.')
			q = skip_digits(q + 1);
	}
	if (*q == 'e' || *q == 'E') {
		p = q + 1;
		p += (*p == '-' || *p == '+');
		q = skip_digits(p);
		if (q == p)
			return false;
	}
	return *q == '\0';
}

static bool is_inf_or_nan(const char *s)
{
	static const char *const names[] = { ".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN", NULL };

	return str_in(s + (*s == '-' || *s == '+'), names);
}

/* ---- scalars -------------------------------------------------------- */

static json_t *make_string(struct conv *c, const yaml_node_t *node)
{
	json_t *v = json_stringn((const char *)node->data.scalar.value, node->data.scalar.length);

	if (!v)
		set_err(c->err, c->errlen, "line %zu: string is not valid UTF-8", node_line(node));
	return v;
}

enum scalar_kind {
	KIND_ANY,
	KIND_NULL,
	KIND_BOOL,
	KIND_INT,
	KIND_FLOAT,
	KIND_BAD_TAG
};

static enum scalar_kind tag_kind(const char *tag)
{
	if (!tag || strcmp(tag, YAML_STR_TAG) == 0)
		return KIND_ANY;
	if (strcmp(tag, YAML_NULL_TAG) == 0)
		return KIND_NULL;
	if (strcmp(tag, YAML_BOOL_TAG) == 0)
		return KIND_BOOL;
	if (strcmp(tag, YAML_INT_TAG) == 0)
		return KIND_INT;
	if (strcmp(tag, YAML_FLOAT_TAG) == 0)
		return KIND_FLOAT;
	return KIND_BAD_TAG;
}

static json_t *number_scalar(struct conv *c, const yaml_node_t *node, const char *s,
                             enum scalar_kind want)
{
	long long i;
	int r;

	if (is_inf_or_nan(s)) {
		set_err(c->err, c->errlen, "line %zu: '%s' cannot be represented in JSON",
		        node_line(node), s);
		return NULL;
	}
	r = want == KIND_FLOAT ? 0 : parse_int(s, &i);
	if (r < 0) {
		set_err(c->err, c->errlen, "line %zu: integer '%s' out of range", node_line(node),
		        s);
		return NULL;
	}
	if (r > 0)
		return json_integer(i);
	if (want != KIND_INT && is_float_syntax(s))
		return json_real(strtod(s, NULL));
	return NULL;
}

/* A plain scalar under the core schema; NULL with err set on error. */
static json_t *resolve_plain(struct conv *c, const yaml_node_t *node, const char *s,
                             enum scalar_kind want)
{
	json_t *v;
	bool b;

	if ((want == KIND_ANY || want == KIND_NULL) && is_null_scalar(s))
		return json_null();
	if ((want == KIND_ANY || want == KIND_BOOL) && parse_bool(s, &b))
		return json_boolean(b);
	if (want == KIND_ANY || want == KIND_INT || want == KIND_FLOAT) {
		c->err[0] = '\0';
		v = number_scalar(c, node, s, want);
		if (v || c->err[0])
			return v;
	}
	if (want == KIND_ANY)
		return make_string(c, node);
	set_err(c->err, c->errlen, "line %zu: '%s' does not match its tag %s", node_line(node), s,
	        node->tag ? (const char *)node->tag : "?");
	return NULL;
}

static json_t *convert_scalar(struct conv *c, const yaml_node_t *node)
{
	const char *s = (const char *)node->data.scalar.value;
	enum scalar_kind want = tag_kind((const char *)node->tag);

	if (want == KIND_BAD_TAG) {
		set_err(c->err, c->errlen, "line %zu: unsupported tag %s", node_line(node),
		        (const char *)node->tag);
		return NULL;
	}
	if (node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE || want != KIND_ANY)
		return resolve_plain(c, node, s, want);
	return make_string(c, node);
}

/* ---- collections ---------------------------------------------------- */

static json_t *convert_node(struct conv *c, int index, int depth, size_t ref_line);

static json_t *convert_sequence(struct conv *c, const yaml_node_t *node, int depth)
{
	json_t *arr = json_array();
	yaml_node_item_t *item;
	json_t *v;

	if (!arr)
		goto nomem;
	for (item = node->data.sequence.items.start; item < node->data.sequence.items.top; item++) {
		v = convert_node(c, *item, depth + 1, node_line(node));
		if (!v)
			goto fail;
		if (json_array_append_new(arr, v) != 0)
			goto nomem;
	}
	return arr;
nomem:
	set_err(c->err, c->errlen, "line %zu: out of memory", node_line(node));
fail:
	json_decref(arr);
	return NULL;
}

/* The key of a mapping pair as a string; NULL with err set otherwise. */
static const char *mapping_key(struct conv *c, int index)
{
	yaml_node_t *key = yaml_document_get_node(c->doc, index);

	if (!key)
		return NULL;
	if (key->type != YAML_SCALAR_NODE) {
		set_err(c->err, c->errlen, "line %zu: mapping key is not a scalar", node_line(key));
		return NULL;
	}
	if (c->seen[index - 1]) {
		set_err(c->err, c->errlen, "line %zu: aliases are not supported", node_line(key));
		return NULL;
	}
	c->seen[index - 1] = 1;
	if (strlen((const char *)key->data.scalar.value) != key->data.scalar.length) {
		set_err(c->err, c->errlen, "line %zu: mapping key contains a NUL character",
		        node_line(key));
		return NULL;
	}
	return (const char *)key->data.scalar.value;
}

static json_t *convert_mapping(struct conv *c, const yaml_node_t *node, int depth)
{
	json_t *obj = json_object();
	yaml_node_pair_t *pair;
	const char *key;
	json_t *v;

	if (!obj)
		goto nomem;
	for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		key = mapping_key(c, pair->key);
		if (!key)
			goto fail;
		if (json_object_get(obj, key)) {
			set_err(c->err, c->errlen, "line %zu: duplicate key '%s'",
			        node_line(yaml_document_get_node(c->doc, pair->key)), key);
			goto fail;
		}
		v = convert_node(c, pair->value, depth + 1,
		                 node_line(yaml_document_get_node(c->doc, pair->key)));
		if (!v)
			goto fail;
		if (json_object_set_new(obj, key, v) != 0)
			goto nomem;
	}
	return obj;
nomem:
	set_err(c->err, c->errlen, "line %zu: out of memory", node_line(node));
fail:
	json_decref(obj);
	return NULL;
}

static bool collection_tag_ok(const yaml_node_t *node)
{
	const char *tag = (const char *)node->tag;
	const char *want = node->type == YAML_MAPPING_NODE ? YAML_MAP_TAG : YAML_SEQ_TAG;

	return !tag || strcmp(tag, want) == 0;
}

/*
 * ref_line: the line that refers to the node (its key, its sequence), which
 * is where an alias to it is written.
 */
static json_t *convert_node(struct conv *c, int index, int depth, size_t ref_line)
{
	yaml_node_t *node = yaml_document_get_node(c->doc, index);

	if (!node) {
		set_err(c->err, c->errlen, "internal error: missing node %d", index);
		return NULL;
	}
	if (c->seen[index - 1]) {
		set_err(c->err, c->errlen,
		        "line %zu: aliases are not supported (the anchor is at line %zu)", ref_line,
		        node_line(node));
		return NULL;
	}
	c->seen[index - 1] = 1;
	if (depth > YAML_JSON_MAX_DEPTH) {
		set_err(c->err, c->errlen, "line %zu: nesting deeper than %d", node_line(node),
		        YAML_JSON_MAX_DEPTH);
		return NULL;
	}
	if (node->type == YAML_SCALAR_NODE)
		return convert_scalar(c, node);
	if (!collection_tag_ok(node)) {
		set_err(c->err, c->errlen, "line %zu: unsupported tag %s", node_line(node),
		        (const char *)node->tag);
		return NULL;
	}
	if (node->type == YAML_SEQUENCE_NODE)
		return convert_sequence(c, node, depth);
	return convert_mapping(c, node, depth);
}

/* ---- documents and parser ------------------------------------------- */

static void parser_error(const yaml_parser_t *p, char *err, size_t errlen)
{
	const char *problem = p->problem ? p->problem : "invalid YAML";

	if (p->error == YAML_MEMORY_ERROR)
		set_err(err, errlen, "out of memory");
	else if (p->error == YAML_READER_ERROR)
		set_err(err, errlen, "byte %zu: %s", p->problem_offset, problem);
	else if (p->context)
		set_err(err, errlen, "line %zu: %s %s (line %zu)", p->problem_mark.line + 1,
		        problem, p->context, p->context_mark.line + 1);
	else
		set_err(err, errlen, "line %zu: %s", p->problem_mark.line + 1, problem);
}

static json_t *convert_document(yaml_document_t *doc, char *err, size_t errlen)
{
	size_t nnodes = (size_t)(doc->nodes.top - doc->nodes.start);
	char dummy[1];
	struct conv c = { .doc = doc, .err = err ? err : dummy, .errlen = err ? errlen : 1 };
	json_t *v;

	c.seen = calloc(nnodes ? nnodes : 1, 1);
	if (!c.seen) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	v = convert_node(&c, 1, 0, 1);
	free(c.seen);
	return v;
}

/* Loads the only document of the stream the parser is set up on. */
static json_t *load_single(yaml_parser_t *parser, char *err, size_t errlen)
{
	yaml_document_t doc, extra;
	json_t *v = NULL;
	bool more;

	if (!yaml_parser_load(parser, &doc)) {
		parser_error(parser, err, errlen);
		return NULL;
	}
	if (!yaml_document_get_root_node(&doc)) {
		set_err(err, errlen, "line 1: no YAML document");
		goto out;
	}
	if (!yaml_parser_load(parser, &extra)) {
		parser_error(parser, err, errlen);
		goto out;
	}
	more = yaml_document_get_root_node(&extra) != NULL;
	if (more)
		set_err(err, errlen, "line %zu: more than one document", extra.start_mark.line + 1);
	yaml_document_delete(&extra);
	if (!more)
		v = convert_document(&doc, err, errlen);
out:
	yaml_document_delete(&doc);
	return v;
}

json_t *yaml_json_parse_string(const char *buf, size_t len, char *err, size_t errlen)
{
	yaml_parser_t parser;
	json_t *v;

	if (!yaml_parser_initialize(&parser)) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	v = load_single(&parser, err, errlen);
	yaml_parser_delete(&parser);
	return v;
}

json_t *yaml_json_parse_stream(FILE *in, char *err, size_t errlen)
{
	yaml_parser_t parser;
	json_t *v;

	if (!yaml_parser_initialize(&parser)) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	yaml_parser_set_input_file(&parser, in);
	v = load_single(&parser, err, errlen);
	yaml_parser_delete(&parser);
	return v;
}

json_t *yaml_json_parse_file(const char *path, char *err, size_t errlen)
{
	char inner[YAML_JSON_ERR_MAX] = "";
	FILE *in;
	json_t *v;

	in = fopen(path, "rb");
	if (!in) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	v = yaml_json_parse_stream(in, inner, sizeof(inner));
	if (!v)
		set_err(err, errlen, "%s: %s", path, inner);
	fclose(in);
	return v;
}
