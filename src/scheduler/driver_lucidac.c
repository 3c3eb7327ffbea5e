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

#include "common/log.h"
#include "scheduler/jsonl.h"
#include "sim/base64.h"
#include "circuit/circuit.h"
#include "scheduler/lucidac_proto.h"
#include "scheduler/net.h"
#include "scheduler/sched.h"

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

static void luci_close(struct luci_run *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	r->phase = LP_CLOSED;
}

void luci_free(struct exec *e)
{
	struct luci_run *r = e->luci;

	if (r == NULL)
		return;
	luci_close(r);
	jsonl_free(&r->rx);
	buf_free(&r->tx);
	json_decref(r->circuit);
	luci_samples_free(&r->samples);
	free(r);
	e->luci = NULL;
}

/* Device trouble before the task reached it: back to the queue, device down. */
static void luci_unreachable(struct sched *s, struct exec *e, const char *why)
{
	luci_close(e->luci);
	log_warn("device %s: %s", e->slot->name, why);
	exec_log(e, "device %s: %s", e->slot->name, why);
	exec_requeue(e, "requeued: the device could not be reached");
	e->slot->next_probe_ms = now_ms() + SCHED_PROBE_INTERVAL_MS;
	registry_set_available(s, e->slot, false);
}

static void luci_trouble(struct sched *s, struct exec *e, const char *why)
{
	if (!e->reached) {
		luci_unreachable(s, e, why);
		return;
	}
	luci_close(e->luci);
	exec_fail(e, "device %s: %s", e->slot->name, why);
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

int luci_start(struct sched *s, struct exec *e)
{
	const struct device_config *dc = e->slot->cfg;
	struct luci_run *r = calloc(1, sizeof(*r));
	int64_t now = now_ms();

	if (r == NULL) {
		exec_fail(e, "out of memory");
		return -1;
	}
	r->fd = -1;
	jsonl_init(&r->rx, LUCI_LINE_MAX);
	e->luci = r;
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
		luci_unreachable(s, e, strerror(errno));
		return -1;
	}
	return 0;
}

void luci_poll_fds(struct exec *e, struct pollset *ps)
{
	struct luci_run *r = e->luci;

	if (r == NULL || r->fd < 0)
		return;
	pollset_add(ps, r->fd,
	            (short)(POLLIN | (r->phase == LP_CONNECTING || r->tx.len > 0 ? POLLOUT : 0)),
	            WATCH_EXEC, e);
}

static void on_connected(struct sched *s, struct exec *e, int64_t now)
{
	struct luci_run *r = e->luci;
	int err = net_connect_result(r->fd);

	if (err != 0) {
		luci_unreachable(s, e, strerror(err));
		return;
	}
	r->phase = LP_ENTITIES;
	if (luci_send(r, "get_entities", NULL, now) != 0)
		exec_fail(e, "out of memory");
}

static void on_entities(struct sched *s, struct exec *e, struct luci_reply *m, int64_t now)
{
	struct luci_run *r = e->luci;
	int marked;

	if (m->is_error) {
		luci_trouble(s, e, m->error);
		return;
	}
	if (luci_mac(m->msg, r->mac, sizeof(r->mac)) != 0) {
		luci_trouble(s, e, "get_entities reply names no carrier");
		return;
	}
	marked = exec_mark_reached(s, e);
	if (marked == 0) {
		exec_abort(s, e);
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

static void on_circuit_set(struct sched *s, struct exec *e, struct luci_reply *m, int64_t now)
{
	struct luci_run *r = e->luci;
	json_t *msg;

	if (m->is_error) {
		luci_trouble(s, e, m->error);
		return;
	}
	net_new_id(r->run_id);
	msg = luci_start_run_msg(r->run_id, r->op_time, r->sample_rate, r->ch.num_channels,
	                         luci_ic_time_ns(r->circuit));
	r->phase = LP_START_RUN;
	if (luci_send(r, "start_run", msg, now) != 0)
		exec_fail(e, "out of memory");
}

static void run_finished(struct sched *s, struct exec *e)
{
	struct luci_run *r = e->luci;
	size_t expected = (size_t)llround(r->op_time * r->sample_rate);
	struct buf result = { 0 };

	(void)s;
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

static void on_run_message(struct sched *s, struct exec *e, struct luci_reply *m, int64_t now)
{
	struct luci_run *r = e->luci;
	char err[LUCI_ERR_MAX];
	json_t *state;

	r->phase_deadline_ms = now + r->reply_timeout_ms + (int64_t)ceil(r->op_time * 1000);
	if (strcmp(m->type, "run_data") == 0) {
		if (luci_samples_add(&r->samples, &r->ch, json_object_get(m->msg, "data"), err) !=
		    0)
			luci_trouble(s, e, err);
		return;
	}
	state = json_object_get(m->msg, "new");
	if (!json_is_string(state)) {
		luci_trouble(s, e, "run_state_change without a new state");
		return;
	}
	if (strcmp(json_string_value(state), "DONE") == 0) {
		run_finished(s, e);
	} else if (strcmp(json_string_value(state), "ERROR") == 0) {
		luci_trouble(s, e, m->is_error ? m->error : "the device reported run state ERROR");
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

static void on_message(struct sched *s, struct exec *e, struct luci_reply *m, int64_t now)
{
	struct luci_run *r = e->luci;

	if (m->type == NULL) {
		luci_trouble(s, e, "message without a type");
		return;
	}
	if (strcmp(m->type, "log") == 0) {
		device_log(e, m);
		return;
	}
	if ((r->phase == LP_START_RUN || r->phase == LP_COLLECTING) &&
	    (strcmp(m->type, "run_data") == 0 || strcmp(m->type, "run_state_change") == 0)) {
		r->phase = LP_COLLECTING;
		on_run_message(s, e, m, now);
		return;
	}
	if (r->phase == LP_ENTITIES && is_reply(r, m, "get_entities"))
		on_entities(s, e, m, now);
	else if (r->phase == LP_SET_CIRCUIT && is_reply(r, m, "set_circuit"))
		on_circuit_set(s, e, m, now);
	else if (r->phase == LP_START_RUN && is_reply(r, m, "start_run") && m->is_error)
		luci_trouble(s, e, m->error);
	else if (r->phase == LP_START_RUN && is_reply(r, m, "start_run"))
		r->phase = LP_COLLECTING;
	else
		log_debug("task %s: ignoring %s message", e->id, m->type);
}

static void on_lines(struct sched *s, struct exec *e, int64_t now)
{
	struct luci_run *r = e->luci;
	const char *line;
	size_t len;
	int rc;

	while (e->state == EXEC_RUNNING && r->fd >= 0 &&
	       (rc = jsonl_next(&r->rx, &line, &len)) != 0) {
		struct luci_reply m;
		char shown[120];

		if (rc < 0) {
			luci_trouble(s, e, "line longer than the limit");
			return;
		}
		if (luci_reply_parse(line, len, &m) != 0) {
			size_t n = text_clean(
				line, len < sizeof(shown) - 1 ? len : sizeof(shown) - 1, shown);

			shown[n] = '\0';
			exec_log(e, "malformed line from the device: %s", shown);
			luci_trouble(s, e, "malformed message from the device");
			return;
		}
		on_message(s, e, &m, now);
		luci_reply_free(&m);
	}
}

static void on_readable(struct sched *s, struct exec *e, int64_t now)
{
	struct luci_run *r = e->luci;
	char chunk[65536];

	for (;;) {
		ssize_t n = read(r->fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			on_lines(s, e, now);
			if (e->state == EXEC_RUNNING)
				luci_trouble(s, e,
				             n == 0 ? "connection closed by the device"
				                    : strerror(errno));
			return;
		}
		if (jsonl_feed(&r->rx, chunk, (size_t)n) != 0) {
			exec_fail(e, "out of memory");
			return;
		}
		on_lines(s, e, now);
		if (e->state != EXEC_RUNNING || r->fd < 0)
			return;
	}
}

void luci_on_fd(struct sched *s, struct exec *e, short revents)
{
	struct luci_run *r = e->luci;
	int64_t now = now_ms();

	if (e->state != EXEC_RUNNING || r == NULL || r->fd < 0)
		return;
	if (r->phase == LP_CONNECTING) {
		if (revents & (POLLOUT | POLLERR | POLLHUP))
			on_connected(s, e, now);
		return;
	}
	if (revents & POLLOUT)
		luci_flush(r);
	if (revents & (POLLIN | POLLHUP | POLLERR))
		on_readable(s, e, now);
	if (e->state != EXEC_RUNNING)
		luci_close(r);
}

void luci_tick(struct sched *s, struct exec *e, int64_t now)
{
	struct luci_run *r = e->luci;
	char why[128];

	if (e->state != EXEC_RUNNING || r == NULL || r->fd < 0)
		return;
	if (now >= r->run_deadline_ms) {
		luci_abort(e);
		exec_fail(e, "device %s: run timed out after %d s", e->slot->name, e->timeout_s);
	} else if (now >= r->phase_deadline_ms) {
		snprintf(why, sizeof(why), "no answer within %d ms (%s)", r->reply_timeout_ms,
		         phase_names[r->phase]);
		if (r->phase >= LP_START_RUN)
			luci_abort(e);
		luci_trouble(s, e, why);
	}
}

int64_t luci_next_deadline(const struct exec *e)
{
	const struct luci_run *r = e->luci;

	if (e->state != EXEC_RUNNING || r == NULL || r->fd < 0)
		return INT64_MAX;
	return r->phase_deadline_ms < r->run_deadline_ms ? r->phase_deadline_ms
	                                                 : r->run_deadline_ms;
}

/* Best effort stop_run, then close: the loop never waits for the device. */
void luci_abort(struct exec *e)
{
	struct luci_run *r = e->luci;
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

void luci_shutdown(struct sched *s, struct exec *e, bool forced)
{
	if (e->state != EXEC_RUNNING)
		return;
	if (!e->reached) {
		luci_close(e->luci);
		exec_requeue(
			e, "requeued: the scheduler shut down before the task reached the device");
	} else if (forced) {
		luci_abort(e);
		exec_fail(e, "the scheduler shut down before the run finished");
	}
	(void)s;
}
