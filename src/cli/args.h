/*
 * args: the command line of `acloud` into a struct cli_args.  Pure (no
 * I/O), so the unit tests drive it with argument vectors.  Options may
 * come before or after the command; an option the command does not take
 * is a usage error, as is a wrong number of operands.
 */
#ifndef ACLOUD_CLI_ARGS_H
#define ACLOUD_CLI_ARGS_H

#include "cli/cli.h"

/* Fills *a from argv[1..argc).  Returns 0, or CLI_USAGE with the reason
 * in err. */
int cli_parse_args(int argc, char **argv, struct cli_args *a, char *err, size_t errlen);

/* The command's name ("run"), for messages. */
const char *cli_cmd_name(enum cli_cmd cmd);

#endif
