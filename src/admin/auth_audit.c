/*
 * auth_audit.c: what `acloud-admin check-config` warns about in a valid
 * auth.yml.  A shared service's keys are its users' identities, so the
 * file should hold no usable secret and be readable by the service alone:
 *   - a key written in clear (`key:`) is a working credential for whoever
 *     reads the file, a backup of it or a diff in a repository; the normal
 *     form is `key_sha256` (acloud-admin hash-key);
 *   - the demo keys of etc/auth.example.yml are published: anyone can use
 *     them, whichever form they are written in;
 *   - a file readable by its group or by others (mode & 044) lets other
 *     local users (and a device program run under another user) read the
 *     keys or their hashes.
 * Findings are warnings, not errors: the file loads and the services run.
 */
#include "autoconfig.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "admin/auth_audit.h"

/* The keys published in etc/auth.example.yml. */
static const char *const demo_keys[] = {
	"ac_demo_alice_0123456789",
	"ac_demo_bob_9876543210",
	"ac_demo_carol_disabled_000",
	"ac_demo_admin_5555555555",
};

#define N_DEMO_KEYS (sizeof(demo_keys) / sizeof(demo_keys[0]))

static int is_demo_key(const unsigned char sha256[32])
{
	unsigned char demo[32];
	size_t i;

	for (i = 0; i < N_DEMO_KEYS; i++) {
		sha256_bytes(demo_keys[i], strlen(demo_keys[i]), demo);
		if (memcmp(demo, sha256, sizeof(demo)) == 0)
			return 1;
	}
	return 0;
}

static int audit_key(const struct auth_key *k, const char *path, FILE *out)
{
	int warnings = 0;

	if (is_demo_key(k->key_sha256)) {
		fprintf(out,
		        "acloud-admin: warning: %s: key '%s' is a published demo key"
		        " (etc/auth.example.yml): anyone can use it; replace it\n",
		        path, k->id);
		warnings++;
	}
	if (k->key_in_clear) {
		fprintf(out,
		        "acloud-admin: warning: %s: key '%s' is written in clear ('key:'): store its"
		        " SHA-256 as 'key_sha256' instead (acloud-admin hash-key)\n",
		        path, k->id);
		warnings++;
	}
	return warnings;
}

static int audit_mode(const char *path, FILE *out)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		fprintf(out, "acloud-admin: warning: %s: cannot stat: %s\n", path, strerror(errno));
		return 1;
	}
	if ((st.st_mode & (S_IRGRP | S_IROTH)) == 0)
		return 0;
	fprintf(out,
	        "acloud-admin: warning: %s: readable by %s (mode %04o): make it readable by the"
	        " service user only (chown acloud:acloud, chmod 600)\n",
	        path, (st.st_mode & S_IROTH) ? "everyone" : "its group",
	        (unsigned)(st.st_mode & 07777));
	return 1;
}

int auth_audit(const struct auth_config *auth, const char *path, FILE *out)
{
	int warnings = audit_mode(path, out);
	size_t i;

	for (i = 0; i < auth->n_keys; i++)
		warnings += audit_key(&auth->keys[i], path, out);
	return warnings;
}
