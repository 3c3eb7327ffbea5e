/*
 * tasks_view: row-to-JSON for the task views.
 */
#include "autoconfig.h"

#include "api/jsonout.h"
#include "api/tasks_view.h"

#include <string.h>

/* The tags column (joined by ',', which no tag contains) as a list. */
static json_t *tags_from_row(const PGresult *res, int row, int col)
{
	json_t *tags = json_array();
	const char *s = PQgetvalue(res, row, col);

	while (tags != NULL && *s != '\0') {
		size_t len = strcspn(s, ",");

		json_array_append_new(tags, json_stringn(s, len));
		s += len + (s[len] == ',');
	}
	return tags;
}

json_t *task_summary_from_row(const PGresult *res, int row, int with_user_id)
{
	json_t *summary = json_pack(
		"{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id", pg_json_string(res, row, 0), "type",
		pg_json_string(res, row, 1), "state", pg_json_string(res, row, 2), "name",
		pg_json_string(res, row, 3), "device_name", pg_json_string(res, row, 4),
		"device_class", pg_json_string(res, row, 5), "created_at",
		pg_json_string(res, row, 6), "updated_at", pg_json_string(res, row, 7));

	if (summary != NULL)
		json_object_set_new(summary, "tags", tags_from_row(res, row, 9));
	if (summary != NULL && with_user_id)
		json_object_set_new(summary, "user_id", pg_json_string(res, row, 8));
	return summary;
}
