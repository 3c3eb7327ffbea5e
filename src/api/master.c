/*
 * master: worker supervision.  The master itself never touches the
 * database or a request; it only forks, waits and forwards signals, so
 * there is little in it that can fail.
 */
#include "autoconfig.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "api/master.h"
#include "api/worker.h"
#include "common/log.h"

#define MAX_WORKERS  1024 /* the config allows up to 1024 */
#define STOP_GRACE_S 10

static volatile sig_atomic_t got_term, got_hup, got_chld;

struct worker_slot {
	pid_t pid;
	time_t started;
};

static void on_master_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGCHLD)
		got_chld = 1;
	else
		got_term = 1;
}

static int is_listening_socket(int fd)
{
	struct stat st;
	int listening = 0;
	socklen_t len = sizeof(listening);

	if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0)
		return 0;
	return listening;
}

int master_inherited_socket(void)
{
	const char *pid = getenv("LISTEN_PID");
	const char *fds = getenv("LISTEN_FDS");

	if (pid && fds && atol(pid) == (long)getpid() && atoi(fds) >= 1 && is_listening_socket(3))
		return 3;
	if (is_listening_socket(0))
		return 0;
	return -1;
}

static int open_unix_socket(const char *path, int backlog, int *created)
{
	int fd;

	*created = 0;
	unlink(path);
	fd = FCGX_OpenSocket(path, backlog);
	if (fd < 0) {
		log_error("cannot listen on %s: %s", path, strerror(errno));
		return -1;
	}
	/* Access is controlled by the directory the socket lives in; the
	 * socket itself must be writable by the web server's user. */
	chmod(path, 0666);
	*created = 1;
	return fd;
}

/* A TCP socket bound to the first address of HOST that binds; IPv4 and
 * IPv6 alike (libfcgi's own TCP code knows only IPv4).  The backlog bounds
 * how many connections wait for a worker: when it is full the kernel drops
 * new SYNs, nginx's connect times out and it tries the next API host. */
static int open_tcp_socket(const char *host, int port, int backlog)
{
	struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICSERV,
		                  .ai_family = AF_UNSPEC,
		                  .ai_socktype = SOCK_STREAM };
	struct addrinfo *list, *ai;
	char service[8];
	int fd = -1, one = 1, rc;

	snprintf(service, sizeof(service), "%d", port);
	rc = getaddrinfo(host, service, &hints, &list);
	if (rc != 0) {
		log_error("cannot listen on %s:%d: %s", host, port, gai_strerror(rc));
		return -1;
	}
	for (ai = list; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, backlog) != 0) {
			rc = errno;
			close(fd);
			fd = -1;
			errno = rc;
		}
	}
	freeaddrinfo(list);
	if (fd < 0)
		log_error("cannot listen on %s:%d: %s", host, port, strerror(errno));
	return fd;
}

/* The socket acloud.yml names: `api.listen` (TCP) when set, else
 * `api.socket` (created here, removed at exit). */
static int open_configured_socket(const struct app_config *app, char *where, size_t size,
                                  int *created)
{
	*created = 0;
	if (app->api_listen_host == NULL) {
		snprintf(where, size, "%s", app->api_socket);
		return open_unix_socket(app->api_socket, app->api_backlog, created);
	}
	snprintf(where, size, strchr(app->api_listen_host, ':') ? "[%s]:%d" : "%s:%d",
	         app->api_listen_host, app->api_listen_port);
	return open_tcp_socket(app->api_listen_host, app->api_listen_port, app->api_backlog);
}

static pid_t spawn_worker(int listen_fd, struct api_context *ctx)
{
	pid_t pid = fork();

	if (pid == 0) {
		sigset_t none;

		log_after_fork();
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		_exit(worker_run(listen_fd, ctx));
	}
	if (pid < 0)
		log_error("fork failed: %s", strerror(errno));
	return pid;
}

static void signal_workers(struct worker_slot *slots, int n, int sig)
{
	for (int i = 0; i < n; i++)
		if (slots[i].pid > 0)
			kill(slots[i].pid, sig);
}

/* Reaps dead workers and starts new ones; a worker that dies within a
 * second of its start is restarted only after a pause, so a worker that
 * cannot start does not turn into a fork loop. */
static void reap_and_respawn(struct worker_slot *slots, int n, int listen_fd,
                             struct api_context *ctx)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < n; i++) {
			if (slots[i].pid != pid)
				continue;
			slots[i].pid = 0;
			if (got_term)
				break;
			if (WIFEXITED(status) && WEXITSTATUS(status) == WORKER_EXIT_RSS)
				log_info(
					"worker %d left over reload_on_rss_mb, starting a fresh one",
					(int)pid);
			else if (WIFSIGNALED(status))
				log_warn("worker %d killed by signal %d, restarting", (int)pid,
				         WTERMSIG(status));
			else
				log_warn("worker %d exited with %d, restarting", (int)pid,
				         WEXITSTATUS(status));
			if (time(NULL) - slots[i].started < 1 &&
			    !(WIFEXITED(status) && WEXITSTATUS(status) == WORKER_EXIT_RSS))
				sleep(1);
			slots[i].pid = spawn_worker(listen_fd, ctx);
			slots[i].started = time(NULL);
		}
	}
}

static int live_workers(const struct worker_slot *slots, int n)
{
	int live = 0;

	for (int i = 0; i < n; i++)
		live += slots[i].pid > 0;
	return live;
}

static void drain(struct worker_slot *slots, int n)
{
	time_t deadline = time(NULL) + STOP_GRACE_S;
	pid_t pid;

	signal_workers(slots, n, SIGTERM);
	while (live_workers(slots, n) > 0) {
		pid = waitpid(-1, NULL, WNOHANG);
		if (pid > 0) {
			for (int i = 0; i < n; i++)
				if (slots[i].pid == pid)
					slots[i].pid = 0;
			continue;
		}
		if (time(NULL) >= deadline) {
			log_warn("workers did not stop in %d s, killing them", STOP_GRACE_S);
			signal_workers(slots, n, SIGKILL);
			deadline = time(NULL) + 60;
		}
		usleep(20000);
	}
}

static void install_master_signals(sigset_t *blocked)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_master_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(blocked);
	sigaddset(blocked, SIGTERM);
	sigaddset(blocked, SIGINT);
	sigaddset(blocked, SIGHUP);
	sigaddset(blocked, SIGCHLD);
	sigprocmask(SIG_BLOCK, blocked, NULL);
}

int master_run(struct api_context *ctx, int n_workers)
{
	struct worker_slot slots[MAX_WORKERS];
	sigset_t blocked, waitmask;
	int created = 0;
	int listen_fd = master_inherited_socket();
	char where[300];

	if (listen_fd >= 0)
		snprintf(where, sizeof(where), "inherited fd %d", listen_fd);
	else
		listen_fd = open_configured_socket(ctx->app, where, sizeof(where), &created);
	if (listen_fd < 0)
		return 1;
	if (n_workers > MAX_WORKERS)
		n_workers = MAX_WORKERS;
	install_master_signals(&blocked);
	sigemptyset(&waitmask);
	memset(slots, 0, sizeof(slots));
	for (int i = 0; i < n_workers; i++) {
		slots[i].pid = spawn_worker(listen_fd, ctx);
		slots[i].started = time(NULL);
	}
	log_info("listening on %s with %d workers", where, n_workers);
	while (!got_term) {
		sigsuspend(&waitmask);
		if (got_chld) {
			got_chld = 0;
			reap_and_respawn(slots, n_workers, listen_fd, ctx);
		}
		if (got_hup) {
			got_hup = 0;
			log_info("SIGHUP: reloading configuration in every worker");
			context_reload(ctx, true);
			signal_workers(slots, n_workers, SIGHUP);
		}
	}
	log_info("stopping: draining %d workers", live_workers(slots, n_workers));
	drain(slots, n_workers);
	if (created)
		unlink(ctx->app->api_socket);
	log_info("stopped");
	return 0;
}
