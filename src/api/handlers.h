/*
 * handlers: one function per operation, implemented one file per resource
 * (health.c, system.c, users.c, devices.c, tasks*.c, search.c).  A handler
 * runs after routing and authentication; it reads r->key and the path
 * parameters and answers exactly once.
 */
#ifndef ACLOUD_API_HANDLERS_H
#define ACLOUD_API_HANDLERS_H

#include "api/request.h"

void handle_health(struct request *r);
void handle_system_status(struct request *r);
void handle_users_me(struct request *r);
void handle_devices_list(struct request *r);
void handle_device_entity(struct request *r);
void handle_tasks_compile(struct request *r);
void handle_tasks_run(struct request *r);
void handle_tasks_list(struct request *r);
void handle_tasks_search(struct request *r);
void handle_task_get(struct request *r);
void handle_task_delete(struct request *r);
void handle_task_status(struct request *r);
void handle_task_log(struct request *r);
void handle_task_result(struct request *r);
void handle_task_cancel(struct request *r);

#endif
