/*
 * yaml_json: converts one YAML document into a jansson value.
 *
 * Owns the mapping from YAML (read with libyaml's document API) to JSON:
 *
 *   mapping   -> object (keys must be scalars; order kept; duplicates rejected)
 *   sequence  -> array
 *   scalar    -> quoted and block scalars stay strings; plain scalars are
 *                resolved with the YAML 1.2 core schema: null, ~ and the empty
 *                scalar are null; true/false (also True, TRUE, ...) are
 *                booleans; decimal, 0o octal and 0x hex integers are integers;
 *                decimal floats are reals; everything else is a string.
 *                The explicit tags !!int, !!float, !!bool and !!null demand
 *                that type; !!str (libyaml cannot tell it from no tag) does
 *                not, so quote a plain scalar that must stay a string.  Any
 *                other tag is an error.
 *
 * To stay simple and bounded it rejects aliases (a node reached twice), more
 * than one document in the stream, .inf/.nan (JSON cannot hold them),
 * integers outside 64 bits, and nesting deeper than YAML_JSON_MAX_DEPTH.
 * Errors go to `err` as "line N: reason" (1-based line of the input).
 *
 * The caller owns the returned reference (json_decref).
 */
#ifndef ACLOUD_YAML_JSON_H
#define ACLOUD_YAML_JSON_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#define YAML_JSON_MAX_DEPTH 128
#define YAML_JSON_ERR_MAX   256

/* Converts the YAML text buf[0..len); NULL on error with `err` filled. */
json_t *yaml_json_parse_string(const char *buf, size_t len, char *err, size_t errlen);

/* Converts the YAML read from an open stream (not closed); as above. */
json_t *yaml_json_parse_stream(FILE *in, char *err, size_t errlen);

/* Converts the YAML file at path; errors are prefixed with "path:". */
json_t *yaml_json_parse_file(const char *path, char *err, size_t errlen);

#endif
