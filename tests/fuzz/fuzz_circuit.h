/*
 * fuzz_circuit: the invariants every accepted circuit must satisfy, checked
 * by the circuit loaders' and the compiler's fuzz targets: it validates,
 * and it survives the JSON text round trip exactly and the APB round trip
 * up to the schema's float32 rounding (and dropped null ADC entries).
 */
#ifndef ACLOUD_FUZZ_CIRCUIT_H
#define ACLOUD_FUZZ_CIRCUIT_H

#include "circuit/circuit.h"

/* Aborts (so libFuzzer reports the input) when an invariant fails. */
void fuzz_circuit_check(const struct circuit *c);

/* A rejection: its FastAPI location builds, its message is not empty, and
 * message and location are valid UTF-8 (aborts otherwise). */
void fuzz_circuit_error(const struct circuit_error *err);

#endif
