/*
 * acloud-compile: the reference ODE compiler as an ordinary executable
 * (contract section 6).
 *
 *   acloud-compile [--target LUCIDAC|REDAC] [--json] [FILE]
 *
 * Reads the source from FILE or stdin, writes the APB file (or with --json
 * the JSON circuit) on stdout.  Diagnostics go to stderr as
 * "line:col: message"; any error exits 1 (usage errors 2).
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compile/compile.h"
#include "circuit/circuit.h"

static int usage(void)
{
	fputs("usage: acloud-compile [--target LUCIDAC|REDAC] [--json] [FILE]\n", stderr);
	return 2;
}

/* Reads at most COMPILE_SOURCE_MAX + 1 bytes, so that too large is seen. */
static int read_source(FILE *f, char *buf, size_t *len)
{
	*len = fread(buf, 1, COMPILE_SOURCE_MAX + 1, f);
	return ferror(f) ? -1 : 0;
}

static int write_output(const struct circuit *c, int json)
{
	if (json) {
		json_t *root = circuit_to_json(c);
		int rc;

		if (!root)
			return -1;
		rc = json_dumpf(root, stdout, JSON_COMPACT);
		json_decref(root);
		if (rc < 0 || fputc('\n', stdout) == EOF)
			return -1;
	} else {
		uint8_t *buf;
		size_t len;
		int rc;

		if (circuit_to_apb(c, &buf, &len) < 0)
			return -1;
		rc = fwrite(buf, 1, len, stdout) == len ? 0 : -1;
		free(buf);
		if (rc < 0)
			return -1;
	}
	return fflush(stdout) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	enum compile_target target = COMPILE_LUCIDAC;
	const char *file = NULL;
	struct compile_diag diag;
	struct circuit c;
	char *src = NULL;
	size_t len;
	int i, json = 0, rc = 1;
	FILE *f;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--target") == 0 && i + 1 < argc) {
			if (compile_target_parse(argv[++i], &target) < 0) {
				fprintf(stderr,
				        "acloud-compile: unknown target \"%s\" (LUCIDAC or REDAC)\n",
				        argv[i]);
				return 2;
			}
		} else if (!file && (argv[i][0] != '-' || strcmp(argv[i], "-") == 0))
			file = argv[i];
		else
			return usage();
	}
	f = !file || strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
	if (!f) {
		fprintf(stderr, "acloud-compile: cannot open %s: %s\n", file, strerror(errno));
		return 1;
	}
	if (!(src = malloc(COMPILE_SOURCE_MAX + 1)) || read_source(f, src, &len) < 0) {
		fprintf(stderr, "acloud-compile: cannot read the source\n");
		goto out;
	}
	if (compile_source(src, len, target, &c, &diag) < 0) {
		fprintf(stderr, "%d:%d: %s\n", diag.line, diag.col, diag.msg);
		goto out;
	}
	if (write_output(&c, json) < 0) {
		fprintf(stderr, "acloud-compile: cannot write the output: %s\n", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (f != stdin)
		fclose(f);
	free(src);
	return rc;
}
