/* acloud's output: exit code mapping, error wording, the CSV writer (its
 * doubles read back exactly), circuit file recognition, base64. */
#include "autoconfig.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/input.h"
#include "cli/output.h"

Test(cli_output, exit_codes)
{
	cr_assert_eq(cli_exit_for_status(200), 0);
	cr_assert_eq(cli_exit_for_status(201), 0);
	cr_assert_eq(cli_exit_for_status(204), 0);
	cr_assert_eq(cli_exit_for_status(400), 2);
	cr_assert_eq(cli_exit_for_status(409), 2);
	cr_assert_eq(cli_exit_for_status(422), 2);
	cr_assert_eq(cli_exit_for_status(401), 3);
	cr_assert_eq(cli_exit_for_status(403), 3);
	cr_assert_eq(cli_exit_for_status(404), 4);
	cr_assert_eq(cli_exit_for_status(429), 5);
	cr_assert_eq(cli_exit_for_status(500), 6);
	cr_assert_eq(cli_exit_for_status(503), 6);
	cr_assert_eq(cli_exit_for_status(0), 6);
}

static char *printed(long status, const char *body, long retry_after, const char *terr)
{
	static char buf[2048];
	FILE *f = fmemopen(buf, sizeof buf, "w");

	cli_print_error(f, status, body, retry_after, terr);
	fclose(f);
	return buf;
}

Test(cli_output, errors_as_the_server_words_them)
{
	cr_assert_str_eq(printed(404, "{\"detail\":\"Task not found\"}", -1, NULL),
	                 "acloud: Task not found\n");
	cr_assert_str_eq(
		printed(422,
	                "{\"detail\":[{\"loc\":[\"body\",\"colour\"],\"msg\":\"Extra inputs are not "
	                "permitted\",\"type\":\"extra_forbidden\"},{\"loc\":[\"body\",\"circuit\",\"/0\","
	                "\"/C\",\"elements\",1],\"msg\":\"out of range\",\"type\":\"value_error\"},"
	                "{\"loc\":[\"body\"],\"msg\":\"Field required\",\"type\":\"missing\"}]}",
	                -1, NULL),
		"colour: Extra inputs are not permitted\ncircuit./0./C.elements.1: out of range\n"
		"body: Field required\n");
	cr_assert_str_eq(printed(429, "{\"detail\":\"Rate limit exceeded\"}", 42, NULL),
	                 "acloud: Rate limit exceeded\nacloud: retry in 42 s\n");
	cr_assert_str_eq(printed(502, "<html>bad gateway</html>", -1, NULL),
	                 "acloud: the server answered HTTP 502\n");
	cr_assert_str_eq(printed(0, NULL, -1, "Connection refused"),
	                 "acloud: cannot reach the server: Connection refused\n");
}

static char *csv_of(const char *result, double rate, int *rc)
{
	static char buf[1 << 16];
	FILE *f = fmemopen(buf, sizeof buf, "w");
	json_t *r = cli_parse_result(result, strlen(result));
	const char *msg;

	cr_assert_not_null(r);
	*rc = cli_write_csv(f, r, rate, &msg);
	fclose(f);
	json_decref(r);
	return buf;
}

Test(cli_output, csv_layout)
{
	int rc;

	cr_assert_str_eq(csv_of("[[0.5,0.25],[0,-1]]", 10000, &rc),
	                 "t,ch0,ch1\n0,0.5,0\n0.0001,0.25,-1\n");
	cr_assert_eq(rc, 0);
	cr_assert_str_eq(csv_of("[]", 10, &rc), "t\n");
	csv_of("[[1,2],[3]]", 10, &rc);
	cr_assert_eq(rc, -1);
	csv_of("[[1,\"x\"]]", 10, &rc);
	cr_assert_eq(rc, -1);
	csv_of("{\"a\":1}", 10, &rc);
	cr_assert_eq(rc, -1);
}

/* Doubles of every kind written as CSV read back bit for bit. */
Test(cli_output, csv_round_trip_of_doubles)
{
	enum {
		N = 2000
	};
	json_t *ch = json_array(), *result = json_array();
	double want[N];
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *msg;
	size_t k = 0;

	srand(12345);
	for (int i = 0; i < N; i++) {
		double v = ((double)rand() / RAND_MAX - 0.5) * (i % 7 == 0 ? 1e-300 : 1.0);

		if (i % 11 == 0)
			v = 1.0 / 3.0 * (i + 1);
		if (i == 1)
			v = 2.2250738585072014e-308;
		if (i == 2)
			v = -0.0;
		want[i] = v;
		json_array_append_new(ch, json_real(v));
	}
	json_array_append_new(result, ch);
	cr_assert_eq(cli_write_csv(f, result, 3.0, &msg), 0);
	fclose(f);
	line = strtok_r(buf, "\n", &save);
	cr_assert_str_eq(line, "t,ch0");
	while ((line = strtok_r(NULL, "\n", &save))) {
		char *comma = strchr(line, ',');
		double t = strtod(line, NULL), v = strtod(comma + 1, NULL);

		cr_assert_eq(memcmp(&v, &want[k], sizeof v), 0, "row %zu: %s", k, line);
		cr_assert_eq(t, (double)k / 3.0);
		k++;
	}
	cr_assert_eq(k, N);
	free(buf);
	json_decref(result);
}

Test(cli_output, circuit_files_recognised_by_content)
{
	const char apb[] = { 0x0a, 0x02, 0x10, 0x01, 0x12, (char)0xf6, 0x02 };
	const char ode[] = "x' = -y\ny' = x\n";
	const char json[] = "{\"/0\": {}, \"adc_channels\": [0]}";

	cr_assert_eq(cli_circuit_kind("c.json", json, strlen(json)), CIRCUIT_JSON);
	cr_assert_eq(cli_circuit_kind("anything", json, strlen(json)), CIRCUIT_JSON);
	cr_assert_eq(cli_circuit_kind("h.bin", apb, sizeof apb), CIRCUIT_APB);
	cr_assert_eq(cli_circuit_kind("osc.txt", ode, strlen(ode)), CIRCUIT_ODE);
	cr_assert_eq(cli_circuit_kind("-", "# é ü\nx' = 1\n", 14), CIRCUIT_ODE);
	cr_assert_eq(cli_circuit_kind("x.ode", json, strlen(json)), CIRCUIT_ODE);
	cr_assert_eq(cli_circuit_kind("e", "", 0), CIRCUIT_UNKNOWN);
	cr_assert_eq(cli_circuit_kind("t", "\xc3", 1), CIRCUIT_APB); /* cut UTF-8 */
}

Test(cli_output, base64)
{
	char *s;

	s = cli_base64((const unsigned char *)"", 0);
	cr_assert_str_eq(s, "");
	free(s);
	s = cli_base64((const unsigned char *)"f", 1);
	cr_assert_str_eq(s, "Zg==");
	free(s);
	s = cli_base64((const unsigned char *)"fo", 2);
	cr_assert_str_eq(s, "Zm8=");
	free(s);
	s = cli_base64((const unsigned char *)"foobar", 6);
	cr_assert_str_eq(s, "Zm9vYmFy");
	free(s);
}

/* The man page documents every exit code. */
Test(cli_output, man_page_lists_every_exit_code)
{
	char path[512], *text = NULL, *sect;
	size_t len = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/man/acloud.1", TEST_SRCDIR);
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	cr_assert_geq(getdelim(&text, &len, '\0', f), 0);
	fclose(f);
	sect = strstr(text, ".SH \"EXIT STATUS\"");
	cr_assert_not_null(sect);
	for (int code = CLI_OK; code <= CLI_SERVER; code++) {
		char tag[16];

		snprintf(tag, sizeof tag, ".IP %d\n", code);
		cr_assert_not_null(strstr(sect, tag), "exit code %d not documented", code);
	}
	free(text);
}
