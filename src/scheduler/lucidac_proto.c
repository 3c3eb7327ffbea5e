/*
 * lucidac_proto: message building and parsing for the LUCIDAC driver.  No
 * I/O here, so tests/unit/test_sched_lucidac.c covers it completely.
 */
#include "autoconfig.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "scheduler/lucidac_proto.h"

static void reply_error_text(struct luci_reply *r, json_t *error, json_t *code)
{
	char *dump = NULL;

	if (json_is_string(error)) {
		snprintf(r->error, sizeof(r->error), "%s", json_string_value(error));
	} else if (error != NULL && !json_is_null(error)) {
		dump = json_dumps(error, JSON_COMPACT | JSON_ENCODE_ANY);
		snprintf(r->error, sizeof(r->error), "%s", dump ? dump : "error");
	} else {
		snprintf(r->error, sizeof(r->error), "error code %lld",
		         (long long)json_integer_value(code));
	}
	free(dump);
}

int luci_reply_parse(const char *line, size_t len, struct luci_reply *r)
{
	json_t *type, *id, *error, *code;

	memset(r, 0, sizeof(*r));
	r->root = json_loadb(line, len, 0, NULL);
	if (r->root == NULL || !json_is_object(r->root)) {
		json_decref(r->root);
		r->root = NULL;
		return -1;
	}
	type = json_object_get(r->root, "type");
	id = json_object_get(r->root, "id");
	error = json_object_get(r->root, "error");
	code = json_object_get(r->root, "code");
	r->type = json_is_string(type) ? json_string_value(type) : NULL;
	r->id = json_is_string(id) ? json_string_value(id) : NULL;
	r->msg = json_object_get(r->root, "msg");
	r->is_error = (error != NULL && !json_is_null(error)) ||
	              (json_is_integer(code) && json_integer_value(code) != 0);
	if (r->is_error)
		reply_error_text(r, error, code);
	return 0;
}

void luci_reply_free(struct luci_reply *r)
{
	json_decref(r->root);
	memset(r, 0, sizeof(*r));
}

char *luci_encode(const char *id, const char *type, json_t *msg, size_t *len)
{
	json_t *env = json_object();
	char *text = NULL, *line = NULL;
	size_t n;

	if (msg == NULL)
		msg = json_object();
	if (env == NULL || msg == NULL)
		goto out;
	if (json_object_set_new(env, "id", json_string(id)) != 0 ||
	    json_object_set_new(env, "type", json_string(type)) != 0 ||
	    json_object_set(env, "msg", msg) != 0)
		goto out;
	text = json_dumps(env, JSON_COMPACT);
	if (text == NULL)
		goto out;
	n = strlen(text);
	line = malloc(n + 2);
	if (line == NULL)
		goto out;
	memcpy(line, text, n);
	line[n] = '\n';
	line[n + 1] = '\0';
	*len = n + 1;
out:
	free(text);
	json_decref(msg);
	json_decref(env);
	return line;
}

int luci_mac(json_t *msg, char *out, size_t cap)
{
	json_t *entities = json_object_get(msg, "entities");
	const char *key;
	json_t *value;

	if (!json_is_object(entities))
		return -1;
	json_object_foreach (entities, key, value) {
		(void)value;
		if (key[0] == '/')
			key++;
		if (key[0] == '\0' || strlen(key) >= cap)
			return -1;
		strcpy(out, key);
		return 0;
	}
	return -1;
}

int luci_channels(json_t *circuit, struct luci_channels *ch, char err[LUCI_ERR_MAX])
{
	json_t *adc = json_object_get(circuit, "adc_channels");
	size_t i;
	json_t *v;

	memset(ch, 0, sizeof(*ch));
	if (adc == NULL || json_is_null(adc))
		return 0;
	if (!json_is_array(adc) || json_array_size(adc) > LUCI_MAX_CHANNELS) {
		snprintf(err, LUCI_ERR_MAX, "adc_channels must be an array of at most %d entries",
		         LUCI_MAX_CHANNELS);
		return -1;
	}
	json_array_foreach (adc, i, v) {
		if (json_is_null(v))
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 15) {
			snprintf(err, LUCI_ERR_MAX,
			         "adc_channels[%zu] must be an M-block output 0-15 or null", i);
			return -1;
		}
		ch->column[ch->n_out++] = (int)i;
		ch->num_channels = (int)i + 1;
	}
	return 0;
}

long luci_ic_time_ns(json_t *circuit)
{
	json_t *elements =
		json_object_get(json_object_get(json_object_get(circuit, "/0"), "/M0"), "elements");
	size_t i;
	json_t *el;

	json_array_foreach (elements, i, el) {
		json_t *k = json_object_get(el, "k");

		if (json_is_number(k) && json_number_value(k) == 100)
			return 10000000L;
	}
	return 100000L;
}

json_t *luci_set_circuit_msg(const char *mac, json_t *circuit)
{
	return json_pack("{s:[s],s:O}", "entity", mac, "config", circuit);
}

json_t *luci_start_run_msg(const char *run_id, double op_time, int sample_rate, int num_channels,
                           long ic_time_ns)
{
	return json_pack("{s:s,s:n,s:{s:b,s:b,s:I,s:I},s:{s:i,s:i,s:b,s:b}}", "id", run_id,
	                 "session", "config", "halt_on_external_trigger", 0, "halt_on_overload", 0,
	                 "ic_time", (json_int_t)ic_time_ns, "op_time",
	                 (json_int_t)llround(op_time * 1e9), "daq_config", "num_channels",
	                 num_channels, "sample_rate", sample_rate, "sample_op", 1, "sample_op_end",
	                 1);
}

static int samples_grow(struct luci_samples *s, int n_out, size_t need)
{
	size_t cap = s->cap ? s->cap : 1024;

	if (need <= s->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	for (int k = 0; k < n_out; k++) {
		double *p = realloc(s->col[k], cap * sizeof(double));

		if (p == NULL)
			return -1;
		s->col[k] = p;
	}
	s->cap = cap;
	return 0;
}

int luci_samples_add(struct luci_samples *s, const struct luci_channels *ch, json_t *data,
                     char err[LUCI_ERR_MAX])
{
	size_t i;
	json_t *row;

	if (!json_is_array(data)) {
		snprintf(err, LUCI_ERR_MAX, "run_data without a data array");
		return -1;
	}
	if (samples_grow(s, ch->n_out, s->n + json_array_size(data)) != 0) {
		snprintf(err, LUCI_ERR_MAX, "out of memory collecting run data");
		return -1;
	}
	json_array_foreach (data, i, row) {
		if (!json_is_array(row) || json_array_size(row) < (size_t)ch->num_channels) {
			snprintf(err, LUCI_ERR_MAX, "run_data row with %zu values, expected %d",
			         json_is_array(row) ? json_array_size(row) : 0, ch->num_channels);
			return -1;
		}
		for (int k = 0; k < ch->n_out; k++) {
			json_t *v = json_array_get(row, (size_t)ch->column[k]);

			if (!json_is_number(v)) {
				snprintf(err, LUCI_ERR_MAX, "run_data value that is not a number");
				return -1;
			}
			s->col[k][s->n] = json_number_value(v);
		}
		s->n++;
	}
	return 0;
}

/* The shortest of %.15g, %.16g, %.17g that reads back as the same double. */
static int append_double(struct buf *out, double v, bool first)
{
	char text[32];

	if (!isfinite(v))
		return buf_append_str(out, first ? "null" : ",null");
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(text, sizeof(text), "%.*g", prec, v);
		if (strtod(text, NULL) == v)
			break;
	}
	return buf_printf(out, "%s%s", first ? "" : ",", text);
}

char *luci_samples_json(const struct luci_samples *s, const struct luci_channels *ch, size_t limit,
                        size_t *len)
{
	struct buf out = { 0 };
	size_t n = s->n < limit ? s->n : limit;

	if (buf_append_str(&out, "[") != 0)
		goto fail;
	for (int k = 0; k < ch->n_out; k++) {
		if (buf_append_str(&out, k ? ",[" : "[") != 0)
			goto fail;
		for (size_t i = 0; i < n; i++)
			if (append_double(&out, s->col[k][i], i == 0) != 0)
				goto fail;
		if (buf_append_str(&out, "]") != 0)
			goto fail;
	}
	if (buf_append_str(&out, "]") != 0)
		goto fail;
	*len = out.len;
	return out.data;
fail:
	buf_free(&out);
	return NULL;
}

void luci_samples_free(struct luci_samples *s)
{
	for (int k = 0; k < LUCI_MAX_CHANNELS; k++)
		free(s->col[k]);
	memset(s, 0, sizeof(*s));
}
