/*
 * acloud-events: entry point.  Serves the task event streams
 * (GET /api/v1/tasks/{task_id}/events, GET /api/v1/events) to nginx over
 * a unix socket, so that no API worker is held by a subscriber.
 */
#include "autoconfig.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"
#include "events/http.h"
#include "events/hub.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: acloud-events [-c CONFIG] [-s SOCKET] [-k SECONDS] [-r]\n"
	        "  -c CONFIG   acloud.yml (default: $ACLOUD_CONFIG or %s/acloud.yml)\n"
	        "  -s SOCKET   unix socket to serve on (default: events.sock in the\n"
	        "              directory of the API's socket)\n"
	        "  -k SECONDS  keep-alive comment interval (default 15)\n"
	        "  -r          print the routes (METHOD PATTERN) and exit\n",
	        ACLOUD_SYSCONFDIR);
}

int main(int argc, char **argv)
{
	struct hub_options opt = { getenv("ACLOUD_CONFIG"), NULL, 15 };
	int c;

	log_init("acloud-events");
	if (opt.config_path == NULL)
		opt.config_path = ACLOUD_SYSCONFDIR "/acloud.yml";
	while ((c = getopt(argc, argv, "c:s:k:rh")) != -1) {
		switch (c) {
		case 'c':
			opt.config_path = optarg;
			break;
		case 's':
			opt.socket_path = optarg;
			break;
		case 'k':
			opt.keepalive_s = atoi(optarg);
			if (opt.keepalive_s < 1 || opt.keepalive_s > 3600) {
				usage(stderr);
				return 2;
			}
			break;
		case 'r':
			for (size_t i = 0; http_route_patterns[i]; i++)
				printf("%s\n", http_route_patterns[i]);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	return hub_run(&opt);
}
