/*
 * fuzz_common: the little each libFuzzer target shares: a NUL-terminated
 * copy of the input, a per-process scratch file for loaders that only take
 * a path, and where the source tree is (for the real test configs).
 * Nothing here is part of the server; it exists only in --enable-fuzzing
 * builds.
 */
#ifndef ACLOUD_FUZZ_COMMON_H
#define ACLOUD_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* The libFuzzer entry points, declared for -Wmissing-prototypes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* malloc'ed copy of data[0..size) plus a NUL; aborts when out of memory. */
char *fuzz_cstr(const uint8_t *data, size_t size);

/* Absolute path of `rel` in the source tree (static buffer). */
const char *fuzz_src_path(const char *rel);

/*
 * Writes data[0..size) to this process's scratch file `name` and returns its
 * path.  The scratch directory is $ACLOUD_FUZZ_TMPDIR (default /dev/shm, a
 * tmpfs) / acloud-fuzz-<pid>/a/b/; acloud-fuzz-<pid>/etc links to the
 * source tree's etc/ and a/b/entities to etc/entities, so the relative
 * entity paths of the seed configs ("../../etc/entities/...",
 * "entities/...") resolve as they do from tests/integration/ and etc/.
 * Removed at exit.
 */
const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size);

#endif
