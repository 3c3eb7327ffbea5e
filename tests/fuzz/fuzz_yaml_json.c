/*
 * fuzz_yaml_json: yaml_json_parse_string() (tools/yaml_json.h), the
 * YAML-to-JSON converter behind acloud-yaml2json.  An accepted document must
 * serialise back to JSON text.
 */
#include "autoconfig.h"

#include <stdlib.h>

#include <jansson.h>

#include "tools/yaml_json.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[YAML_JSON_ERR_MAX];
	json_t *v = yaml_json_parse_string((const char *)data, size, err, sizeof(err));
	char *text;

	if (v == NULL)
		return 0;
	text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	if (text == NULL)
		abort();
	free(text);
	json_decref(v);
	return 0;
}
