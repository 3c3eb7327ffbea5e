/*
 * fields: a request's input typed before its handler runs, after kcgi's
 * validators and field map.  Each route declares what it accepts (struct
 * input_spec: path parameter types, query parameters, the body's schema);
 * the dispatcher runs fields_validate() over the untrusted request, which
 * either fills a struct field_map with parsed values or answers the
 * client (422 with FastAPI's items, or 404 for a path name that cannot
 * exist).  So every input error comes from here, and a handler reads
 * typed values and does only the checks that need the database or
 * several fields together.
 */
#ifndef ACLOUD_API_FIELDS_H
#define ACLOUD_API_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "api/request.h"

#define FIELDS_QUERY_MAX           6
#define FIELDS_TEXT_MAX            64
#define FIELDS_BODY_MAX            12
#define FIELDS_IDEMPOTENCY_KEY_MAX 255

enum field_type {
	FIELD_STRING,      /* body: a string of at most max_len characters, no NUL */
	FIELD_NUMBER,      /* body: a finite number in (gt, le]; else def_num */
	FIELD_INTEGER,     /* body or query: an integer in [min, max]; else def_int */
	FIELD_ENUM,        /* body: one of choices; the value is its index */
	FIELD_UUID,        /* path, or body string of at most max_len: a UUID */
	FIELD_NAME,        /* path: [A-Za-z0-9_.-]{1,64}, else 404 not_found; query: else 422 */
	FIELD_DATETIME,    /* body string or query: ISO 8601, as epoch seconds in .number */
	FIELD_BOOL,        /* body: true or false, in .integer */
	FIELD_STRING_LIST, /* body: a list of at most max_items strings of max_len (and,
	                      with charset, of at least min_len from charset) */
	FIELD_ENUM_LIST,   /* body: a list of at most max_items of choices */
	FIELD_OBJECT_LIST, /* body: min_items..max_items objects, each read by `items` */
	FIELD_CUSTOM,      /* body: the spec's own validator reads the key */
	FIELD_CHECK,       /* body, no key: a check over the fields before it */
};

struct field_item;

/* One parsed value; a field that is absent (or invalid) keeps its default
 * and present == false. */
struct field_value {
	bool present;
	const char *str; /* FIELD_STRING, FIELD_NAME: borrowed, or .text of a query name */
	char text[FIELDS_TEXT_MAX + 1]; /* FIELD_NAME in the query: the decoded value */
	char uuid[37];                  /* FIELD_UUID: lower-case */
	long long integer;              /* FIELD_INTEGER; FIELD_ENUM: the index */
	double number;                  /* FIELD_NUMBER */
	json_t *json;                   /* lists, custom values: borrowed from the body */
	struct field_item *items;       /* FIELD_OBJECT_LIST: n_items, owned by the map */
	size_t n_items;
};

/* One object of a FIELD_OBJECT_LIST: its values by the slots of its schema. */
struct field_item {
	struct field_value v[FIELDS_BODY_MAX];
};

/* What a handler receives: values by the slot its route declared. */
struct field_map {
	struct field_value path[REQUEST_MAX_PATH_PARAMS];
	struct field_value query[FIELDS_QUERY_MAX];
	struct field_value body[FIELDS_BODY_MAX];
	json_t *json;                /* the parsed body, owned; NULL when the route takes none */
	const char *idempotency_key; /* the checked header, borrowed; NULL when absent */
};

struct field_spec;
/*
 * A route's own validator (FIELD_CUSTOM, FIELD_CHECK): reads `body`, adds
 * items to `errors`, fills slots of `values` (the body slots).  It may
 * look at the caller (r->key, r->ctx) but never at the database.
 */
typedef void (*field_validator)(const struct request *r, const struct field_spec *spec,
                                json_t *body, struct field_value *values, json_t *errors);

struct field_spec {
	const char *name; /* key, query name or path parameter; NULL for FIELD_CHECK */
	enum field_type type;
	bool required;
	bool one_of; /* one of the body schema's alternatives (see below) */
	size_t max_len;
	size_t max_items;
	size_t min_items, min_len;
	const char *charset;             /* FIELD_STRING_LIST: the characters allowed */
	const char *pattern;             /* its regular expression, for the message */
	const struct body_schema *items; /* FIELD_OBJECT_LIST */
	long long min, max, def_int;
	double gt, le, def_num;
	const char *const *choices; /* NULL-terminated */
	const char *not_found;      /* FIELD_NAME: the 404 detail */
	field_validator validate;   /* FIELD_CUSTOM, FIELD_CHECK */
};

/*
 * A JSON object body.  Keys not named by a field are "extra_forbidden".
 * The fields are read in order, every problem collected.  When the rest is
 * clean, exactly one of the `one_of` fields must be given (else
 * `one_of_msg`), and that one is then read.
 */
struct body_schema {
	const struct field_spec *fields;
	size_t n_fields;
	bool optional; /* an empty body reads as {} */
	const char *one_of_msg;
};

/* What a route accepts.  Path parameters in the order of the pattern;
 * path and query stop at the first bad value, as they always have. */
struct input_spec {
	const struct field_spec *path;
	size_t n_path;
	const struct field_spec *query;
	size_t n_query;
	const struct body_schema *body;
	bool idempotent; /* takes an Idempotency-Key header */
};

/* Why a request was refused: the status and the whole response body. */
struct field_failure {
	int status;
	json_t *body; /* {"detail": ...}, owned */
};

/*
 * Checks the request against `spec` (NULL: accepts anything) and fills
 * `map`.  Pure (answers nobody): true, or false with `fail` filled.
 * The caller frees `map` with field_map_free() either way.
 */
bool fields_read(const struct request *r, const struct input_spec *spec, struct field_map *map,
                 struct field_failure *fail);
/* fields_read(), answering the client when the request is refused. */
bool fields_validate(struct request *r, const struct input_spec *spec, struct field_map *map);
void field_map_free(struct field_map *map);

/* The list readers, for a custom validator that prepares a list first. */
void fields_read_list(json_t *body, const struct field_spec *spec, struct field_value *out,
                      json_t *errors);

#endif
