/*
 * acloud-yaml2json: the build's YAML -> JSON converter (docs/openapi.yaml ->
 * docs/openapi.json), so that the build needs no node.  Owns the command
 * line and writing the output; the conversion itself is yaml_json.c.
 *
 *   acloud-yaml2json [-c] [-o OUTPUT] [INPUT]
 *
 * Reads INPUT (default: standard input), writes pretty JSON (-c: compact)
 * to OUTPUT (default: standard output).  OUTPUT is written to a temporary
 * file beside it and renamed into place, so a failed run never leaves a
 * half-written file behind.  Exit status: 0 done, 1 conversion or I/O
 * error (message on stderr with the input line), 2 usage error.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "tools/yaml_json.h"

#define PROGRAM "acloud-yaml2json"

/* Reals with 15 significant digits print short decimal literals as written. */
#define DUMP_REAL_PRECISION 15

struct options {
	const char *input;  /* NULL: stdin */
	const char *output; /* NULL: stdout */
	int compact;
};

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: %s [-c] [-o OUTPUT] [INPUT]\n"
	        "Converts one YAML document to JSON (YAML 1.2 core schema).\n"
	        "  -c         compact output (default: indented by 2)\n"
	        "  -o OUTPUT  write to OUTPUT atomically (default: standard output)\n",
	        PROGRAM);
}

static int parse_args(int argc, char **argv, struct options *opt)
{
	int ch;

	while ((ch = getopt(argc, argv, "cho:")) != -1) {
		switch (ch) {
		case 'c':
			opt->compact = 1;
			break;
		case 'o':
			opt->output = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (argc - optind > 1)
		return -1;
	if (argc - optind == 1 && strcmp(argv[optind], "-") != 0)
		opt->input = argv[optind];
	return 0;
}

static json_t *read_input(const char *input)
{
	char err[YAML_JSON_ERR_MAX];
	json_t *doc;

	if (input)
		doc = yaml_json_parse_file(input, err, sizeof(err));
	else
		doc = yaml_json_parse_stream(stdin, err, sizeof(err));
	if (!doc)
		fprintf(stderr, "%s: %s%s\n", PROGRAM, input ? "" : "<stdin>: ", err);
	return doc;
}

static int dump_to(FILE *out, const json_t *doc, size_t flags)
{
	if (json_dumpf(doc, out, flags) != 0)
		return -1;
	return fputc('\n', out) == EOF ? -1 : 0;
}

static int write_output(const char *output, const json_t *doc, size_t flags)
{
	char tmp[4096];
	FILE *out = NULL;
	int n;

	if (!output)
		return dump_to(stdout, doc, flags) == 0 && fflush(stdout) == 0 ? 0 : -1;
	n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", output, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		fprintf(stderr, "%s: %s: path too long\n", PROGRAM, output);
		return -1;
	}
	out = fopen(tmp, "w");
	if (!out)
		goto fail;
	if (dump_to(out, doc, flags) != 0)
		goto fail;
	if (fclose(out) != 0) {
		out = NULL;
		goto fail;
	}
	out = NULL;
	if (rename(tmp, output) != 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "%s: %s: %s\n", PROGRAM, output, strerror(errno));
	if (out)
		fclose(out);
	unlink(tmp);
	return -1;
}

int main(int argc, char **argv)
{
	struct options opt = { 0 };
	size_t flags = JSON_REAL_PRECISION(DUMP_REAL_PRECISION);
	json_t *doc;
	int rc;

	if (parse_args(argc, argv, &opt) != 0) {
		usage(stderr);
		return 2;
	}
	doc = read_input(opt.input);
	if (!doc)
		return 1;
	flags |= opt.compact ? JSON_COMPACT : JSON_INDENT(2);
	rc = write_output(opt.output, doc, flags) == 0 ? 0 : 1;
	json_decref(doc);
	return rc;
}
