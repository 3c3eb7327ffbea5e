/*
 * result: writes a run's measurement list (contract section 5: a JSON
 * array with one array of numbers per measured channel) straight to a
 * stream, without building a JSON tree, since a result holds up to two
 * million numbers.
 */
#ifndef ACLOUD_SIM_RESULT_H
#define ACLOUD_SIM_RESULT_H

#include <stdio.h>

#include "sim/integrate.h"

/*
 * Numbers are written with 9 significant digits (float precision and more
 * than the ADC resolves).  Returns 0, or -1 on a write error or a
 * non-finite value (JSON has no NaN or Infinity; the integrator never
 * produces one).
 */
int result_write_json(FILE *out, const struct sim_result *res);

/* Formats one finite number as %.9g does, into buf (at least 24 bytes);
 * returns the length. */
int result_format_number(char *buf, double v);

#endif
