/*
 * handlers: one function per operation, implemented one file per resource
 * (health.c, system.c, users.c, devices.c, reservations.c, tasks*.c,
 * search.c, prometheus.c), and the
 * prepared statements of each file, kept beside the handlers that run
 * them.  A handler runs after routing, authentication and input
 * validation: it reads r->key and its route's parsed values from `in`
 * (slots in inputs.h), does the checks that need the database or several
 * fields together, and answers exactly once.  Handler files call down
 * only (stmt, fields' values, response, views); the route table and the
 * list of statement sets that refer to them live above them in routes.c.
 */
#ifndef ACLOUD_API_HANDLERS_H
#define ACLOUD_API_HANDLERS_H

#include "api/fields.h"
#include "api/request.h"
#include "db/db.h"

void handle_health(struct request *r, const struct field_map *in);
void handle_system_status(struct request *r, const struct field_map *in);
void handle_users_me(struct request *r, const struct field_map *in);
void handle_devices_list(struct request *r, const struct field_map *in);
void handle_device_entity(struct request *r, const struct field_map *in);
void handle_device_get(struct request *r, const struct field_map *in);
void handle_device_maintenance(struct request *r, const struct field_map *in);
void handle_device_session(struct request *r, const struct field_map *in);
void handle_reservation_create(struct request *r, const struct field_map *in);
void handle_reservations_list(struct request *r, const struct field_map *in);
void handle_reservation_get(struct request *r, const struct field_map *in);
void handle_reservation_delete(struct request *r, const struct field_map *in);
void handle_metrics(struct request *r, const struct field_map *in);
void handle_tasks_compile(struct request *r, const struct field_map *in);
void handle_tasks_run(struct request *r, const struct field_map *in);
void handle_tasks_batch(struct request *r, const struct field_map *in);
void handle_tasks_list(struct request *r, const struct field_map *in);
void handle_tasks_search(struct request *r, const struct field_map *in);
void handle_task_get(struct request *r, const struct field_map *in);
void handle_task_delete(struct request *r, const struct field_map *in);
void handle_task_status(struct request *r, const struct field_map *in);
void handle_task_log(struct request *r, const struct field_map *in);
void handle_task_result(struct request *r, const struct field_map *in);
void handle_task_cancel(struct request *r, const struct field_map *in);

/* Each file's statements (NULL-terminated sets), prepared by every worker
 * on every new connection through api_statement_sets (routes.c). */
extern const struct db_statement health_statements[];
extern const struct db_statement system_statements[];
extern const struct db_statement users_statements[];
extern const struct db_statement devices_statements[];
extern const struct db_statement tasks_create_statements[];
extern const struct db_statement tasks_read_statements[];
extern const struct db_statement tasks_modify_statements[];
extern const struct db_statement reservations_statements[];
extern const struct db_statement metrics_statements[];

#endif
