/*
 * cpath: the location stack the circuit loaders keep while they descend
 * into a document, and the one way they report a violation: cpath_fail()
 * copies the current path into a struct circuit_error with a message.
 * Internal to the sim library.
 */
#ifndef ACLOUD_SIM_CPATH_H
#define ACLOUD_SIM_CPATH_H

#include "circuit/circuit.h"

struct cpath {
	int n;
	struct {
		const char *key; /* NULL for an index */
		long index;
	} p[CIRCUIT_LOC_PARTS];
};

void cpath_key(struct cpath *path, const char *key);
void cpath_index(struct cpath *path, long index);
void cpath_pop(struct cpath *path);

/* Fills *err (when not NULL) from the path and the message; returns -1. */
int cpath_fail(const struct cpath *path, struct circuit_error *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
