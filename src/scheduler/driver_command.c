/*
 * driver_command: tasks run by a configured program with the input blob on
 * stdin: the command driver of devices.yml (its argv, the measurement list
 * on stdout) and the compile queues (the backend's argv, the APB on
 * stdout).  Programs named without a '/' are taken from the scheduler's
 * own directory when they are there, else from PATH.  A command task is
 * marked as having reached its device just before the program starts (a
 * command may drive real hardware); a compile has no device.  The rest is
 * the child-process mechanics of driver_child.c.
 */
#include "autoconfig.h"

#include <stdlib.h>

#include "scheduler/driver_child.h"
#include "scheduler/drivers.h"

static int command_start(struct exec *e, const struct exec_setup *setup)
{
	char **argv;
	int marked;

	if (child_task_new(e, "the command", CHILD_OUTPUT_MEASUREMENTS) == NULL)
		return -1;
	argv = child_task_argv(e->env->exe_dir, setup->device->command, setup->device->n_command);
	if (argv == NULL) {
		exec_fail(e, "no command configured");
		return -1;
	}
	marked = exec_mark_reached(e);
	if (marked <= 0) {
		for (char **a = argv; *a != NULL; a++)
			free(*a);
		free(argv);
	}
	if (marked == 0) {
		exec_change_state(e, EXEC_FINISHED); /* the task is gone: nothing to store */
		return -1;
	}
	if (marked < 0) {
		exec_requeue(e, "requeued: database unavailable before the task started");
		return -1;
	}
	return child_task_spawn(e, argv, setup);
}

static int compile_start(struct exec *e, const struct exec_setup *setup)
{
	char **argv;

	if (child_task_new(e, "the compiler", CHILD_OUTPUT_APB) == NULL)
		return -1;
	argv = child_task_argv(e->env->exe_dir, setup->compiler->command,
	                       setup->compiler->n_command);
	if (argv == NULL) {
		exec_fail(e, "no command configured");
		return -1;
	}
	return child_task_spawn(e, argv, setup);
}

/* A command device is available when its program may be executed. */
static enum probe_verdict command_probe(const struct device_config *dc, const struct exec_env *env,
                                        struct probe_plan *plan)
{
	char *path = dc->n_command > 0 ? child_resolve_exe(env->exe_dir, dc->command[0]) : NULL;
	bool ok = path != NULL && child_executable(path);

	(void)plan;
	free(path);
	return ok ? PROBE_ALIVE : PROBE_DEAD;
}

const struct driver_ops command_driver = CHILD_DRIVER_OPS("command", command_start, command_probe);

const struct driver_ops compile_driver = CHILD_DRIVER_OPS("compile", compile_start, NULL);
