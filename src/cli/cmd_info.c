/*
 * cmd_info: who am I and what can I use: `me`, `devices`, `entity`.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/output.h"

static void print_limit(const json_t *v)
{
	if (json_is_integer(v))
		printf(" %9lld", (long long)json_integer_value(v));
	else
		printf(" %9s", "unlimited");
}

int cmd_me(struct cli_ctx *c)
{
	struct http_resp r = { .retry_after = -1 };
	json_t *me = NULL, *limits, *l;
	size_t i;
	int code = cmd_get_json(c, "/api/v1/users/me", &r, &me);

	if (code)
		goto out;
	if (c->a->json) {
		cmd_print_body(&r);
		goto out;
	}
	printf("id:           %s\nname:         %s\nemail:        %s\nsubscription: %s\n",
	       cmd_str(me, "id"), cmd_str(me, "name"), cmd_str(me, "email"),
	       cmd_str(me, "subscription"));
	printf("admin:        %s\npriority:     %lld\n",
	       json_is_true(json_object_get(me, "admin")) ? "yes" : "no",
	       (long long)json_integer_value(json_object_get(me, "priority")));
	limits = json_object_get(me, "rate_limits");
	printf("\n%-10s %9s %9s %9s %9s\n", "CLASS", "HOURLY", "USED", "DAILY", "USED");
	json_array_foreach (limits, i, l) {
		printf("%-10s", cmd_str(l, "device_class"));
		print_limit(json_object_get(l, "hourly_limit"));
		print_limit(json_object_get(l, "hourly_used"));
		print_limit(json_object_get(l, "daily_limit"));
		print_limit(json_object_get(l, "daily_used"));
		putchar('\n');
	}
out:
	json_decref(me);
	http_resp_free(&r);
	return code;
}

int cmd_devices(struct cli_ctx *c)
{
	struct http_resp r = { .retry_after = -1 };
	json_t *list = NULL, *d;
	size_t i;
	int code = cmd_get_json(c, "/api/v1/devices", &r, &list);

	if (code)
		goto out;
	if (c->a->json) {
		cmd_print_body(&r);
		goto out;
	}
	printf("%-20s %-10s %-9s %s\n", "NAME", "TYPE", "AVAILABLE", "QUEUE");
	json_array_foreach (list, i, d) {
		printf("%-20s %-10s %-9s %lld\n", cmd_str(d, "name"), cmd_str(d, "type"),
		       json_is_true(json_object_get(d, "available")) ? "yes" : "no",
		       (long long)json_integer_value(json_object_get(d, "queue_length")));
	}
out:
	json_decref(list);
	http_resp_free(&r);
	return code;
}

int cmd_entity(struct cli_ctx *c)
{
	struct http_resp r = { .retry_after = -1 };
	char seg[200], path[300];
	const char *out = c->a->output;
	int code;

	if (http_segment(seg, sizeof seg, c->a->pos[0]) < 0) {
		fprintf(stderr, "acloud: device name too long\n");
		return CLI_USAGE;
	}
	if ((!out || !strcmp(out, "-")) && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "acloud: the entity is binary: write it to a file with -o FILE\n");
		return CLI_USAGE;
	}
	snprintf(path, sizeof path, "/api/v1/devices/%s/entity", seg);
	code = cmd_call(c, "GET", path, NULL, &r);
	if (!code && cli_write_file(out, r.body, r.len) < 0) {
		fprintf(stderr, "acloud: %s: %s\n", out ? out : "stdout", strerror(errno));
		code = CLI_USAGE;
	}
	http_resp_free(&r);
	return code;
}
