/*
 * main: `acloud`, the command-line client of the Analog Cloud API.  Parses
 * the command line, resolves the connection, runs one command and exits
 * with its code (see acloud(1) for the codes and the commands).
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cmd.h"
#include "cli/config.h"

static const char usage_text[] =
	"usage: acloud [options] COMMAND [args]\n"
	"\n"
	"  me | devices | entity DEVICE -o FILE\n"
	"  compile FILE|- --backend LUCIDAC|REDAC [--wait] [-o out.apb] [--name N]\n"
	"  run FILE|--compile-task ID --device D [--op-time S] [--sample-rate HZ]\n"
	"      [--name N] [--wait] [--format csv|json] [-o FILE]\n"
	"  status ID | wait ID... [--timeout S] | log ID [--follow]\n"
	"  result ID [--format csv|json] [-o FILE]\n"
	"  tasks [--limit N] [--offset N]\n"
	"  search [--state S]... [--device D]... [--type T] [--since T] [--until T]\n"
	"  cancel ID... | delete ID...\n"
	"  config set NAME VALUE | config set key < FILE | config unset NAME | config show\n"
	"\n"
	"options: --url URL  --key-file FILE  --cacert FILE  -k/--insecure  -p/--profile NAME\n"
	"         --json  -q/--quiet  -h/--help  --version\n"
	"environment: ACLOUD_URL (default " CLI_DEFAULT_URL "), ACLOUD_KEY, ACLOUD_CA_FILE,\n"
	"         ACLOUD_PROFILE\n"
	"exit codes: 0 success, 1 task failed/cancelled, 2 usage, 3 key, 4 not found,\n"
	"         5 rate limited, 6 server or network error.  See man acloud.\n";

static int dispatch(struct cli_ctx *c)
{
	switch (c->a->cmd) {
	case CMD_ME:
		return cmd_me(c);
	case CMD_DEVICES:
		return cmd_devices(c);
	case CMD_ENTITY:
		return cmd_entity(c);
	case CMD_COMPILE:
		return cmd_compile(c);
	case CMD_RUN:
		return cmd_run(c);
	case CMD_STATUS:
		return cmd_status(c);
	case CMD_WAIT:
		return cmd_wait(c);
	case CMD_LOG:
		return cmd_log(c);
	case CMD_RESULT:
		return cmd_result(c);
	case CMD_TASKS:
		return cmd_tasks(c);
	case CMD_SEARCH:
		return cmd_search(c);
	case CMD_CANCEL:
		return cmd_cancel(c);
	case CMD_DELETE:
		return cmd_delete(c);
	default:
		return CLI_USAGE;
	}
}

/* Commands that talk to the server. */
static int with_server(const struct cli_args *a)
{
	struct cli_conn conn;
	struct http_client h;
	struct cli_ctx c = { .a = a, .h = &h };
	char err[512] = "";
	int code = cli_resolve_conn(a, &conn, err, sizeof err);

	if (code) {
		fprintf(stderr, "acloud: %s\n", err);
		return code;
	}
	if (!conn.key) {
		fprintf(stderr, "acloud: no API key: set ACLOUD_KEY, use --key-file FILE, or "
		                "`acloud config set key < FILE`\n");
		cli_conn_free(&conn);
		return CLI_AUTH;
	}
	if (http_init(&h, &conn, a->quiet) < 0) {
		fprintf(stderr, "acloud: cannot initialise libcurl\n");
		code = CLI_SERVER;
	} else {
		code = dispatch(&c);
	}
	http_cleanup(&h);
	cli_conn_free(&conn);
	return code;
}

int main(int argc, char **argv)
{
	struct cli_args a;
	char err[512];
	int code = cli_parse_args(argc, argv, &a, err, sizeof err);

	if (code) {
		fprintf(stderr, "acloud: %s\n%s", err, usage_text);
		return code;
	}
	switch (a.cmd) {
	case CMD_HELP:
		fputs(usage_text, stdout);
		return 0;
	case CMD_VERSION:
		printf("acloud %s\n", PACKAGE_VERSION);
		return 0;
	case CMD_CONFIG:
		return cmd_config(&a);
	default:
		return with_server(&a);
	}
}
