/*
 * fuzz_circuit_json: circuit_from_json() (circuit/circuit.h) on JSON text, as
 * the API loads the "circuit" field of a run task.  Accepted circuits must
 * pass the round-trip checks of fuzz_circuit.c.
 */
#include "autoconfig.h"

#include <string.h>

#include <jansson.h>

#include "fuzz_circuit.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct circuit c;
	struct circuit_error err;
	json_t *root = json_loadb((const char *)data, size,
	                          JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);

	if (root == NULL)
		return 0;
	memset(&err, 0, sizeof(err));
	if (circuit_from_json(&c, root, &err) == 0)
		fuzz_circuit_check(&c);
	else
		fuzz_circuit_error(&err);
	json_decref(root);
	return 0;
}
