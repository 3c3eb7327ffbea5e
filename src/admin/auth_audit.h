/*
 * auth_audit.h: check-config's warnings about how auth.yml keeps its
 * secrets (see auth_audit.c).
 */
#ifndef ACLOUD_ADMIN_AUTH_AUDIT_H
#define ACLOUD_ADMIN_AUTH_AUDIT_H

#include <stdio.h>

#include "common/config.h"

/* Writes one warning line per finding to `out`; returns how many.  A
 * valid file with warnings is still valid: the caller's exit status does
 * not change. */
int auth_audit(const struct auth_config *auth, const char *path, FILE *out);

#endif
