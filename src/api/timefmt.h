/*
 * timefmt: ISO 8601 datetimes from request bodies.  Strict: a date, 'T' or
 * ' ', a time with optional fraction, and 'Z' or a ±HH:MM offset (none
 * means UTC, as FastAPI treats naive datetimes here).
 */
#ifndef ACLOUD_API_TIMEFMT_H
#define ACLOUD_API_TIMEFMT_H

/* Seconds since the epoch into *out; 0, or -1 when malformed. Pure. */
int parse_iso8601(const char *s, double *out);
double now_epoch(void);

#endif
