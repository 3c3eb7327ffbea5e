/*
 * config_yaml: the schema-walking helpers shared by the three config loaders
 * (config_app.c, config_auth.c, config_devices.c).  Internal to
 * libacloud_common; nothing outside src/common includes it.
 *
 * A `struct ydoc` is one loaded YAML file: the libyaml document, the path
 * (for messages), the file's directory (for relative paths) and the caller's
 * error buffer.  Every helper returns CONFIG_OK or CONFIG_ERR; on error the
 * buffer already holds "<file>:<line>: <reason>", so a loader just propagates
 * CONFIG_ERR.  Values that may be secrets (API keys, conninfo) are never
 * echoed into messages.
 *
 * Bounds: a file is at most 4 MiB, a string at most 4096 bytes, a list at
 * most 10000 items; the number of nodes visited and of string bytes copied is
 * capped so that aliases cannot expand a small file into a huge config.
 */
#ifndef ACLOUD_CONFIG_YAML_H
#define ACLOUD_CONFIG_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <time.h>
#include <yaml.h>

#include "common/config.h"

/* The change fingerprint of file_stamp() from an existing stat. */
uint64_t stat_stamp(const struct stat *st);

#define YDOC_MAX_FILE_BYTES (4u << 20)
#define YDOC_MAX_STRING     4096
#define YDOC_MAX_ITEMS      10000

struct ydoc {
	yaml_document_t doc;
	bool loaded;
	const char *path; /* as given by the caller, borrowed */
	char *dir;        /* directory of path, NULL when path has no '/' */
	uint64_t stamp;   /* stat_stamp() of the file that was read */
	char *err;        /* CONFIG_ERR_MAX bytes, the caller's */
	size_t visits;    /* nodes visited so far (alias bound) */
	size_t copied;    /* string bytes copied so far (alias bound) */
};

/* One field of a mapping: name in, key and value nodes out (NULL if absent). */
struct yfield {
	const char *name;
	yaml_node_t *key;
	yaml_node_t *val;
};

/* Reads and parses `path`; *root is NULL for an empty file. */
int ydoc_load(struct ydoc *d, const char *path, char err[CONFIG_ERR_MAX], yaml_node_t **root);
void ydoc_free(struct ydoc *d);

/* A loader's top-level parser: fills `cfg` from a non-empty root. */
typedef int (*ydoc_top_fn)(struct ydoc *d, yaml_node_t *root, void *cfg);
/*
 * The frame every loader shares: read and parse `path`, hand a non-empty
 * root to `parse_top`, free the document.  `stamp` (may be NULL) receives
 * the file's stamp.  Errors land in `err` as "<file>:<line>: <reason>".
 */
int ydoc_parse_file(const char *path, char err[CONFIG_ERR_MAX], ydoc_top_fn parse_top, void *cfg,
                    uint64_t *stamp);

/* Writes "<file>:<line of n>: <reason>" into the error buffer; returns CONFIG_ERR. */
int yfail(struct ydoc *d, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A short, printable, quoted rendering of a scalar for messages. */
const char *yecho(const yaml_node_t *n, char buf[80]);

/* A plain `~`, `null` or empty scalar. */
bool ynode_is_null(const yaml_node_t *n);

/*
 * Matches the keys of mapping `map` against fields[0..n-1].  A key that is
 * not listed is an "unknown <kind>", a key given twice a duplicate.
 * `what` names the mapping in the "must be a mapping" message.
 */
int ymap_fields(struct ydoc *d, yaml_node_t *map, const char *what, const char *kind,
                struct yfield *fields, size_t n);

/* Checks that `seq` is a sequence of at most `max` items; *count gets their number. */
int yseq_check(struct ydoc *d, yaml_node_t *seq, const char *what, size_t max, size_t *count);
yaml_node_t *yseq_item(struct ydoc *d, const yaml_node_t *seq, size_t i);

/* Scalar getters; `field` names the field in messages. */
int yget_str(struct ydoc *d, yaml_node_t *n, const char *field, char **out);
int yget_nonempty(struct ydoc *d, yaml_node_t *n, const char *field, char **out);
int yget_name(struct ydoc *d, yaml_node_t *n, const char *field, char **out);
int yget_path(struct ydoc *d, yaml_node_t *n, const char *field, char **out);
int yget_long(struct ydoc *d, yaml_node_t *n, const char *field, long min, long max, long *out);
int yget_int(struct ydoc *d, yaml_node_t *n, const char *field, int min, int max, int *out);
int yget_bool(struct ydoc *d, yaml_node_t *n, const char *field, bool *out);
/*
 * A list of strings (possibly empty), returned NULL-terminated; with `names`
 * every item must match the name pattern.  Nothing is left allocated on error.
 */
int yget_strv(struct ydoc *d, yaml_node_t *n, const char *field, bool names, char ***out,
              size_t *count);
void ystrv_free(char **v);

/* [A-Za-z0-9_.-]{1,64} */
bool config_name_valid(const char *s);

#endif
