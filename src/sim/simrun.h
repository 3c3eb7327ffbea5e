/*
 * simrun: a simulator run as a program performs it, shared by acloud-sim
 * and the scheduler's simulator children (forked, not exec'd), so that the
 * input format, the progress lines, the summary and the errors have one
 * implementation.
 *
 * The run input is the command-driver protocol of contract section 7:
 * {"circuit": {...} | "circuit_apb": "<base64>", "op_time": T,
 * "sample_rate": R}, and nothing else.
 */
#ifndef ACLOUD_SIM_SIMRUN_H
#define ACLOUD_SIM_SIMRUN_H

#include <stddef.h>
#include <stdio.h>

#include "circuit/circuit.h"
#include "sim/integrate.h"

/*
 * Parses a run input (json[0..len), need not be NUL-terminated) into the
 * circuit and *opt (reset; op_time and sample_rate set).  Returns 0, or -1
 * with a one-line message in err.  Limits are checked by sim_run_print.
 */
int sim_input_parse(const char *json, size_t len, struct circuit *c, struct sim_options *opt,
                    char *err, size_t errlen);

/*
 * Checks the limits, runs the circuit with opt's op_time and sample_rate
 * (its progress fields are replaced), writes "progress N%" lines (every 10%,
 * otherwise at most once a second) and a summary line to `log`, and the
 * measurement list to `out` (flushed).  Returns 0, or -1 with a one-line
 * message in err.
 */
int sim_run_print(const struct circuit *c, const struct sim_options *opt, FILE *out, FILE *log,
                  char *err, size_t errlen);

#endif
