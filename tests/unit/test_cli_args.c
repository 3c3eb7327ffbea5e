/* acloud's command line: options anywhere, per-command options, operand
 * counts, values checked for form. */
#include "autoconfig.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "cli/args.h"

static char err[256];

#define PARSE(a, ...)                                                                      \
	({                                                                                 \
		char *argv_[] = { "acloud", __VA_ARGS__, NULL };                           \
		cli_parse_args((int)(sizeof argv_ / sizeof argv_[0]) - 1, argv_, (a), err, \
		               sizeof err);                                                \
	})

Test(cli_args, run_with_everything)
{
	struct cli_args a;

	cr_assert_eq(PARSE(&a, "-k", "run", "osc.ode", "--device", "sim-1", "--op-time=0.5",
	                   "--sample-rate", "20000", "--wait", "--format", "json", "-o", "r.json",
	                   "--name", "n"),
	             0, "%s", err);
	cr_assert_eq(a.cmd, CMD_RUN);
	cr_assert(a.insecure);
	cr_assert(a.wait);
	cr_assert_str_eq(a.pos[0], "osc.ode");
	cr_assert_str_eq(a.device, "sim-1");
	cr_assert_float_eq(a.op_time, 0.5, 0);
	cr_assert_float_eq(a.sample_rate, 20000, 0);
	cr_assert_eq(a.format, FMT_JSON);
	cr_assert_str_eq(a.output, "r.json");
	cr_assert_str_eq(a.name, "n");
}

Test(cli_args, defaults_left_to_the_server)
{
	struct cli_args a;

	cr_assert_eq(PARSE(&a, "run", "--compile-task", "abc", "--device", "sim-1"), 0, "%s", err);
	cr_assert(isnan(a.op_time));
	cr_assert(isnan(a.sample_rate));
	cr_assert_eq(a.limit, -1);
	cr_assert_str_eq(a.compile_task, "abc");
}

Test(cli_args, usage_errors)
{
	struct cli_args a;

	cr_assert_eq(PARSE(&a, "frobnicate"), CLI_USAGE);
	cr_assert_eq(PARSE(&a, "--json"), CLI_USAGE); /* no command */
	cr_assert_eq(PARSE(&a, "run", "x.ode"), CLI_USAGE);
	cr_assert(strstr(err, "--device"));
	cr_assert_eq(PARSE(&a, "run", "x.ode", "--compile-task", "y", "--device", "d"), CLI_USAGE);
	cr_assert_eq(PARSE(&a, "run", "--device", "d"), CLI_USAGE);
	cr_assert_eq(PARSE(&a, "run", "x", "--device", "d", "--op-time", "fast"), CLI_USAGE);
	cr_assert_eq(PARSE(&a, "run", "x", "--device", "d", "--op-time", "inf"), CLI_USAGE);
	cr_assert_eq(PARSE(&a, "run", "x", "--device", "d", "--format", "xml"), CLI_USAGE);
	cr_assert_eq(PARSE(&a, "compile", "x.ode"), CLI_USAGE); /* --backend */
	cr_assert_eq(PARSE(&a, "status"), CLI_USAGE);
	cr_assert_eq(PARSE(&a, "status", "a", "b"), CLI_USAGE);
	cr_assert_eq(PARSE(&a, "me", "--follow"), CLI_USAGE); /* not an option of me */
	cr_assert(strstr(err, "--follow"));
	cr_assert_eq(PARSE(&a, "--bogus", "me"), CLI_USAGE);
	cr_assert_eq(PARSE(&a, "me", "--url"), CLI_USAGE); /* value missing */
	cr_assert_eq(PARSE(&a, "tasks", "--limit", "-3"), CLI_USAGE);
	cr_assert_eq(PARSE(&a, "me", "--json=yes"), CLI_USAGE);
}

Test(cli_args, options_before_the_command_are_checked_against_it)
{
	struct cli_args a;

	cr_assert_eq(PARSE(&a, "--follow", "me"), CLI_USAGE);
	cr_assert_eq(PARSE(&a, "--url", "https://x", "--json", "me"), 0, "%s", err);
	cr_assert_str_eq(a.url, "https://x");
	cr_assert(a.json);
}

Test(cli_args, repeated_filters_and_many_ids)
{
	struct cli_args a;

	cr_assert_eq(PARSE(&a, "search", "--state", "queued", "-s", "failed", "--device", "sim-1",
	                   "--device", "sim-2", "--type", "run", "--since", "2026-01-01T00:00:00Z"),
	             0, "%s", err);
	cr_assert_eq(a.n_states, 2);
	cr_assert_str_eq(a.states[1], "failed");
	cr_assert_eq(a.n_devices, 2);
	cr_assert_str_eq(a.devices[1], "sim-2");
	cr_assert_null(a.device);
	cr_assert_eq(PARSE(&a, "delete", "a", "b", "c"), 0);
	cr_assert_eq(a.n_pos, 3);
	cr_assert_eq(PARSE(&a, "wait", "--timeout", "2.5", "a", "b"), 0);
	cr_assert_float_eq(a.timeout, 2.5, 0);
}

Test(cli_args, double_dash_ends_options)
{
	struct cli_args a;

	cr_assert_eq(PARSE(&a, "status", "--", "-odd-id"), 0, "%s", err);
	cr_assert_str_eq(a.pos[0], "-odd-id");
}

Test(cli_args, help_and_version)
{
	struct cli_args a;

	cr_assert_eq(PARSE(&a, "run", "--help"), 0);
	cr_assert_eq(a.cmd, CMD_HELP);
	cr_assert_str_eq(a.pos[0], "run");
	cr_assert_eq(PARSE(&a, "--version"), 0);
	cr_assert_eq(a.cmd, CMD_VERSION);
	cr_assert_eq(PARSE(&a, "help"), 0);
	cr_assert_eq(a.cmd, CMD_HELP);
}

Test(cli_args, no_key_option_exists)
{
	struct cli_args a;

	/* the key only ever comes from a file or the environment */
	cr_assert_eq(PARSE(&a, "me", "--key", "ac_secret"), CLI_USAGE);
}
