/*
 * tasks_view: the JSON shapes of a task (TaskSummary, the search item,
 * TaskDetails) built from rows whose leading columns are TASK_SUMMARY_COLS.
 * One definition shared by the list, the detail view and the search.
 */
#ifndef ACLOUD_API_TASKS_VIEW_H
#define ACLOUD_API_TASKS_VIEW_H

#include <jansson.h>
#include <libpq-fe.h>

#define TASK_SUMMARY_COLS                                                                 \
	"t.id, t.type::text, t.state::text, t.name, t.device_name, t.device_class::text," \
	" iso_utc(t.created_at), iso_utc(t.updated_at), t.user_id, array_to_string(t.tags, ',')"
#define TASK_SUMMARY_NCOLS 10

/* Access rule in SQL: $2 is the caller's id, $3 whether the caller is admin. */
#define TASK_VISIBLE "(t.user_id = $2 OR $3::boolean)"

json_t *task_summary_from_row(const PGresult *res, int row, int with_user_id);

#endif
