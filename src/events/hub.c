/*
 * hub: the loop, the requests and the fan-out of acloud-events.
 *
 * A stream's invariant: it has carried, in id order, every event of its
 * kind with an id up to s->last_id.  Reads (pages) continue from last_id;
 * a notification is sent only when its id is above last_id.  Because ids
 * are in commit order and notifications arrive in commit order, a page
 * read followed by the notifications that come after it misses nothing and
 * repeats nothing.  A state change on a task stream is answered by a page
 * read rather than by the notification alone, so that the log lines
 * committed with a terminal state are sent before `end`.
 */
#include "autoconfig.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/config.h"
#include "common/hex.h"
#include "common/log.h"
#include "events/http.h"
#include "events/hub.h"
#include "events/sse.h"
#include "events/store.h"
#include "events/sub.h"

#define HEAD_TIMEOUT_S 15
#define MAX_EVENTS     256
#define DB_UNAVAILABLE "{\"detail\":\"Database unavailable, try again shortly\"}"

struct hub {
	int epfd, listen_fd, sig_fd, timer_fd, db_fd;
	struct store store;
	struct app_config *app;
	struct auth_config *auth;
	const struct hub_options *opt;
	struct sub *subs;
	unsigned long ticks;
	bool stop;
};

/* epoll tags of the hub's own descriptors; a subscriber's tag is itself. */
static char tag_listen, tag_signal, tag_timer, tag_db;

static int watch(struct hub *h, int op, int fd, unsigned int events, void *tag)
{
	struct epoll_event ev = { .events = events, .data.ptr = tag };

	return epoll_ctl(h->epfd, op, fd, &ev);
}

static void sub_close(struct sub *s)
{
	s->phase = SUB_DEAD;
}

/* Register or drop EPOLLOUT as the output buffer fills or drains. */
static void sub_update_out(struct hub *h, struct sub *s)
{
	bool want = s->out_len > 0;

	if (s->phase == SUB_DEAD || want == s->want_out)
		return;
	if (watch(h, EPOLL_CTL_MOD, s->fd, EPOLLIN | EPOLLRDHUP | (want ? EPOLLOUT : 0), s) != 0)
		sub_close(s);
	s->want_out = want;
}

static void send_text(struct hub *h, struct sub *s, const char *text, size_t len)
{
	if (s->phase == SUB_DEAD)
		return;
	if (!sub_send(s, text, len))
		sub_close(s);
	else
		sub_update_out(h, s);
}

/* The stream's last words (an error, or the end event; NULL: out of
 * memory): sent, then the stream drains and closes.  Takes `text`. */
static void send_last(struct hub *h, struct sub *s, char *text, size_t len)
{
	if (text == NULL) {
		sub_close(s);
		return;
	}
	send_text(h, s, text, len);
	free(text);
	if (s->phase != SUB_DEAD)
		s->phase = s->out_len > 0 ? SUB_DRAIN : SUB_DEAD;
}

static void send_error(struct hub *h, struct sub *s, int status, const char *json)
{
	size_t len = 0;
	char *text = http_json_response(status, json, &len);

	send_last(h, s, text, len);
}

static void send_event(struct hub *h, struct sub *s, const struct sse_event *ev)
{
	size_t len;
	char *text;

	if (ev->id <= s->last_id)
		return;
	text = sse_format_event(ev, &len);
	if (text != NULL)
		send_text(h, s, text, len);
	free(text);
	s->last_id = ev->id;
}

static void send_end(struct hub *h, struct sub *s, const char *state)
{
	size_t len = 0;
	char *text = sse_format_end(s->last_id, s->task_id, state, &len);

	send_last(h, s, text, len);
}

static bool terminal(const char *state)
{
	return strcmp(state, "succeeded") == 0 || strcmp(state, "failed") == 0 ||
	       strcmp(state, "cancelled") == 0;
}

/* One page of a task stream; returns the number of events read, -1 when
 * the database is unreachable. */
static int task_page(struct hub *h, struct sub *s)
{
	PGresult *res = store_task_page(&h->store, s->task_id, s->user, s->admin, s->last_id);
	struct sse_event ev;
	int n = 0;

	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0) { /* deleted since the stream began */
		send_end(h, s, "deleted");
		goto out;
	}
	for (int i = 0; i < PQntuples(res) && s->phase != SUB_DEAD; i++)
		if (store_event_at(res, i, 1, &ev)) {
			send_event(h, s, &ev);
			n++;
		}
	if (n < STORE_PAGE && s->phase == SUB_STREAM && terminal(PQgetvalue(res, 0, 0)))
		send_end(h, s, PQgetvalue(res, 0, 0));
out:
	PQclear(res);
	return n;
}

static int user_page(struct hub *h, struct sub *s)
{
	PGresult *res = store_user_page(&h->store, s->user, s->last_id);
	struct sse_event ev;
	int n = 0;

	if (res == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res) && s->phase != SUB_DEAD; i++)
		if (store_event_at(res, i, 0, &ev)) {
			send_event(h, s, &ev);
			n++;
		}
	PQclear(res);
	return n;
}

/* Sends what the stream has not carried yet, a page at a time while the
 * client keeps up; the rest once its output drains (s->behind). */
static void catch_up(struct hub *h, struct sub *s)
{
	int n;

	s->behind = false;
	while (s->phase == SUB_STREAM) {
		n = s->task_stream ? task_page(h, s) : user_page(h, s);
		if (n < 0) {
			s->behind = true; /* retried when the database is back */
			return;
		}
		if (n < STORE_PAGE)
			return;
		if (s->out_len > 0) {
			s->behind = true;
			return;
		}
	}
}

static const struct auth_key *authenticate(struct hub *h, struct sub *s,
                                           const struct http_request *req)
{
	unsigned char digest[32];
	const struct auth_key *key;

	if (!req->has_token) {
		send_error(h, s, 403, "{\"detail\":\"Not authenticated\"}");
		return NULL;
	}
	sha256_bytes(req->token, strlen(req->token), digest);
	key = auth_find_by_hash(h->auth, digest);
	if (key == NULL)
		send_error(h, s, 403, "{\"detail\":\"Invalid API key\"}");
	else if (!key->enabled)
		send_error(h, s, 403, "{\"detail\":\"API key disabled\"}");
	return key != NULL && key->enabled ? key : NULL;
}

static void start_task_stream(struct hub *h, struct sub *s, const struct http_request *req)
{
	PGresult *res;

	if (!valid_uuid(req->task_id, s->task_id)) {
		send_error(h, s, 422,
		           "{\"detail\":[{\"loc\":[\"path\",\"task_id\"],"
		           "\"msg\":\"Input should be a valid UUID\",\"type\":\"uuid_parsing\"}]}");
		return;
	}
	/* Whether the task is the caller's, before the stream's head. */
	res = store_task_page(&h->store, s->task_id, s->user, s->admin, LLONG_MAX);
	if (res == NULL) {
		send_error(h, s, 503, DB_UNAVAILABLE);
		return;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		send_error(h, s, 404, "{\"detail\":\"Task not found\"}");
		return;
	}
	PQclear(res);
	s->task_stream = true;
	s->last_id = req->has_last_event_id ? req->last_event_id : 0;
	s->phase = SUB_STREAM;
	send_text(h, s, http_stream_head, strlen(http_stream_head));
	catch_up(h, s);
}

static void start_user_stream(struct hub *h, struct sub *s, const struct http_request *req)
{
	long long from = req->has_last_event_id ? req->last_event_id : store_last_id(&h->store);

	if (from < 0) {
		send_error(h, s, 503, DB_UNAVAILABLE);
		return;
	}
	s->last_id = from;
	s->phase = SUB_STREAM;
	send_text(h, s, http_stream_head, strlen(http_stream_head));
	if (req->has_last_event_id)
		catch_up(h, s);
}

static void handle_request(struct hub *h, struct sub *s, const struct http_request *req)
{
	const struct auth_key *key;

	if (req->route == ROUTE_NONE) {
		send_error(h, s, 404, "{\"detail\":\"Not Found\"}");
		return;
	}
	if (!req->is_get) {
		send_error(h, s, 405, "{\"detail\":\"Method Not Allowed\"}");
		return;
	}
	key = authenticate(h, s, req);
	if (key == NULL)
		return;
	snprintf(s->user, sizeof(s->user), "%s", key->id);
	s->admin = key->admin;
	if (req->route == ROUTE_TASK_EVENTS)
		start_task_stream(h, s, req);
	else
		start_user_stream(h, s, req);
}

static void on_head(struct hub *h, struct sub *s)
{
	struct http_request req;
	enum http_parse parsed;
	int got = sub_read_head(s);

	if (got < 0) {
		sub_close(s);
		return;
	}
	parsed = http_parse_head(s->head, s->head_len, &req);
	if (parsed == HTTP_PARSE_INCOMPLETE)
		return;
	free(s->head);
	s->head = NULL;
	if (parsed == HTTP_PARSE_BAD)
		send_error(h, s, 400, "{\"detail\":\"Bad request\"}");
	else
		handle_request(h, s, &req);
}

static void on_sub(struct hub *h, struct sub *s, unsigned int events)
{
	if (s->phase == SUB_DEAD)
		return;
	if (events & EPOLLERR) {
		sub_close(s);
		return;
	}
	if (events & EPOLLOUT) {
		if (!sub_flush(s)) {
			sub_close(s);
			return;
		}
		sub_update_out(h, s);
		if (s->out_len == 0 && s->phase == SUB_DRAIN)
			sub_close(s);
		else if (s->out_len == 0 && s->behind)
			catch_up(h, s);
	}
	if (s->phase == SUB_HEAD && (events & EPOLLIN))
		on_head(h, s);
	else if (s->phase != SUB_DEAD && s->phase != SUB_HEAD &&
	         (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) && !sub_discard_input(s))
		sub_close(s);
}

static void on_accept(struct hub *h)
{
	struct sub *s;
	int fd;

	while ((fd = accept4(h->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		s = sub_new(fd, time(NULL));
		if (s == NULL || watch(h, EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLRDHUP, s) != 0) {
			if (s == NULL)
				close(fd);
			sub_free(s);
			continue;
		}
		s->next = h->subs;
		if (h->subs)
			h->subs->prev = s;
		h->subs = s;
	}
	if (errno == EMFILE || errno == ENFILE)
		log_warn("accept: %s", strerror(errno));
}

/* Which streams carry the event of a notification. */
static bool wants(const struct sub *s, const struct store_note *note)
{
	if (s->phase != SUB_STREAM || s->behind || note->id <= s->last_id)
		return false;
	if (s->task_stream)
		return strcmp(s->task_id, note->task_id) == 0;
	return strcmp(note->kind, "state") == 0 && strcmp(s->user, note->user_id) == 0;
}

/* The event of a notification, read once, sent to every stream that
 * wants it (a state change on a task stream: that stream's next page). */
static void on_note(struct hub *h, const struct store_note *note)
{
	PGresult *res = NULL;
	struct sse_event ev;
	bool have = false;

	for (struct sub *s = h->subs; s; s = s->next) {
		if (!wants(s, note))
			continue;
		if (s->task_stream && strcmp(note->kind, "state") == 0) {
			catch_up(h, s);
			continue;
		}
		if (res == NULL) {
			res = store_event(&h->store, note->id);
			have = res != NULL && PQntuples(res) == 1 && store_event_at(res, 0, 0, &ev);
		}
		if (have)
			send_event(h, s, &ev);
		else if (res == NULL)
			s->behind = true; /* database gone: caught up on reconnect */
	}
	PQclear(res);
}

static void drain_notes(struct hub *h)
{
	struct store_note note;

	while (store_next_note(&h->store, &note))
		on_note(h, &note);
}

/* Listening on a (new) connection; after a new one, every stream reads
 * what it may have missed while there was none. */
static void ensure_listening(struct hub *h)
{
	bool fresh;
	int fd = store_listen(&h->store, &fresh);

	if (fd != h->db_fd) {
		if (fd >= 0 && watch(h, EPOLL_CTL_ADD, fd, EPOLLIN, &tag_db) != 0)
			log_error("epoll: %s", strerror(errno));
		h->db_fd = fd;
	}
	if (!fresh)
		return;
	for (struct sub *s = h->subs; s; s = s->next)
		if (s->phase == SUB_STREAM && s->out_len == 0)
			catch_up(h, s);
}

static void on_db(struct hub *h)
{
	if (!store_consume(&h->store)) {
		h->db_fd = -1; /* closed with the connection, so out of the epoll set */
		return;
	}
	drain_notes(h);
}

static void each_tick(struct hub *h)
{
	uint64_t expirations;
	time_t now = time(NULL);
	bool keepalive;

	if (read(h->timer_fd, &expirations, sizeof(expirations)) < 0)
		return;
	h->ticks++;
	keepalive = h->ticks % (unsigned long)h->opt->keepalive_s == 0;
	for (struct sub *s = h->subs; s; s = s->next) {
		if (s->phase == SUB_HEAD && now - s->since > HEAD_TIMEOUT_S)
			sub_close(s);
		else if (keepalive && s->phase == SUB_STREAM)
			send_text(h, s, sse_keepalive, strlen(sse_keepalive));
	}
}

/* A reload keeps the last good config; streams of keys that are gone or
 * disabled now are closed (the key is checked again when they reconnect). */
static void reload(struct hub *h)
{
	struct app_config *app = NULL;
	struct auth_config *auth = NULL;
	char err[CONFIG_ERR_MAX];
	const struct auth_key *key;

	if (app_config_load(h->opt->config_path, &app, err) != CONFIG_OK ||
	    auth_config_load(app->auth_path, &auth, err) != CONFIG_OK) {
		log_error("reload: %s; keeping the last good configuration", err);
		app_config_free(app);
		return;
	}
	app_config_free(h->app);
	auth_config_free(h->auth);
	h->app = app;
	h->auth = auth;
	db_set_conninfo(&h->store.db, app->database);
	for (struct sub *s = h->subs; s; s = s->next) {
		key = s->phase == SUB_STREAM ? auth_find_by_id(auth, s->user) : NULL;
		if (s->phase == SUB_STREAM && (key == NULL || !key->enabled))
			sub_close(s);
	}
	log_info("reload: %s", app->auth_path);
}

static void on_signal(struct hub *h)
{
	struct signalfd_siginfo si;

	while (read(h->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			reload(h);
		else
			h->stop = true;
	}
}

static void reap(struct hub *h)
{
	struct sub *s = h->subs, *next;

	for (; s; s = next) {
		next = s->next;
		if (s->phase != SUB_DEAD)
			continue;
		if (s->prev)
			s->prev->next = next;
		else
			h->subs = next;
		if (next)
			next->prev = s->prev;
		sub_free(s);
	}
}

static void dispatch(struct hub *h, struct epoll_event *ev)
{
	void *tag = ev->data.ptr;

	if (tag == &tag_listen)
		on_accept(h);
	else if (tag == &tag_signal)
		on_signal(h);
	else if (tag == &tag_timer)
		each_tick(h);
	else if (tag == &tag_db)
		on_db(h);
	else
		on_sub(h, tag, ev->events);
}

static int listen_unix(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		log_error("socket path too long: %s", path);
		return -1;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, 4096) != 0) {
		log_error("listen on %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	/* nginx's workers connect; the socket's directory guards it. */
	chmod(path, 0666);
	return fd;
}

/* Many idle connections need many descriptors: the hard limit. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int open_fds(struct hub *h, const char *socket_path)
{
	struct itimerspec tick = { { 1, 0 }, { 1, 0 } };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	h->epfd = epoll_create1(EPOLL_CLOEXEC);
	h->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	h->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	h->listen_fd = listen_unix(socket_path);
	if (h->epfd < 0 || h->sig_fd < 0 || h->timer_fd < 0 || h->listen_fd < 0 ||
	    timerfd_settime(h->timer_fd, 0, &tick, NULL) != 0 ||
	    watch(h, EPOLL_CTL_ADD, h->listen_fd, EPOLLIN, &tag_listen) != 0 ||
	    watch(h, EPOLL_CTL_ADD, h->sig_fd, EPOLLIN, &tag_signal) != 0 ||
	    watch(h, EPOLL_CTL_ADD, h->timer_fd, EPOLLIN, &tag_timer) != 0)
		return -1;
	return 0;
}

static void close_all(struct hub *h)
{
	for (struct sub *s = h->subs; s; s = s->next)
		sub_close(s);
	reap(h);
	store_close(&h->store);
	if (h->listen_fd >= 0)
		close(h->listen_fd);
	if (h->timer_fd >= 0)
		close(h->timer_fd);
	if (h->sig_fd >= 0)
		close(h->sig_fd);
	if (h->epfd >= 0)
		close(h->epfd);
	auth_config_free(h->auth);
	app_config_free(h->app);
}

/* events.sock in the directory of the API's socket, unless given. */
static char *socket_path_of(const struct hub_options *opt, const struct app_config *app)
{
	char *copy, *path = NULL;
	size_t len;

	if (opt->socket_path != NULL)
		return strdup(opt->socket_path);
	copy = strdup(app->api_socket);
	if (copy == NULL)
		return NULL;
	len = strlen(dirname(copy)) + sizeof("/events.sock");
	path = malloc(len);
	if (path != NULL)
		snprintf(path, len, "%s/events.sock", copy);
	free(copy);
	return path;
}

static int load_config(struct hub *h)
{
	char err[CONFIG_ERR_MAX];

	if (app_config_load(h->opt->config_path, &h->app, err) != CONFIG_OK ||
	    auth_config_load(h->app->auth_path, &h->auth, err) != CONFIG_OK) {
		log_error("%s", err);
		return -1;
	}
	return 0;
}

int hub_run(const struct hub_options *opt)
{
	struct hub h = { .epfd = -1, .listen_fd = -1, .sig_fd = -1, .timer_fd = -1, .db_fd = -1 };
	struct epoll_event events[MAX_EVENTS];
	char *socket_path = NULL;
	int n, status = 1;

	h.opt = opt;
	raise_fd_limit();
	if (load_config(&h) != 0 || store_init(&h.store, h.app->database) != DB_OK)
		goto out;
	socket_path = socket_path_of(opt, h.app);
	if (socket_path == NULL || open_fds(&h, socket_path) != 0)
		goto out;
	log_info("serving events on %s", socket_path);
	ensure_listening(&h);
	while (!h.stop) {
		n = epoll_wait(h.epfd, events, MAX_EVENTS, -1);
		if (n < 0 && errno != EINTR) {
			log_error("epoll_wait: %s", strerror(errno));
			goto out;
		}
		for (int i = 0; i < n; i++)
			dispatch(&h, &events[i]);
		ensure_listening(&h);
		drain_notes(&h);
		reap(&h);
	}
	log_info("stopping");
	status = 0;
out:
	close_all(&h);
	if (socket_path != NULL)
		unlink(socket_path);
	free(socket_path);
	return status;
}
