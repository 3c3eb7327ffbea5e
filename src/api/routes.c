/*
 * routes: the API's route table, the one place that says which handler
 * serves which method and path.  docs/openapi.yaml lists the same
 * operations; a test compares the two.
 */
#include "autoconfig.h"

#include "api/handlers.h"
#include "api/router.h"

const struct route api_routes[] = {
	{ HTTP_GET,    "/health",                               handle_health,         false },
	{ HTTP_GET,    "/api/v1/system/status",                 handle_system_status,  true },
	{ HTTP_GET,    "/api/v1/users/me",                      handle_users_me,       true },
	{ HTTP_GET,    "/api/v1/devices",                       handle_devices_list,   true },
	{ HTTP_GET,    "/api/v1/devices/{device_name}/entity",  handle_device_entity,  true },
};

const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);
