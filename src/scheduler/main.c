/*
 * acloud-scheduler: turns queued tasks into results.
 *
 *   acloud-scheduler [-c /etc/acloud/acloud.yml] [--name NAME] [-v]
 *
 * Start-up only: arguments, configuration, identity, signals; then the loop
 * (loop.c) runs until SIGTERM.  Exit status 0 after a clean stop, 1 when the
 * configuration cannot be loaded, 2 on a usage error.
 */
#include "autoconfig.h"

#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "scheduler/sched.h"

#define DEFAULT_CONFIG ACLOUD_SYSCONFDIR "/acloud.yml"

/* Every module's statements, prepared on each new connection. */
static const struct db_statement *const sched_statement_sets[] = {
	exec_statements,     claim_statements,  store_statements,
	registry_statements, rescue_statements, NULL,
};

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: acloud-scheduler [-c CONFIG] [--name NAME] [-v]\n"
	        "  -c, --config FILE  acloud.yml (default %s)\n"
	        "  -n, --name NAME    scheduler name in tasks.claimed_by (default: host name)\n"
	        "  -v, --verbose      debug logging\n",
	        DEFAULT_CONFIG);
}

static int parse_args(int argc, char **argv, const char **config, const char **name)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "name", required_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:n:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			*config = optarg;
			break;
		case 'n':
			*name = optarg;
			break;
		case 'v':
			log_set_level(LOG_DEBUG_LEVEL);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* The directory of our own binary: the compilers live there. */
static char *find_exe_dir(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return NULL;
	self[n] = '\0';
	return strdup(dirname(self));
}

static int make_identity(struct sched *s, const char *name)
{
	char host[256];

	if (name == NULL) {
		if (gethostname(host, sizeof(host)) != 0)
			snprintf(host, sizeof(host), "scheduler");
		host[sizeof(host) - 1] = '\0';
		name = host;
	}
	if (strlen(name) > 100 || strchr(name, '/') != NULL) {
		fprintf(stderr, "acloud-scheduler: --name: at most 100 characters, no '/'\n");
		return -1;
	}
	snprintf(s->me, sizeof(s->me), "%s/%d.%lx", name, (int)getpid(), (unsigned long)time(NULL));
	return 0;
}

static int setup_signals(struct sched *s)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return s->sigfd < 0 ? -1 : 0;
}

static int load_config(struct sched *s, struct devices_config **devs)
{
	char err[CONFIG_ERR_MAX];

	if (app_config_load(s->config_path, &s->app, err) != CONFIG_OK) {
		log_error("%s", err);
		return -1;
	}
	if (devices_config_load(s->app->devices_path, devs, err) != CONFIG_OK) {
		log_error("%s", err);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct sched s;
	struct devices_config *devs = NULL;
	const char *name = NULL;
	int rc = 1;

	log_init("acloud-scheduler");
	s.config_path = DEFAULT_CONFIG;
	s.sigfd = -1;
	if (parse_args(argc, argv, &s.config_path, &name) != 0)
		return 2;
	if (make_identity(&s, name) != 0)
		return 2;
	if (load_config(&s, &devs) != 0)
		goto out;
	s.exe_dir = find_exe_dir();
	s.session.me = s.me;
	s.env = (struct exec_env){ .session = &s.session, .me = s.me, .exe_dir = s.exe_dir };
	if (setup_signals(&s) != 0)
		goto out;
	if (db_init(&s.session.db, s.app->database, "acloud-scheduler", sched_statement_sets) !=
	    DB_OK)
		goto out;
	if (registry_apply(&s, devs) != 0)
		goto out;
	devs = NULL;
	log_info("started as %s: %zu devices", s.me, s.devs->n_devices);
	rc = sched_run(&s) == 0 ? 0 : 1;
out:
	if (devs != NULL)
		devices_config_free(devs);
	registry_free(&s);
	db_close(&s.session.db);
	if (s.app != NULL)
		app_config_free(s.app);
	free(s.exe_dir);
	if (s.sigfd >= 0)
		close(s.sigfd);
	return rc;
}
