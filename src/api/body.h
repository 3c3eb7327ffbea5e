/*
 * body: the JSON request body and its fields, read by the validators of
 * fields.c before a handler runs.  Every problem becomes a FastAPI-shaped validation item
 * ({"loc": ["body", field], "msg", "type"}) collected in one list, so a
 * client sees all of its mistakes at once.
 */
#ifndef ACLOUD_API_BODY_H
#define ACLOUD_API_BODY_H

#include <stdbool.h>
#include <jansson.h>

#define BODY_MAX_DEPTH 32

/* Parses a body as a JSON object; returns NULL after adding an item to
 * `errors` when it is missing, not JSON, too deep or not an object, or
 * with *too_many set (no item) when it holds more than `max_values`
 * values (jsonscan.h), which the caller answers with 413. */
json_t *body_parse_object(const char *text, size_t len, size_t max_values, bool *too_many,
                          json_t *errors);

/* Nesting depth of a JSON text, or -1 for unbalanced brackets. Pure. */
int json_text_depth(const char *text, size_t len);

/* Field readers: true when the field is present and valid; absent fields
 * are fine unless `required` (then "missing").  Bad values add an item. */
bool body_string(json_t *obj, const char *key, bool required, size_t max_len, const char **out,
                 json_t *errors);
bool body_number(json_t *obj, const char *key, double gt, double le, double *out, json_t *errors);
bool body_integer(json_t *obj, const char *key, long long ge, long long le, long long *out,
                  json_t *errors);
/* One of `choices` (NULL-terminated); returns its index or -1. */
int body_enum(json_t *obj, const char *key, bool required, const char *const *choices,
              json_t *errors);

json_t *body_loc(const char *key);

#endif
