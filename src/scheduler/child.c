/*
 * child: fork (and exec) with pipes, non-blocking I/O, process-group kill.
 * Every child starts with the default signal dispositions and an empty
 * signal mask, whatever the scheduler blocks for its signalfd, and keeps no
 * fd of the scheduler but its pipes on 0-2 (so it can never touch the
 * database connection, the signalfd or another child's pipes); then its
 * sandbox: resource limits and, when the scheduler may switch users, an
 * unprivileged user.  A spawned program gets only the environment its
 * sandbox names.  The scheduler is single-threaded, so the forked child
 * may do all of this before exec.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scheduler/child.h"
#include "scheduler/clock.h"

#define CHILD_READ_CHUNK 65536
#define CHILD_LINGER_MS  2000

void child_init(struct child *c, child_line_fn on_line, void *ctx, size_t out_limit)
{
	memset(c, 0, sizeof(*c));
	c->in_fd = c->out_fd = c->err_fd = -1;
	c->on_line = on_line;
	c->ctx = ctx;
	c->out_limit = out_limit;
}

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* The parent's side of a started child: keep the read ends, non-blocking. */
static void keep_pipes(struct child *c, int out[2], int err[2])
{
	close_fd(&out[1]);
	close_fd(&err[1]);
	c->out_fd = out[0];
	c->err_fd = err[0];
	fcntl(c->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(c->err_fd, F_SETFL, O_NONBLOCK);
}

static void say(int fd, const char *what, const char *why)
{
	char line[256];
	int n = snprintf(line, sizeof(line), "acloud-scheduler: %s: %s\n", what, why);

	if (n > 0 && write(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1) < 0)
		return;
}

static int limit(int resource, unsigned long soft, unsigned long hard)
{
	struct rlimit rl = { .rlim_cur = soft, .rlim_max = hard };

	return soft == 0 ? 0 : setrlimit(resource, &rl);
}

/* In the child: the limits, then the user; 0, or -1 after saying why on err. */
static int apply_sandbox(const struct child_sandbox *sb, int err)
{
	if (limit(RLIMIT_AS, sb->address_space_bytes, sb->address_space_bytes) != 0 ||
	    limit(RLIMIT_CPU, sb->cpu_s, sb->cpu_s + 5) != 0 ||
	    limit(RLIMIT_FSIZE, sb->fsize_bytes, sb->fsize_bytes) != 0) {
		say(err, "cannot set the resource limits", strerror(errno));
		return -1;
	}
	if (sb->switch_user && (setgroups(0, NULL) != 0 || setgid((gid_t)sb->gid) != 0 ||
	                        setuid((uid_t)sb->uid) != 0 || setuid(0) == 0)) {
		say(err, "cannot switch to the run_as user", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		say(err, "cannot drop privileges", strerror(errno));
		return -1;
	}
	return 0;
}

/* In the forked child, its pipes on 0-2: default signal dispositions, an
 * empty mask, its own process group, no other fd of the scheduler's, then
 * the sandbox.  0, or -1 after saying why on stderr. */
static int forked_setup(const struct child_sandbox *sb)
{
	struct sigaction sa;
	sigset_t none;

	setpgid(0, 0);
	for (int sig = 1; sig < NSIG; sig++)
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	close_range(3, ~0u, 0);
	return apply_sandbox(sb, 2);
}

/* In the spawned child: the pipes on 0-2, then the program. */
static void exec_child(char *const argv[], const int in[2], const int out[2], const int err[2],
                       const struct child_sandbox *sb)
{
	static char *const empty[] = { NULL };
	char *const *envp = sb->envp ? sb->envp : empty;

	if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)
		_exit(126);
	if (forked_setup(sb) != 0)
		_exit(126);
	if (strchr(argv[0], '/'))
		execve(argv[0], argv, envp);
	else
		execvpe(argv[0], argv, envp); /* PATH is still the scheduler's here */
	say(2, argv[0], strerror(errno));
	_exit(127);
}

int child_spawn(struct child *c, char *const argv[], const void *input, size_t input_len,
                const struct child_sandbox *sb)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int saved;

	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
		goto fail;
	c->pid = fork();
	if (c->pid < 0) {
		c->pid = 0;
		goto fail;
	}
	if (c->pid == 0)
		exec_child(argv, in, out, err, sb);
	setpgid(c->pid, c->pid); /* before any kill of the group; the child does it too */
	close(in[0]);
	c->in_fd = in[1];
	fcntl(c->in_fd, F_SETFL, O_NONBLOCK);
	keep_pipes(c, out, err);
	c->in_data = input;
	c->in_len = input_len;
	c->in_off = 0;
	return 0;
fail:
	saved = errno;
	for (int i = 0; i < 2; i++) {
		close_fd(&in[i]);
		close_fd(&out[i]);
		close_fd(&err[i]);
	}
	errno = saved;
	return -1;
}

int child_fork(struct child *c, child_fn fn, void *arg, const struct child_sandbox *sb)
{
	int out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int saved;

	if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
		goto fail;
	c->pid = fork();
	if (c->pid < 0) {
		c->pid = 0;
		goto fail;
	}
	if (c->pid == 0) {
		if (dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0 || forked_setup(sb) != 0)
			_exit(126);
		_exit(fn(arg, 1, 2));
	}
	setpgid(c->pid, c->pid); /* before any kill of the group; the child does it too */
	keep_pipes(c, out, err);
	return 0;
fail:
	saved = errno;
	for (int i = 0; i < 2; i++) {
		close_fd(&out[i]);
		close_fd(&err[i]);
	}
	errno = saved;
	return -1;
}

int child_poll_fds(const struct child *c, struct pollfd *pfd)
{
	int n = 0;

	if (c->in_fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = c->in_fd, .events = POLLOUT };
	if (c->out_fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = c->out_fd, .events = POLLIN };
	if (c->err_fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = c->err_fd, .events = POLLIN };
	return n;
}

static void feed_stdin(struct child *c)
{
	while (c->in_off < c->in_len) {
		ssize_t n = write(c->in_fd, c->in_data + c->in_off, c->in_len - c->in_off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				close_fd(&c->in_fd); /* EPIPE: the child does not want it */
			return;
		}
		c->in_off += (size_t)n;
	}
	close_fd(&c->in_fd);
}

static void read_stdout(struct child *c)
{
	char chunk[CHILD_READ_CHUNK];

	for (;;) {
		ssize_t n = read(c->out_fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close_fd(&c->out_fd);
			return;
		}
		if (c->out.len + (size_t)n > c->out_limit ||
		    buf_append(&c->out, chunk, (size_t)n) != 0) {
			c->out_overflow = true;
			close_fd(&c->out_fd);
			child_kill(c);
			return;
		}
	}
}

static void emit_lines(struct child *c, bool final)
{
	size_t start = 0;

	if (c->err.len == 0)
		return;
	for (;;) {
		char *nl = memchr(c->err.data + start, '\n', c->err.len - start);
		size_t n;

		if (nl == NULL)
			break;
		n = (size_t)(nl - (c->err.data + start));
		if (n > 0 && c->err.data[start + n - 1] == '\r')
			n--;
		c->on_line(c->ctx, c->err.data + start, n);
		start = (size_t)(nl - c->err.data) + 1;
	}
	buf_consume(&c->err, start);
	if (c->err.len >= CHILD_LINE_MAX || (final && c->err.len > 0)) {
		c->on_line(c->ctx, c->err.data,
		           c->err.len < CHILD_LINE_MAX ? c->err.len : CHILD_LINE_MAX);
		buf_reset(&c->err);
	}
}

static void read_stderr(struct child *c)
{
	char chunk[CHILD_LINE_MAX];

	for (;;) {
		ssize_t n = read(c->err_fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close_fd(&c->err_fd);
			emit_lines(c, true);
			return;
		}
		if (buf_append(&c->err, chunk, (size_t)n) != 0)
			buf_reset(&c->err);
		emit_lines(c, false);
	}
}

void child_on_fd(struct child *c, int fd, short revents)
{
	if (revents == 0)
		return;
	if (fd == c->in_fd)
		feed_stdin(c);
	else if (fd == c->out_fd)
		read_stdout(c);
	else if (fd == c->err_fd)
		read_stderr(c);
}

void child_reaped(struct child *c, int status, long maxrss_kb)
{
	c->exited = true;
	c->status = status;
	c->maxrss_kb = maxrss_kb;
	c->exited_at_ms = now_ms();
}

void child_kill(struct child *c)
{
	if (c->pid > 0)
		kill(-c->pid, SIGKILL);
}

bool child_done(struct child *c, int64_t now)
{
	if (c->pid == 0)
		return true;
	if (!c->exited)
		return false;
	close_fd(&c->in_fd);
	if (c->out_fd < 0 && c->err_fd < 0)
		return true;
	if (now - c->exited_at_ms < CHILD_LINGER_MS)
		return false;
	kill(-c->pid, SIGKILL);
	if (c->out_fd >= 0)
		read_stdout(c);
	if (c->err_fd >= 0)
		read_stderr(c);
	close_fd(&c->out_fd);
	close_fd(&c->err_fd);
	emit_lines(c, true);
	return true;
}

void child_release(struct child *c)
{
	close_fd(&c->in_fd);
	close_fd(&c->out_fd);
	close_fd(&c->err_fd);
	buf_free(&c->out);
	buf_free(&c->err);
	c->pid = 0;
}

char *child_resolve_exe(const char *exe_dir, const char *name)
{
	struct buf path = { 0 };

	if (strchr(name, '/') == NULL && exe_dir != NULL &&
	    buf_printf(&path, "%s/%s", exe_dir, name) == 0 && access(path.data, X_OK) == 0)
		return path.data;
	buf_free(&path);
	return strdup(name);
}

bool child_executable(const char *file)
{
	const char *path = getenv("PATH");
	struct buf b = { 0 };
	bool ok = false;

	if (strchr(file, '/') != NULL || path == NULL)
		return access(file, X_OK) == 0;
	while (!ok && *path) {
		size_t n = strcspn(path, ":");

		buf_reset(&b);
		if (buf_append(&b, path, n) == 0 && buf_printf(&b, "/%s", file) == 0)
			ok = access(b.data, X_OK) == 0;
		path += n + (path[n] == ':');
	}
	buf_free(&b);
	return ok;
}
