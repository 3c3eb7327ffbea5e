/*
 * routes: the API's route table, the one place that says which handler
 * serves which method and path.  docs/openapi.yaml lists the same
 * operations; a test compares the two.
 */
#include "autoconfig.h"

#include "api/handlers.h"
#include "api/router.h"

const struct route api_routes[] = {
	{ HTTP_GET, "/health", handle_health, false },
	{ HTTP_GET, "/api/v1/system/status", handle_system_status, true },
	{ HTTP_GET, "/api/v1/users/me", handle_users_me, true },
	{ HTTP_GET, "/api/v1/devices", handle_devices_list, true },
	{ HTTP_GET, "/api/v1/devices/{device_name}/entity", handle_device_entity, true },
	{ HTTP_POST, "/api/v1/tasks/compile", handle_tasks_compile, true },
	{ HTTP_POST, "/api/v1/tasks/run", handle_tasks_run, true },
	{ HTTP_GET, "/api/v1/tasks", handle_tasks_list, true },
	{ HTTP_POST, "/api/v1/tasks/search", handle_tasks_search, true },
	{ HTTP_GET, "/api/v1/tasks/{task_id}", handle_task_get, true },
	{ HTTP_DELETE, "/api/v1/tasks/{task_id}", handle_task_delete, true },
	{ HTTP_GET, "/api/v1/tasks/{task_id}/status", handle_task_status, true },
	{ HTTP_GET, "/api/v1/tasks/{task_id}/log", handle_task_log, true },
	{ HTTP_GET, "/api/v1/tasks/{task_id}/result", handle_task_result, true },
	{ HTTP_POST, "/api/v1/tasks/{task_id}/cancel", handle_task_cancel, true },
};

const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);
