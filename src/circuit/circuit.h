/*
 * circuit: the one in-memory model of a LUCIDAC cluster, shared by the
 * simulator, the ODE compiler, the REST API (validation of uploaded
 * circuits) and the scheduler (format conversion for device drivers).
 *
 * A cluster has 32 lanes.  Lane l reads one M-block output u[l] (0-15),
 * scales it by coef[l] (x10 when upscale[l]) and adds it into every M-block
 * input whose lane mask sum[input] has bit l.  M-block outputs 0-7 are the
 * integrators of M0, 8-11 the four multipliers of M1 (multiplier j
 * multiplies inputs 8+2j and 9+2j), 12-15 M1's identity elements, which
 * read as 0 except where the constant source replaces them (lanes 0-15
 * reading 15, lanes 16-31 reading 14).  See docs/simulator.md.
 *
 * Loaders (JSON and APB) validate everything and report the first violation
 * with a location, so that the REST API can answer a FastAPI-style 422.
 */
#ifndef ACLOUD_SIM_CIRCUIT_H
#define ACLOUD_SIM_CIRCUIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum {
	CIRCUIT_LANES = 32,     /* U/C/I lanes of a cluster */
	CIRCUIT_MBLOCK = 16,    /* M-block inputs and outputs */
	CIRCUIT_INTS = 8,       /* integrators, M-block outputs 0-7 */
	CIRCUIT_MULS = 4,       /* multipliers, M-block outputs 8-11 */
	CIRCUIT_MUL_BASE = 8,   /* first multiplier output / input */
	CIRCUIT_ID_BASE = 12,   /* first identity output (reads 0) */
	CIRCUIT_ADC_MAX = 8,    /* ADC channels */
	CIRCUIT_CLUSTERS = 3,   /* clusters "/0".."/2" of a REDAC carrier */
	CIRCUIT_K_FAST = 10000, /* integrator time factors, 1/s */
	CIRCUIT_K_SLOW = 100,
	CIRCUIT_UNUSED = -1 /* no M-block output (null lane, null ADC) */
};

struct circuit {
	int8_t u[CIRCUIT_LANES];      /* M-block output read, or UNUSED */
	double coef[CIRCUIT_LANES];   /* C-block factor in [-1, 1] */
	bool upscale[CIRCUIT_LANES];  /* I-block x10 upscaling */
	uint32_t sum[CIRCUIT_MBLOCK]; /* bit l: lane l feeds this input */
	double constant;              /* 0 (off), +-1 or +-0.1 */
	int k[CIRCUIT_INTS];          /* 100 or 10000 per second */
	double ic[CIRCUIT_INTS];      /* in [-1, 1]; x(0) = -ic */
	int nadc;                     /* entries of adc[] */
	int8_t adc[CIRCUIT_ADC_MAX];  /* M-block output, or UNUSED */
	int cluster;                  /* cluster index, 0 for LUCIDAC */
};

/*
 * Where and why a circuit was rejected.  loc is JSON-pointer-like: keys that
 * start with '/' ("/0", "/C") are written as they are, other keys and array
 * indices get a '/' in front, so "/0/C/elements/5".  part[] holds the same
 * path as components for a FastAPI "loc" list (circuit_error_loc()).
 * All texts are valid UTF-8 (invalid bytes of quoted input become '?').
 */
enum {
	CIRCUIT_LOC_PARTS = 10
};

struct circuit_error {
	char loc[128];
	char msg[256];
	int nparts;
	struct {
		char key[24]; /* "" when the component is an index */
		long index;
	} part[CIRCUIT_LOC_PARTS];
};

/* An empty cluster: no lanes, all integrators k = 10000 and ic = 0. */
void circuit_init(struct circuit *c);

/* Effective weight of lane l: coef, times 10 when upscaled. */
double circuit_lane_weight(const struct circuit *c, int lane);

/* Whether any lane is routed (a U output or an I-block sum is set); a REDAC
 * carrier may have at most one cluster in use. */
bool circuit_in_use(const struct circuit *c);

/*
 * Range checks of every field and the algebraic-loop check; loaders call it,
 * code that builds circuits (the compiler) should too.  Returns 0, or -1 and
 * fills *err with a location in JSON-circuit naming.
 */
int circuit_validate(const struct circuit *c, struct circuit_error *err);

/*
 * Multiplier cycle search.  Returns the lane that closes a cycle through
 * multipliers only (a lane with non-zero weight reading a multiplier output
 * and feeding a multiplier input), or -1 when there is none.
 */
int circuit_find_loop(const struct circuit *c);

/*
 * Loads the JSON circuit of lucipy's Circuit.generate() (a LUCIDAC carrier
 * with cluster "/0", or a REDAC carrier with clusters "/0".."/2" of which at
 * most one is in use).  Unknown keys and wrong types are rejected.
 */
int circuit_from_json(struct circuit *out, const json_t *root, struct circuit_error *err);

/* Writes the same JSON shape (carrier object with the cluster and the ADC
 * channels).  Returns a new reference, or NULL when out of memory. */
json_t *circuit_to_json(const struct circuit *c);

/* Loads an APB file (pb.File of analog-protobuf's main.proto). */
int circuit_from_apb(const uint8_t *buf, size_t len, struct circuit *out,
                     struct circuit_error *err);

/*
 * Writes an APB file: the inverse of circuit_from_apb() up to float32
 * rounding of coefficients and ics (the schema's types) and dropping null
 * ADC entries (APB lists only measured channels).  *buf is malloc'ed and
 * owned by the caller.  Returns 0, or -1 when out of memory.
 */
int circuit_to_apb(const struct circuit *c, uint8_t **buf, size_t *len);

/* The error location as a JSON array of keys (strings) and indices
 * (integers), for a FastAPI "loc" after ["body", "circuit"]. */
json_t *circuit_error_loc(const struct circuit_error *err);

#endif
