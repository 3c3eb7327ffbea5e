/*
 * output: exit codes, error messages, CSV.  The CSV format is what
 * spreadsheet and numpy users read without options: a header line, comma
 * separated, '\n' line ends, no quoting needed (numbers only).
 */
#include "autoconfig.h"

#include "cli/output.h"

#include <errno.h>
#include <string.h>

#include "cli/cli.h"

int cli_exit_for_status(long status)
{
	if (status >= 200 && status < 300)
		return CLI_OK;
	if (status == 401 || status == 403)
		return CLI_AUTH;
	if (status == 404)
		return CLI_NOTFOUND;
	if (status == 429)
		return CLI_RATE;
	if (status >= 400 && status < 500)
		return CLI_USAGE;
	return CLI_SERVER;
}

/* "body.op_time" -> "op_time"; the location's first element says only
 * where (body, path, query) unless it is all there is. */
static void print_loc(FILE *f, const json_t *loc)
{
	size_t i, n = json_is_array(loc) ? json_array_size(loc) : 0;
	const char *sep = "";

	for (i = n > 1 ? 1 : 0; i < n; i++) {
		const json_t *e = json_array_get(loc, i);

		if (json_is_string(e))
			fprintf(f, "%s%s", sep, json_string_value(e));
		else if (json_is_integer(e))
			fprintf(f, "%s%lld", sep, (long long)json_integer_value(e));
		sep = ".";
	}
	if (n == 0)
		fputs("request", f);
}

static void print_detail_list(FILE *f, const json_t *detail)
{
	size_t i;
	const json_t *item;

	json_array_foreach (detail, i, item) {
		const json_t *msg = json_object_get(item, "msg");

		print_loc(f, json_object_get(item, "loc"));
		fprintf(f, ": %s\n", json_is_string(msg) ? json_string_value(msg) : "invalid");
	}
}

void cli_print_error(FILE *f, long status, const char *body, long retry_after,
                     const char *transport_err)
{
	json_t *doc = NULL, *detail;

	if (status == 0) {
		fprintf(f, "acloud: cannot reach the server: %s\n",
		        transport_err && *transport_err ? transport_err : "connection failed");
		return;
	}
	if (body)
		doc = json_loads(body, JSON_DECODE_ANY, NULL);
	detail = json_object_get(doc, "detail");
	if (json_is_string(detail))
		fprintf(f, "acloud: %s\n", json_string_value(detail));
	else if (json_is_array(detail))
		print_detail_list(f, detail);
	else
		fprintf(f, "acloud: the server answered HTTP %ld\n", status);
	if (status == 429 && retry_after >= 0)
		fprintf(f, "acloud: retry in %ld s\n", retry_after);
	json_decref(doc);
}

/* The channel count and the common length, or -1 with msg. */
static int check_shape(const json_t *result, size_t *samples, const char **msg)
{
	size_t i, n = 0;
	const json_t *ch;

	if (!json_is_array(result)) {
		*msg = "the result is not a list of channels";
		return -1;
	}
	json_array_foreach (result, i, ch) {
		size_t k;
		const json_t *v;

		if (!json_is_array(ch)) {
			*msg = "a channel of the result is not a list";
			return -1;
		}
		if (i > 0 && json_array_size(ch) != n) {
			*msg = "the result's channels differ in length";
			return -1;
		}
		n = json_array_size(ch);
		json_array_foreach (ch, k, v)
			if (!json_is_number(v)) {
				*msg = "the result holds something else than numbers";
				return -1;
			}
	}
	*samples = n;
	return 0;
}

int cli_write_csv(FILE *f, const json_t *result, double sample_rate, const char **msg)
{
	size_t samples = 0, channels, c, k;

	*msg = NULL;
	if (check_shape(result, &samples, msg) < 0)
		return -1;
	if (!(sample_rate > 0)) {
		*msg = "the task has no sample rate";
		return -1;
	}
	channels = json_array_size(result);
	fputs("t", f);
	for (c = 0; c < channels; c++)
		fprintf(f, ",ch%zu", c);
	fputc('\n', f);
	for (k = 0; k < samples; k++) {
		fprintf(f, "%.17g", (double)k / sample_rate);
		for (c = 0; c < channels; c++)
			fprintf(f, ",%.17g",
			        json_number_value(json_array_get(json_array_get(result, c), k)));
		fputc('\n', f);
	}
	if (fflush(f) != 0 || ferror(f)) {
		*msg = strerror(errno);
		return -1;
	}
	return 0;
}

json_t *cli_parse_result(const char *text, size_t len)
{
	return json_loadb(text, len, JSON_DECODE_INT_AS_REAL, NULL);
}

int cli_write_file(const char *path, const void *data, size_t n)
{
	FILE *f;
	int rc = 0;

	if (!path || !strcmp(path, "-")) {
		if (fwrite(data, 1, n, stdout) != n || fflush(stdout) != 0)
			return -1;
		return 0;
	}
	f = fopen(path, "wb");
	if (!f)
		return -1;
	if (fwrite(data, 1, n, f) != n)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}
