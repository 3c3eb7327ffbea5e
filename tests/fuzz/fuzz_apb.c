/*
 * fuzz_apb: circuit_from_apb() (circuit/circuit.h), the hand-written protobuf
 * reader for APB circuit files (uploaded base64 in "circuit_apb", and the
 * compiler's output).  Accepted circuits must pass the round-trip checks of
 * fuzz_circuit.c.
 */
#include "autoconfig.h"

#include <string.h>

#include "fuzz_circuit.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct circuit c;
	struct circuit_error err;

	memset(&err, 0, sizeof(err));
	if (circuit_from_apb(data, size, &c, &err) == 0)
		fuzz_circuit_check(&c);
	else
		fuzz_circuit_error(&err);
	return 0;
}
