/*
 * fuzz_common: helpers shared by the fuzz targets (see fuzz_common.h).
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"

#ifndef FUZZ_SRCDIR
#error "FUZZ_SRCDIR must name the source tree"
#endif

static char scratch_root[PATH_MAX]; /* .../acloud-fuzz-<pid> */
static char scratch_dir[PATH_MAX];  /* .../acloud-fuzz-<pid>/a/b */
static char scratch_file[PATH_MAX]; /* the last file written */

static void die(const char *what)
{
	fprintf(stderr, "fuzz: %s: %s\n", what, strerror(errno));
	abort();
}

char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		die("malloc");
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

const char *fuzz_src_path(const char *rel)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", FUZZ_SRCDIR, rel);
	return path;
}

static void scratch_remove(void)
{
	char path[PATH_MAX + 16];

	if (scratch_file[0] != '\0')
		unlink(scratch_file);
	snprintf(path, sizeof(path), "%s/etc", scratch_root);
	unlink(path);
	snprintf(path, sizeof(path), "%s/entities", scratch_dir);
	unlink(path);
	rmdir(scratch_dir);
	snprintf(path, sizeof(path), "%s/a", scratch_root);
	rmdir(path);
	rmdir(scratch_root);
}

static void scratch_create(void)
{
	const char *base = getenv("ACLOUD_FUZZ_TMPDIR");
	char path[PATH_MAX + 16];

	if (base == NULL || *base == '\0')
		base = "/dev/shm";
	snprintf(scratch_root, sizeof(scratch_root), "%s/acloud-fuzz-%ld", base, (long)getpid());
	snprintf(scratch_dir, sizeof(scratch_dir), "%s/a/b", scratch_root);
	snprintf(path, sizeof(path), "%s/a", scratch_root);
	if ((mkdir(scratch_root, 0700) != 0 && errno != EEXIST) ||
	    (mkdir(path, 0700) != 0 && errno != EEXIST) ||
	    (mkdir(scratch_dir, 0700) != 0 && errno != EEXIST))
		die(scratch_dir);
	snprintf(path, sizeof(path), "%s/etc", scratch_root);
	if (symlink(fuzz_src_path("etc"), path) != 0 && errno != EEXIST)
		die(path);
	snprintf(path, sizeof(path), "%s/entities", scratch_dir);
	if (symlink(fuzz_src_path("etc/entities"), path) != 0 && errno != EEXIST)
		die(path);
	atexit(scratch_remove);
}

const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size)
{
	int fd;

	if (scratch_root[0] == '\0')
		scratch_create();
	snprintf(scratch_file, sizeof(scratch_file), "%s/%s", scratch_dir, name);
	fd = open(scratch_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die(scratch_file);
	while (size > 0) {
		ssize_t n = write(fd, data, size);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die(scratch_file);
		}
		data += n;
		size -= (size_t)n;
	}
	close(fd);
	return scratch_file;
}
