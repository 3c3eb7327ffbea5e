/*
 * fuzz_ode: the ODE compiler (compile/compile.h): lexer and parser
 * (parse.c), polynomial expansion (poly.c) and the mapper onto one cluster
 * (map.c), for both targets.  A compiled circuit must validate and pass the
 * round-trip checks of fuzz_circuit.c; a rejection must carry a message.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "compile/compile.h"
#include "fuzz_circuit.h"
#include "fuzz_common.h"

static void compile_for(const char *src, size_t len, enum compile_target target)
{
	struct compile_diag diag;
	struct circuit c;

	memset(&diag, 0, sizeof(diag));
	if (compile_source(src, len, target, &c, &diag) == 0) {
		fuzz_circuit_check(&c);
		return;
	}
	if (diag.msg[0] == '\0' || diag.line < 0 || diag.col < 0 ||
	    memchr(diag.msg, '\0', sizeof(diag.msg)) == NULL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The API hands over a NUL-free string; give the exact length as it does. */
	char *src = fuzz_cstr(data, size);

	compile_for(src, size, COMPILE_LUCIDAC);
	compile_for(src, size, COMPILE_REDAC);
	free(src);
	return 0;
}
