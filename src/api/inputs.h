/*
 * inputs: what each route accepts, declared as data for fields.c: the
 * path parameter types, the query parameters and the body schemas, with
 * the slots a handler reads its values from.  The validators that only
 * this API has (a circuit, an APB upload, the search's user ids and time
 * window) live here too; none of them touches the database.
 */
#ifndef ACLOUD_API_INPUTS_H
#define ACLOUD_API_INPUTS_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "api/fields.h"

/* The longest compile source (bytes); its route reads a body this much
 * larger than the small-body limit (router.h). */
#define INPUT_SOURCE_MAX_BYTES (1024 * 1024)

/* /api/v1/tasks/{task_id}...: path[0].uuid */
extern const struct input_spec input_task_id;
/* /api/v1/devices/{device_name}/entity: path[0].str */
extern const struct input_spec input_device_name;

/* GET /api/v1/tasks */
enum {
	LIST_LIMIT,
	LIST_OFFSET
};
extern const struct input_spec input_tasks_list;

/* POST /api/v1/tasks/compile */
enum {
	COMPILE_BACKEND,
	COMPILE_SOURCE,
	COMPILE_NAME
};
extern const struct input_spec input_tasks_compile;

/* POST /api/v1/tasks/run: exactly one circuit source; a circuit or an
 * APB upload carries its measured channel count in .integer. */
enum {
	RUN_DEVICE_NAME,
	RUN_CIRCUIT,
	RUN_CIRCUIT_APB,
	RUN_COMPILE_TASK_ID,
	RUN_OP_TIME,
	RUN_SAMPLE_RATE,
	RUN_NAME
};
extern const struct input_spec input_tasks_run;

/* POST /api/v1/tasks/search: lists in .json (user_id only for admins, with
 * API keys mapped to their ids); from/to as epoch seconds in .number. */
enum {
	SEARCH_USER_ID,
	SEARCH_DEVICE_NAME,
	SEARCH_DEVICE_CLASS,
	SEARCH_TYPE,
	SEARCH_STATE,
	SEARCH_FROM,
	SEARCH_TO,
	SEARCH_WINDOW,
	SEARCH_LIMIT,
	SEARCH_OFFSET
};
extern const struct input_spec input_tasks_search;

/* The device classes in the order of enum device_class. */
extern const char *const input_class_names[];

/*
 * Loads an APB circuit and counts its measured channels; on failure adds
 * a value_error at ["body", field] and returns -1.  For uploads and for
 * the APB of a compile task a run names.
 */
int input_check_apb(const uint8_t *apb, size_t len, const char *field, int *channels,
                    json_t *errors);

#endif
