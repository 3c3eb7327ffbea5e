/*
 * Unit tests of src/scheduler/lucidac_proto.c: replies as real firmware and
 * lucipy's Emulation send them, requests as the contract describes them,
 * channel mapping and the measurement list.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "scheduler/lucidac_proto.h"

static int parse(const char *line, struct luci_reply *r)
{
	return luci_reply_parse(line, strlen(line), r);
}

Test(sched_lucidac, reply_ok_with_id)
{
	struct luci_reply r;

	cr_assert_eq(parse("{\"id\":\"x1\",\"type\":\"set_circuit\",\"msg\":{},\"code\":0}", &r),
	             0);
	cr_assert_str_eq(r.type, "set_circuit");
	cr_assert_str_eq(r.id, "x1");
	cr_assert_not(r.is_error);
	luci_reply_free(&r);
}

Test(sched_lucidac, emulation_start_run_reply_without_id)
{
	struct luci_reply r;

	cr_assert_eq(parse("{\"type\": \"start_run\", \"msg\": {}, \"code\": 0}", &r), 0);
	cr_assert_null(r.id);
	cr_assert_str_eq(r.type, "start_run");
	cr_assert_not(r.is_error);
	luci_reply_free(&r);
}

Test(sched_lucidac, error_forms)
{
	struct luci_reply r;

	cr_assert_eq(
		parse("{\"id\":1,\"type\":\"ping\",\"msg\":{},\"error\":\"no such thing\",\"code\":-2}",
	              &r),
		0);
	cr_assert(r.is_error);
	cr_assert_null(r.id); /* numeric ids are not ours */
	cr_assert_str_eq(r.error, "no such thing");
	luci_reply_free(&r);

	cr_assert_eq(parse("{\"type\":\"set_circuit\",\"error\":{\"reason\":\"bad\"}}", &r), 0);
	cr_assert(r.is_error);
	cr_assert_str_eq(r.error, "{\"reason\":\"bad\"}");
	luci_reply_free(&r);

	cr_assert_eq(parse("{\"type\":\"set_circuit\",\"code\":7}", &r), 0);
	cr_assert(r.is_error);
	cr_assert_str_eq(r.error, "error code 7");
	luci_reply_free(&r);
}

Test(sched_lucidac, garbage)
{
	struct luci_reply r;

	cr_assert_eq(parse("not json at all", &r), -1);
	cr_assert_eq(parse("[1,2,3]", &r), -1);
	cr_assert_eq(parse("{\"type\":", &r), -1);
	cr_assert_eq(parse("{\"a\":1} trailing", &r), -1);
}

Test(sched_lucidac, encode_request)
{
	size_t len;
	char *line = luci_encode("abc", "get_entities", NULL, &len);
	json_t *j;

	cr_assert_not_null(line);
	cr_assert_eq(line[len - 1], '\n');
	cr_assert_eq(strchr(line, '\n'), line + len - 1);
	j = json_loads(line, 0, NULL);
	cr_assert_str_eq(json_string_value(json_object_get(j, "id")), "abc");
	cr_assert_str_eq(json_string_value(json_object_get(j, "type")), "get_entities");
	cr_assert(json_is_object(json_object_get(j, "msg")));
	json_decref(j);
	free(line);
}

Test(sched_lucidac, mac_from_entities)
{
	json_t *msg = json_loads("{\"entities\":{\"/70-79-74-68-6f-6e\":{\"/0\":{}}}}", 0, NULL);
	char mac[64];

	cr_assert_eq(luci_mac(msg, mac, sizeof(mac)), 0);
	cr_assert_str_eq(mac, "70-79-74-68-6f-6e");
	json_decref(msg);
	msg = json_loads("{\"entities\":{}}", 0, NULL);
	cr_assert_eq(luci_mac(msg, mac, sizeof(mac)), -1);
	json_decref(msg);
	cr_assert_eq(luci_mac(NULL, mac, sizeof(mac)), -1);
}

Test(sched_lucidac, channels)
{
	char err[LUCI_ERR_MAX];
	struct luci_channels ch;
	json_t *c = json_loads("{\"adc_channels\":[0,null,5,null]}", 0, NULL);

	cr_assert_eq(luci_channels(c, &ch, err), 0);
	cr_assert_eq(ch.n_out, 2);
	cr_assert_eq(ch.column[0], 0);
	cr_assert_eq(ch.column[1], 2);
	cr_assert_eq(ch.num_channels, 3);
	json_decref(c);

	c = json_loads("{\"adc_channels\":[16]}", 0, NULL);
	cr_assert_eq(luci_channels(c, &ch, err), -1);
	json_decref(c);
	c = json_loads("{\"adc_channels\":[0,1,2,3,4,5,6,7,8]}", 0, NULL);
	cr_assert_eq(luci_channels(c, &ch, err), -1);
	json_decref(c);
	c = json_loads("{}", 0, NULL);
	cr_assert_eq(luci_channels(c, &ch, err), 0);
	cr_assert_eq(ch.n_out, 0);
	json_decref(c);
}

Test(sched_lucidac, ic_time)
{
	json_t *fast = json_loads("{\"/0\":{\"/M0\":{\"elements\":[{\"k\":10000},{\"k\":10000}]}}}",
	                          0, NULL);
	json_t *slow = json_loads("{\"/0\":{\"/M0\":{\"elements\":[{\"k\":10000},{\"k\":100}]}}}",
	                          0, NULL);

	cr_assert_eq(luci_ic_time_ns(fast), 100000L);
	cr_assert_eq(luci_ic_time_ns(slow), 10000000L);
	json_decref(fast);
	json_decref(slow);
}

Test(sched_lucidac, start_run_message)
{
	json_t *m = luci_start_run_msg("rid", 0.25, 10000, 3, 100000);
	json_t *cfg = json_object_get(m, "config"), *daq = json_object_get(m, "daq_config");

	cr_assert_str_eq(json_string_value(json_object_get(m, "id")), "rid");
	cr_assert_eq(json_integer_value(json_object_get(cfg, "op_time")), 250000000);
	cr_assert_eq(json_integer_value(json_object_get(cfg, "ic_time")), 100000);
	cr_assert_eq(json_integer_value(json_object_get(daq, "num_channels")), 3);
	cr_assert_eq(json_integer_value(json_object_get(daq, "sample_rate")), 10000);
	json_decref(m);
}

Test(sched_lucidac, samples_extra_columns_and_limit)
{
	char err[LUCI_ERR_MAX];
	struct luci_channels ch;
	struct luci_samples s = { 0 };
	json_t *c = json_loads("{\"adc_channels\":[null,1]}", 0, NULL);
	json_t *rows = json_loads("[[0,0.5,9,9,9,9,9,9],[0,-1,9,9,9,9,9,9],[0,0.25,9,9,9,9,9,9]]",
	                          0, NULL);
	json_t *bad = json_loads("[[0]]", 0, NULL);
	json_t *notarray = json_object();
	size_t len;
	char *out;

	cr_assert_eq(luci_channels(c, &ch, err), 0);
	cr_assert_eq(luci_samples_add(&s, &ch, rows, err), 0);
	cr_assert_eq(s.n, 3);
	out = luci_samples_json(&s, &ch, 2, &len);
	cr_assert_str_eq(out, "[[0.5,-1]]");
	free(out);
	s.col[0][0] = 0.1;
	s.col[0][1] = 2.0 / 3.0;
	out = luci_samples_json(&s, &ch, 2, &len);
	cr_assert_str_eq(out, "[[0.1,0.6666666666666666]]");
	cr_assert_eq(strlen(out), len);
	free(out);
	cr_assert_eq(luci_samples_add(&s, &ch, bad, err), -1);
	cr_assert_eq(luci_samples_add(&s, &ch, notarray, err), -1);
	luci_samples_free(&s);
	json_decref(c);
	json_decref(rows);
	json_decref(bad);
	json_decref(notarray);
}
