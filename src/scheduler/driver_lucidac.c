/*
 * driver_lucidac: one run on a LUCIDAC over JSON lines on TCP (contract
 * section 7), as a non-blocking state machine driven by the poll loop:
 *
 *   CONNECTING -> ENTITIES (get_entities: the carrier's MAC)
 *              -> SET_CIRCUIT -> START_RUN -> COLLECTING (run_data ...,
 *                 run_state_change DONE | ERROR)
 *
 * The task is marked as having reached the device just before set_circuit
 * is sent; until then any trouble (refused, dropped, silent) puts it back in
 * the queue and marks the device unavailable; after it, trouble fails the
 * task with the device's message in the log.  Each step has a reply
 * timeout (at most 10 s, at most the device's timeout_s); the whole run has
 * timeout_s beyond op_time.  Abort sends stop_run and closes.
 */
#include "autoconfig.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/base64.h"
#include "common/log.h"
#include "scheduler/clock.h"
#include "scheduler/drivers.h"
#include "scheduler/jsonl.h"
#include "circuit/circuit.h"
#include "scheduler/lucidac_proto.h"
#include "scheduler/net.h"
#include "scheduler/text.h"

#define LUCI_CONNECT_TIMEOUT_MS 5000
#define LUCI_REPLY_TIMEOUT_MS   10000
#define LUCI_LINE_MAX           ((size_t)64 << 20)

enum luci_phase {
	LP_CONNECTING,
	LP_ENTITIES,
	LP_SET_CIRCUIT,
	LP_START_RUN,
	LP_COLLECTING,
	LP_CLOSED
};

struct luci_run {
	int fd;
	enum luci_phase phase;
	struct jsonl rx;
	struct buf tx;
	json_t *circuit;
	double op_time;
	int sample_rate;
	struct luci_channels ch;
	struct luci_samples samples;
	char req_id[37];
	char run_id[37];
	char mac[128];
	int reply_timeout_ms;
	int64_t phase_deadline_ms;
	int64_t run_deadline_ms;
};

static const char *const phase_names[] = { "connect",   "get_entities", "set_circuit",
	                                   "start_run", "run data",     "closed" };

static void luci_abort(struct exec *e);

static void luci_close(struct luci_run *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	r->phase = LP_CLOSED;
}

static void luci_free(struct exec *e)
{
	struct luci_run *r = e->drv;

	if (r == NULL)
		return;
	luci_close(r);
	jsonl_free(&r->rx);
	buf_free(&r->tx);
	json_decref(r->circuit);
	luci_samples_free(&r->samples);
	free(r);
	e->drv = NULL;
}

/* Device trouble before the task reached it: back to the queue, device down
 * (an event: the loop marks the device unavailable). */
static void luci_unreachable(struct exec *e, const char *why)
{
	luci_close(e->drv);
	log_warn("device %s: %s", e->device, why);
	exec_log(e, "device %s: %s", e->device, why);
	exec_requeue(e, "requeued: the device could not be reached");
	exec_report(e, EXEC_EVENT_DEVICE_DOWN);
}

static void luci_trouble(struct exec *e, const char *why)
{
	if (!e->reached) {
		luci_unreachable(e, why);
		return;
	}
	luci_close(e->drv);
	exec_fail(e, "device %s: %s", e->device, why);
}

static void luci_flush(struct luci_run *r)
{
	while (r->tx.len > 0 && r->fd >= 0 && r->phase != LP_CONNECTING) {
		ssize_t n = write(r->fd, r->tx.data, r->tx.len);

		if (n <= 0)
			return; /* EAGAIN: POLLOUT; errors show up on read */
		buf_consume(&r->tx, (size_t)n);
	}
}

static int luci_send(struct luci_run *r, const char *type, json_t *msg, int64_t now)
{
	size_t len;
	char *line;

	net_new_id(r->req_id);
	line = luci_encode(r->req_id, type, msg, &len);
	if (line == NULL || buf_append(&r->tx, line, len) != 0) {
		free(line);
		return -1;
	}
	free(line);
	r->phase_deadline_ms = now + r->reply_timeout_ms;
	luci_flush(r);
	return 0;
}

/* An APB circuit (base64 in the input) as the JSON a LUCIDAC takes. */
static json_t *apb_to_json(struct exec *e, json_t *apb)
{
	struct circuit c;
	struct circuit_error cerr;
	uint8_t *bytes = NULL;
	size_t len = 0;
	json_t *circuit = NULL;

	if (!json_is_string(apb) ||
	    base64_decode(json_string_value(apb), json_string_length(apb), &bytes, &len) != 0) {
		exec_fail(e, "circuit_apb is not valid base64");
		goto out;
	}
	if (circuit_from_apb(bytes, len, &c, &cerr) != 0) {
		exec_fail(e, "circuit_apb: %s: %s", cerr.loc, cerr.msg);
		goto out;
	}
	circuit = circuit_to_json(&c);
	if (circuit == NULL)
		exec_fail(e, "out of memory converting the APB circuit");
out:
	free(bytes);
	return circuit;
}

static int parse_input(struct exec *e, struct luci_run *r)
{
	json_error_t jerr;
	json_t *in = json_loadb(e->input.data ? e->input.data : "", e->input.len, 0, &jerr);
	json_t *circuit = json_object_get(in, "circuit");
	char err[LUCI_ERR_MAX];
	int rc = -1;

	if (!json_is_object(in)) {
		exec_fail(e, "task input is not a JSON object: %s", jerr.text);
		goto out;
	}
	if (circuit == NULL && json_object_get(in, "circuit_apb") != NULL)
		r->circuit = apb_to_json(e, json_object_get(in, "circuit_apb"));
	else if (json_is_object(circuit))
		r->circuit = json_incref(circuit);
	else
		exec_fail(e, "task input has no circuit");
	if (r->circuit == NULL)
		goto out;
	if (luci_channels(r->circuit, &r->ch, err) != 0) {
		exec_fail(e, "%s", err);
		goto out;
	}
	r->op_time = json_number_value(json_object_get(in, "op_time"));
	r->sample_rate = (int)json_integer_value(json_object_get(in, "sample_rate"));
	if (!(r->op_time > 0) || r->sample_rate <= 0) {
		exec_fail(e, "task input needs op_time > 0 and sample_rate > 0");
		goto out;
	}
	rc = 0;
out:
	json_decref(in);
	return rc;
}

static int luci_start(struct exec *e, const struct exec_setup *setup)
{
	const struct device_config *dc = setup->device;
	struct luci_run *r = calloc(1, sizeof(*r));
	int64_t now = now_ms();

	if (r == NULL) {
		exec_fail(e, "out of memory");
		return -1;
	}
	r->fd = -1;
	jsonl_init(&r->rx, LUCI_LINE_MAX);
	e->drv = r;
	if (parse_input(e, r) != 0)
		return -1;
	r->reply_timeout_ms = e->timeout_s * 1000 < LUCI_REPLY_TIMEOUT_MS ? e->timeout_s * 1000
	                                                                  : LUCI_REPLY_TIMEOUT_MS;
	r->run_deadline_ms = e->deadline_ms + (int64_t)ceil(r->op_time * 1000);
	r->phase = LP_CONNECTING;
	r->phase_deadline_ms =
		now + (r->reply_timeout_ms < LUCI_CONNECT_TIMEOUT_MS ? r->reply_timeout_ms
	                                                             : LUCI_CONNECT_TIMEOUT_MS);
	r->fd = net_connect_start(dc->host, dc->port);
	if (r->fd < 0) {
		luci_unreachable(e, strerror(errno));
		return -1;
	}
	return 0;
}

static int luci_poll_fds(const struct exec *e, struct pollfd *pfd, int max)
{
	const struct luci_run *r = e->drv;

	if (r == NULL || r->fd < 0 || max < 1)
		return 0;
	pfd[0] = (struct pollfd){
		.fd = r->fd,
		.events = (short)(POLLIN |
		                  (r->phase == LP_CONNECTING || r->tx.len > 0 ? POLLOUT : 0)),
	};
	return 1;
}

static void on_connected(struct exec *e, int64_t now)
{
	struct luci_run *r = e->drv;
	int err = net_connect_result(r->fd);

	if (err != 0) {
		luci_unreachable(e, strerror(err));
		return;
	}
	r->phase = LP_ENTITIES;
	if (luci_send(r, "get_entities", NULL, now) != 0)
		exec_fail(e, "out of memory");
}

static void on_entities(struct exec *e, struct luci_reply *m, int64_t now)
{
	struct luci_run *r = e->drv;
	int marked;

	if (m->is_error) {
		luci_trouble(e, m->error);
		return;
	}
	if (luci_mac(m->msg, r->mac, sizeof(r->mac)) != 0) {
		luci_trouble(e, "get_entities reply names no carrier");
		return;
	}
	marked = exec_mark_reached(e);
	if (marked == 0) {
		exec_abort(e);
		return;
	}
	if (marked < 0) {
		luci_close(r);
		exec_requeue(e,
		             "requeued: database unavailable before the task reached the device");
		return;
	}
	r->phase = LP_SET_CIRCUIT;
	if (luci_send(r, "set_circuit", luci_set_circuit_msg(r->mac, r->circuit), now) != 0)
		exec_fail(e, "out of memory");
}

static void on_circuit_set(struct exec *e, struct luci_reply *m, int64_t now)
{
	struct luci_run *r = e->drv;
	json_t *msg;

	if (m->is_error) {
		luci_trouble(e, m->error);
		return;
	}
	net_new_id(r->run_id);
	msg = luci_start_run_msg(r->run_id, r->op_time, r->sample_rate, r->ch.num_channels,
	                         luci_ic_time_ns(r->circuit));
	r->phase = LP_START_RUN;
	if (luci_send(r, "start_run", msg, now) != 0)
		exec_fail(e, "out of memory");
}

static void run_finished(struct exec *e)
{
	struct luci_run *r = e->drv;
	size_t expected = (size_t)llround(r->op_time * r->sample_rate);
	struct buf result = { 0 };

	if (r->samples.n < expected)
		exec_log(e, "device sent %zu samples per channel, expected %zu", r->samples.n,
		         expected);
	result.data = luci_samples_json(&r->samples, &r->ch, expected, &result.len);
	result.cap = result.len + 1;
	luci_close(r);
	if (result.data == NULL) {
		exec_fail(e, "out of memory building the result");
		return;
	}
	exec_log(e, "run done: %zu samples on %d channels",
	         r->samples.n < expected ? r->samples.n : expected, r->ch.n_out);
	exec_succeed(e, &result, "application/json");
}

static void on_run_message(struct exec *e, struct luci_reply *m, int64_t now)
{
	struct luci_run *r = e->drv;
	char err[LUCI_ERR_MAX];
	json_t *state;

	r->phase_deadline_ms = now + r->reply_timeout_ms + (int64_t)ceil(r->op_time * 1000);
	if (strcmp(m->type, "run_data") == 0) {
		if (luci_samples_add(&r->samples, &r->ch, json_object_get(m->msg, "data"), err) !=
		    0)
			luci_trouble(e, err);
		return;
	}
	state = json_object_get(m->msg, "new");
	if (!json_is_string(state)) {
		luci_trouble(e, "run_state_change without a new state");
		return;
	}
	if (strcmp(json_string_value(state), "DONE") == 0) {
		run_finished(e);
	} else if (strcmp(json_string_value(state), "ERROR") == 0) {
		luci_trouble(e, m->is_error ? m->error : "the device reported run state ERROR");
	} else {
		exec_log(e, "device: run state %s", json_string_value(state));
	}
}

static void device_log(struct exec *e, struct luci_reply *m)
{
	char *text = json_dumps(m->msg, JSON_COMPACT | JSON_ENCODE_ANY);

	if (json_is_string(m->msg))
		exec_log(e, "device: %s", json_string_value(m->msg));
	else
		exec_log(e, "device: %s", text ? text : "(log)");
	free(text);
}

/* Is m the reply to the request of the current phase? (lucipy's start_run reply has no id) */
static bool is_reply(const struct luci_run *r, const struct luci_reply *m, const char *type)
{
	if (m->id != NULL && strcmp(m->id, r->req_id) == 0)
		return true;
	return m->id == NULL && strcmp(m->type, type) == 0;
}

static void on_message(struct exec *e, struct luci_reply *m, int64_t now)
{
	struct luci_run *r = e->drv;

	if (m->type == NULL) {
		luci_trouble(e, "message without a type");
		return;
	}
	if (strcmp(m->type, "log") == 0) {
		device_log(e, m);
		return;
	}
	if ((r->phase == LP_START_RUN || r->phase == LP_COLLECTING) &&
	    (strcmp(m->type, "run_data") == 0 || strcmp(m->type, "run_state_change") == 0)) {
		r->phase = LP_COLLECTING;
		on_run_message(e, m, now);
		return;
	}
	if (r->phase == LP_ENTITIES && is_reply(r, m, "get_entities"))
		on_entities(e, m, now);
	else if (r->phase == LP_SET_CIRCUIT && is_reply(r, m, "set_circuit"))
		on_circuit_set(e, m, now);
	else if (r->phase == LP_START_RUN && is_reply(r, m, "start_run") && m->is_error)
		luci_trouble(e, m->error);
	else if (r->phase == LP_START_RUN && is_reply(r, m, "start_run"))
		r->phase = LP_COLLECTING;
	else
		log_debug("task %s: ignoring %s message", e->id, m->type);
}

static void on_lines(struct exec *e, int64_t now)
{
	struct luci_run *r = e->drv;
	const char *line;
	size_t len;
	int rc;

	while (e->state == EXEC_RUNNING && r->fd >= 0 &&
	       (rc = jsonl_next(&r->rx, &line, &len)) != 0) {
		struct luci_reply m;
		char shown[120];

		if (rc < 0) {
			luci_trouble(e, "line longer than the limit");
			return;
		}
		if (luci_reply_parse(line, len, &m) != 0) {
			size_t n = text_clean(
				line, len < sizeof(shown) - 1 ? len : sizeof(shown) - 1, shown);

			shown[n] = '\0';
			exec_log(e, "malformed line from the device: %s", shown);
			luci_trouble(e, "malformed message from the device");
			return;
		}
		on_message(e, &m, now);
		luci_reply_free(&m);
	}
}

static void on_readable(struct exec *e, int64_t now)
{
	struct luci_run *r = e->drv;
	char chunk[65536];

	for (;;) {
		ssize_t n = read(r->fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			on_lines(e, now);
			if (e->state == EXEC_RUNNING)
				luci_trouble(e, n == 0 ? "connection closed by the device"
				                       : strerror(errno));
			return;
		}
		if (jsonl_feed(&r->rx, chunk, (size_t)n) != 0) {
			exec_fail(e, "out of memory");
			return;
		}
		on_lines(e, now);
		if (e->state != EXEC_RUNNING || r->fd < 0)
			return;
	}
}

static void luci_on_readable(struct exec *e, int fd, short revents)
{
	struct luci_run *r = e->drv;
	int64_t now = now_ms();

	(void)fd;
	if (e->state != EXEC_RUNNING || r == NULL || r->fd < 0)
		return;
	if (r->phase == LP_CONNECTING) {
		if (revents & (POLLOUT | POLLERR | POLLHUP))
			on_connected(e, now);
		return;
	}
	if (revents & POLLOUT)
		luci_flush(r);
	if (revents & (POLLIN | POLLHUP | POLLERR))
		on_readable(e, now);
	if (e->state != EXEC_RUNNING)
		luci_close(r);
}

static void luci_tick(struct exec *e, int64_t now)
{
	struct luci_run *r = e->drv;
	char why[128];

	if (e->state != EXEC_RUNNING || r == NULL || r->fd < 0)
		return;
	if (now >= r->run_deadline_ms) {
		luci_abort(e);
		exec_fail(e, "device %s: run timed out after %d s", e->device, e->timeout_s);
	} else if (now >= r->phase_deadline_ms) {
		snprintf(why, sizeof(why), "no answer within %d ms (%s)", r->reply_timeout_ms,
		         phase_names[r->phase]);
		if (r->phase >= LP_START_RUN)
			luci_abort(e);
		luci_trouble(e, why);
	}
}

static int64_t luci_next_deadline(const struct exec *e, int64_t now)
{
	const struct luci_run *r = e->drv;

	(void)now;
	if (e->state != EXEC_RUNNING || r == NULL || r->fd < 0)
		return INT64_MAX;
	return r->phase_deadline_ms < r->run_deadline_ms ? r->phase_deadline_ms
	                                                 : r->run_deadline_ms;
}

/* Best effort stop_run, then close: the loop never waits for the device. */
static void luci_abort(struct exec *e)
{
	struct luci_run *r = e->drv;
	char id[37];
	size_t len;
	char *line;

	if (r == NULL || r->fd < 0)
		return;
	if (r->phase >= LP_START_RUN) {
		net_new_id(id);
		line = luci_encode(id, "stop_run", NULL, &len);
		if (line != NULL && r->tx.len == 0 && write(r->fd, line, len) < 0)
			log_debug("task %s: stop_run not sent: %s", e->id, strerror(errno));
		free(line);
	}
	luci_close(r);
}

static void luci_shutdown(struct exec *e, bool forced)
{
	if (e->state != EXEC_RUNNING)
		return;
	if (!e->reached) {
		luci_close(e->drv);
		exec_requeue(
			e, "requeued: the scheduler shut down before the task reached the device");
	} else if (forced) {
		luci_abort(e);
		exec_fail(e, "the scheduler shut down before the run finished");
	}
}

/* Nothing to wait for: the socket closes at once. */
static bool luci_release(struct exec *e, int64_t now)
{
	(void)now;
	luci_free(e);
	return true;
}

static bool luci_reaped(struct exec *e, pid_t pid, int status, long maxrss_kb)
{
	(void)e;
	(void)pid;
	(void)status;
	(void)maxrss_kb;
	return false;
}

/* Alive when it answers get_entities with any JSON object (lucipy's
 * Emulation answers ping with an error). */
static enum probe_verdict luci_probe(const struct device_config *dc, const struct exec_env *env,
                                     struct probe_plan *plan)
{
	char id[37];

	(void)env;
	net_new_id(id);
	plan->host = dc->host;
	plan->port = dc->port;
	plan->request = luci_encode(id, "get_entities", NULL, &plan->request_len);
	return plan->request != NULL ? PROBE_ASK : PROBE_DEAD;
}

const struct driver_ops lucidac_driver = {
	.name = "lucidac",
	.start = luci_start,
	.poll_fds = luci_poll_fds,
	.on_readable = luci_on_readable,
	.tick = luci_tick,
	.next_deadline = luci_next_deadline,
	.abort = luci_abort,
	.shutdown = luci_shutdown,
	.release = luci_release,
	.reaped = luci_reaped,
	.free = luci_free,
	.probe = luci_probe,
};
