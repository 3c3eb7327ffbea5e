/*
 * fuzz_time: parse_iso8601() (api/timefmt.h), the datetime grammar of the
 * search filters.  Any input must give 0 or -1, and an accepted datetime a
 * finite number of seconds.
 */
#include "autoconfig.h"

#include <math.h>
#include <stdlib.h>

#include "api/timefmt.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	double t = 0;
	int rc = parse_iso8601(s, &t);

	if (rc != 0 && rc != -1)
		abort();
	if (rc == 0 && !isfinite(t))
		abort();
	free(s);
	return 0;
}
