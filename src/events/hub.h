/*
 * hub: acloud-events' one epoll loop: the listening unix socket, the
 * subscribers, the PostgreSQL LISTEN connection, a one-second timer
 * (keep-alive comments, reconnecting) and a signalfd (SIGHUP reloads
 * acloud.yml and auth.yml; SIGTERM/SIGINT stop).  See docs/architecture.md
 * ("Live events") for why a process of its own.
 */
#ifndef ACLOUD_EVENTS_HUB_H
#define ACLOUD_EVENTS_HUB_H

struct hub_options {
	const char *config_path;
	const char *socket_path; /* NULL: events.sock beside the API's socket */
	int keepalive_s;
};

/* Runs until SIGTERM/SIGINT; the exit status. */
int hub_run(const struct hub_options *opt);

#endif
