/*
 * config_util: the small public helpers of config.h that are not about one
 * particular file: device class names, SHA-256 (libcrypto EVP, used for API
 * keys by the loader, the API and `acloud-admin hash-key`) and file stamps
 * (for reload-on-change).
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/config_yaml.h"

#include <openssl/evp.h>

#include "common/config.h"

const char *const device_class_names[DEVICE_CLASS_COUNT + 1] = {
	[DEVICE_CLASS_SIMULATOR] = "SIMULATOR",
	[DEVICE_CLASS_LUCIDAC] = "LUCIDAC",
	[DEVICE_CLASS_REDAC] = "REDAC",
	[DEVICE_CLASS_COUNT] = NULL,
};

int device_class_parse(const char *name)
{
	int i;

	for (i = 0; i < DEVICE_CLASS_COUNT; i++)
		if (strcmp(name, device_class_names[i]) == 0)
			return i;
	return -1;
}

const char *device_class_name(enum device_class cls)
{
	return (unsigned)cls < DEVICE_CLASS_COUNT ? device_class_names[cls] : "UNKNOWN";
}

bool sha256_try(const void *data, size_t len, unsigned char out[32])
{
	/*
	 * Fetched once: with EVP_sha256() OpenSSL 3 looks the implementation
	 * up in its provider store, under a lock, on every digest, which cost
	 * more than hashing a key (one digest per authenticated request).
	 */
	static EVP_MD *sha256;
	unsigned int n = 32;

	/* The fetch and EVP_Digest fail only when they cannot allocate. */
	if (sha256 == NULL && (sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		return false;
	return EVP_Digest(data, len, out, &n, sha256, NULL) == 1;
}

void sha256_bytes(const void *data, size_t len, unsigned char out[32])
{
	/* Going on with a wrong digest could match the wrong key: fail closed. */
	if (!sha256_try(data, len, out))
		abort();
}

uint64_t stat_stamp(const struct stat *st)
{
	uint64_t ns = (uint64_t)st->st_mtim.tv_sec * 1000000000u + (uint64_t)st->st_mtim.tv_nsec;

	return ns ^ ((uint64_t)st->st_size << 1) ^ ((uint64_t)st->st_ino << 33);
}

uint64_t file_stamp(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? stat_stamp(&st) : 0;
}
