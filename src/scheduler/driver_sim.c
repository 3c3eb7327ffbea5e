/*
 * driver_sim: the simulator driver.  A task runs in a fork of the
 * scheduler running the simulator library (sim/simrun.h, the same code as
 * `acloud-sim --stdin-run`, with the same progress lines, summary and
 * "acloud-sim: error: ..." line): no exec, no dynamic loader, which was
 * half the cost of a trivial task.  The child reads the input from the
 * memory it shares with the parent, never uses the parent's database
 * connection (fork closed its fd) and leaves with _exit, so no atexit
 * handler or stdio buffer of the parent runs twice.  The rest is the
 * child-process mechanics of driver_child.c.  A simulator is always
 * available.
 */
#include "autoconfig.h"

#include <stdio.h>

#include "scheduler/driver_child.h"
#include "scheduler/drivers.h"
#include "sim/simrun.h"

/* The forked simulator child: 0 or 1, as acloud-sim --stdin-run exits. */
static int sim_child(void *arg, int out_fd, int err_fd)
{
	const struct exec *e = arg;
	FILE *out = fdopen(out_fd, "w"), *log = fdopen(err_fd, "w");
	struct sim_options opt;
	struct circuit c;
	char msg[512];
	int rc = 1;

	if (out == NULL || log == NULL)
		return 1;
	setvbuf(log, NULL, _IOLBF, 0);
	if (sim_input_parse(e->input.data ? e->input.data : "", e->input.len, &c, &opt, msg,
	                    sizeof(msg)) == 0 &&
	    sim_run_print(&c, &opt, out, log, msg, sizeof(msg)) == 0)
		rc = 0;
	else
		fprintf(log, "acloud-sim: error: %s\n", msg);
	if (fclose(out) != 0)
		rc = 1;
	fclose(log);
	return rc;
}

static int sim_start(struct exec *e, const struct exec_setup *setup)
{
	if (child_task_new(e, "the simulator", CHILD_OUTPUT_MEASUREMENTS) == NULL)
		return -1;
	return child_task_fork(e, sim_child, setup);
}

static enum probe_verdict sim_probe(const struct device_config *dc, const struct exec_env *env,
                                    struct probe_plan *plan)
{
	(void)dc;
	(void)env;
	(void)plan;
	return PROBE_ALIVE;
}

const struct driver_ops simulator_driver = CHILD_DRIVER_OPS("simulator", sim_start, sim_probe);
