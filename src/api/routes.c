/*
 * routes: the API's route table, the one place that says which handler
 * serves which method and path and what input it accepts (inputs.h), and
 * the list of the handlers' statement sets.  Both are data that refer down
 * to the handler files; nothing below calls up into this file.
 * docs/openapi.yaml lists the same operations; a test compares the two.
 */
#include "autoconfig.h"

#include "api/handlers.h"
#include "api/inputs.h"
#include "api/router.h"

const struct route api_routes[] = {
	{ HTTP_GET, "/health", handle_health, false, NULL, BODY_SMALL },
	{ HTTP_GET, "/api/v1/system/status", handle_system_status, true, NULL, BODY_SMALL },
	{ HTTP_GET, "/api/v1/users/me", handle_users_me, true, NULL, BODY_SMALL },
	{ HTTP_GET, "/api/v1/devices", handle_devices_list, true, NULL, BODY_SMALL },
	{ HTTP_GET, "/api/v1/devices/{device_name}", handle_device_get, true, &input_device_name,
	  BODY_SMALL },
	{ HTTP_GET, "/api/v1/devices/{device_name}/entity", handle_device_entity, true,
	  &input_device_name, BODY_SMALL },
	{ HTTP_PUT, "/api/v1/devices/{device_name}/maintenance", handle_device_maintenance,
	  ROUTE_ADMIN, &input_device_maintenance, BODY_SMALL },
	{ HTTP_POST, "/api/v1/devices/{device_name}/session", handle_device_session, true,
	  &input_device_session, BODY_SMALL },
	{ HTTP_POST, "/api/v1/reservations", handle_reservation_create, ROUTE_ADMIN,
	  &input_reservation_create, BODY_SMALL },
	{ HTTP_GET, "/api/v1/reservations", handle_reservations_list, true,
	  &input_reservations_list, BODY_SMALL },
	{ HTTP_GET, "/api/v1/reservations/{reservation_id}", handle_reservation_get, true,
	  &input_reservation_id, BODY_SMALL },
	{ HTTP_DELETE, "/api/v1/reservations/{reservation_id}", handle_reservation_delete, true,
	  &input_reservation_id, BODY_SMALL },
	{ HTTP_POST, "/api/v1/tasks/compile", handle_tasks_compile, true, &input_tasks_compile,
	  BODY_SMALL },
	{ HTTP_POST, "/api/v1/tasks/run", handle_tasks_run, true, &input_tasks_run, BODY_CIRCUIT },
	{ HTTP_POST, "/api/v1/tasks/batch", handle_tasks_batch, true, &input_tasks_batch,
	  BODY_CIRCUIT },
	{ HTTP_GET, "/api/v1/tasks", handle_tasks_list, true, &input_tasks_list, BODY_SMALL },
	{ HTTP_POST, "/api/v1/tasks/search", handle_tasks_search, true, &input_tasks_search,
	  BODY_SMALL },
	{ HTTP_GET, "/api/v1/tasks/{task_id}", handle_task_get, true, &input_task_id, BODY_SMALL },
	{ HTTP_DELETE, "/api/v1/tasks/{task_id}", handle_task_delete, true, &input_task_id,
	  BODY_SMALL },
	{ HTTP_GET, "/api/v1/tasks/{task_id}/status", handle_task_status, true, &input_task_id,
	  BODY_SMALL },
	{ HTTP_GET, "/api/v1/tasks/{task_id}/log", handle_task_log, true, &input_task_id,
	  BODY_SMALL },
	{ HTTP_GET, "/api/v1/tasks/{task_id}/result", handle_task_result, true, &input_task_id,
	  BODY_SMALL },
	{ HTTP_POST, "/api/v1/tasks/{task_id}/cancel", handle_task_cancel, true, &input_task_id,
	  BODY_SMALL },
	{ HTTP_GET, "/metrics", handle_metrics, ROUTE_ADMIN, NULL, BODY_SMALL },
};

const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);

const struct db_statement *const api_statement_sets[] = {
	health_statements,       system_statements,
	users_statements,        devices_statements,
	tasks_create_statements, tasks_read_statements,
	tasks_modify_statements, reservations_statements,
	metrics_statements,      NULL,
};
