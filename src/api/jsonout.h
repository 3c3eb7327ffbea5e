/*
 * jsonout: small helpers that turn database text values into JSON values
 * with the right type (NULL column → null).
 */
#ifndef ACLOUD_API_JSONOUT_H
#define ACLOUD_API_JSONOUT_H

#include <jansson.h>
#include <libpq-fe.h>

json_t *json_string_or_null(const char *s);
/* Column `col` of row `row` as string / integer / real / boolean, or null. */
json_t *pg_json_string(const PGresult *res, int row, int col);
json_t *pg_json_integer(const PGresult *res, int row, int col);
json_t *pg_json_real(const PGresult *res, int row, int col);
json_t *pg_json_bool(const PGresult *res, int row, int col);

#endif
