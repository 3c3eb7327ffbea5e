/*
 * lucidac_proto: the messages of the LUCIDAC JSON-lines protocol (contract
 * section 7), without any I/O: building requests, reading replies, mapping
 * the run's ADC columns onto the task's channels and writing the nested
 * measurement list.  Liberal in what it accepts, as the contract asks for
 * lucipy's Emulation: replies without an id, rows with more columns than
 * asked, an "error" either as a string or as an object.
 */
#ifndef ACLOUD_SCHED_LUCIDAC_PROTO_H
#define ACLOUD_SCHED_LUCIDAC_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define LUCI_MAX_CHANNELS 8
#define LUCI_ERR_MAX      512

/* One message from the device.  root owns everything; the rest borrow. */
struct luci_reply {
	json_t *root;
	const char *type; /* NULL when absent */
	const char *id;   /* NULL when absent (lucipy's start_run reply) */
	json_t *msg;      /* NULL when absent */
	bool is_error;    /* "error" present, or a non-zero "code" */
	char error[LUCI_ERR_MAX];
};

/* 0, or -1 when the line is not a JSON object (garbage). */
int luci_reply_parse(const char *line, size_t len, struct luci_reply *r);
void luci_reply_free(struct luci_reply *r);

/* One request line, newline included; `msg` is stolen (NULL: {}).  NULL on OOM. */
char *luci_encode(const char *id, const char *type, json_t *msg, size_t *len);

/* The carrier's MAC address from a get_entities reply's msg (leading '/' dropped). */
int luci_mac(json_t *msg, char *out, size_t cap);

/* Which device columns make the task's channels (adc_channels, nulls skipped). */
struct luci_channels {
	int n_out;                     /* channels in the result */
	int column[LUCI_MAX_CHANNELS]; /* result channel k = device column column[k] */
	int num_channels;              /* daq num_channels: trailing nulls dropped */
};
int luci_channels(json_t *circuit, struct luci_channels *ch, char err[LUCI_ERR_MAX]);

/* IC time in ns: 100 us when every integrator is fast, 10 ms otherwise (as lucipy). */
long luci_ic_time_ns(json_t *circuit);

json_t *luci_set_circuit_msg(const char *mac, json_t *circuit);
json_t *luci_start_run_msg(const char *run_id, double op_time, int sample_rate, int num_channels,
                           long ic_time_ns);

/* Samples collected so far, one column per result channel. */
struct luci_samples {
	double *col[LUCI_MAX_CHANNELS];
	size_t n;
	size_t cap;
};
/* Append the rows of a run_data msg.data.  0, or -1 with err set. */
int luci_samples_add(struct luci_samples *s, const struct luci_channels *ch, json_t *data,
                     char err[LUCI_ERR_MAX]);
/* The measurement list, at most `limit` samples per channel.  NULL on OOM. */
char *luci_samples_json(const struct luci_samples *s, const struct luci_channels *ch, size_t limit,
                        size_t *len);
void luci_samples_free(struct luci_samples *s);

#endif
