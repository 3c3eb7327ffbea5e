/*
 * acloud-api: entry point.  Loads and validates the configuration (an
 * invalid file stops the start with the file and line), then hands over to
 * the prefork master.
 */
#include "autoconfig.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "api/context.h"
#include "api/master.h"
#include "api/metrics.h"
#include "api/router.h"
#include "common/log.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: acloud-api [-c CONFIG] [-w WORKERS] [-t]\n"
	        "  -c CONFIG   acloud.yml (default: $ACLOUD_CONFIG or %s/acloud.yml)\n"
	        "  -w WORKERS  number of worker processes (default: from the config)\n"
	        "  -t          check the configuration and exit\n"
	        "  -r          print the route table (METHOD PATTERN) and exit\n"
	        "Listens on fd 0 or systemd's fd 3 when given a listening socket there,\n"
	        "else on the TCP address (api.listen) or unix socket (api.socket) of the config.\n",
	        ACLOUD_SYSCONFDIR);
}

static int default_workers(int configured)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	if (configured > 0)
		return configured;
	return cores > 2 ? (int)cores : 2;
}

int main(int argc, char **argv)
{
	const char *config_path = getenv("ACLOUD_CONFIG");
	struct api_context ctx;
	char err[CONFIG_ERR_MAX];
	int workers = 0, check_only = 0, opt, status;

	log_init("acloud-api");
	if (config_path == NULL)
		config_path = ACLOUD_SYSCONFDIR "/acloud.yml";
	while ((opt = getopt(argc, argv, "c:w:thr")) != -1) {
		switch (opt) {
		case 'r':
			for (size_t i = 0; i < api_routes_count; i++)
				printf("%s %s\n", http_method_name(api_routes[i].method),
				       api_routes[i].pattern);
			return 0;
		case 'c':
			config_path = optarg;
			break;
		case 'w':
			workers = atoi(optarg);
			break;
		case 't':
			check_only = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (context_load(&ctx, config_path, api_statement_sets, err) != CONFIG_OK) {
		log_error("%s", err);
		return 1;
	}
	if (check_only) {
		printf("configuration ok\n");
		context_free(&ctx);
		return 0;
	}
	if (metrics_init(api_routes, api_routes_count) != 0)
		log_warn("no shared memory for the request metrics; GET /metrics will lack them");
	status = master_run(&ctx, default_workers(workers > 0 ? workers : ctx.app->api_workers));
	context_free(&ctx);
	return status;
}
