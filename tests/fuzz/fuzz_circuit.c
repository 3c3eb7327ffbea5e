/*
 * fuzz_circuit: round-trip checks of accepted circuits (fuzz_circuit.h).
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz_circuit.h"

static void fail(const char *what, const struct circuit_error *err)
{
	fprintf(stderr, "fuzz_circuit: %s%s%s%s%s\n", what, err ? ": " : "", err ? err->loc : "",
	        err ? " " : "", err ? err->msg : "");
	abort();
}

static bool same_routing(const struct circuit *a, const struct circuit *b)
{
	return memcmp(a->u, b->u, sizeof(a->u)) == 0 &&
	       memcmp(a->upscale, b->upscale, sizeof(a->upscale)) == 0 &&
	       memcmp(a->sum, b->sum, sizeof(a->sum)) == 0 &&
	       memcmp(a->k, b->k, sizeof(a->k)) == 0 && a->constant == b->constant &&
	       a->cluster == b->cluster;
}

/* Exact equality of everything (the JSON text keeps 17 digits). */
static bool same_exact(const struct circuit *a, const struct circuit *b)
{
	if (!same_routing(a, b) || a->nadc != b->nadc ||
	    memcmp(a->adc, b->adc, (size_t)a->nadc) != 0)
		return false;
	for (int l = 0; l < CIRCUIT_LANES; l++)
		if (a->coef[l] != b->coef[l])
			return false;
	for (int i = 0; i < CIRCUIT_INTS; i++)
		if (a->ic[i] != b->ic[i])
			return false;
	return true;
}

/* APB: float32 factors and ics, only the measured ADC channels. */
static bool same_apb(const struct circuit *a, const struct circuit *b)
{
	int n = 0;

	if (!same_routing(a, b))
		return false;
	for (int l = 0; l < CIRCUIT_LANES; l++)
		if ((float)a->coef[l] != (float)b->coef[l])
			return false;
	for (int i = 0; i < CIRCUIT_INTS; i++)
		if ((float)a->ic[i] != (float)b->ic[i])
			return false;
	for (int i = 0; i < a->nadc; i++)
		if (a->adc[i] != CIRCUIT_UNUSED && (n >= b->nadc || b->adc[n++] != a->adc[i]))
			return false;
	return n == b->nadc;
}

static void check_json(const struct circuit *c)
{
	struct circuit back;
	struct circuit_error err;
	json_t *root = circuit_to_json(c), *again;
	char *text;

	if (root == NULL)
		fail("circuit_to_json failed", NULL);
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (text == NULL)
		fail("json_dumps failed", NULL);
	again = json_loads(text, 0, NULL);
	free(text);
	if (again == NULL)
		fail("circuit_to_json wrote JSON that does not parse", NULL);
	memset(&err, 0, sizeof(err));
	if (circuit_from_json(&back, again, &err) != 0)
		fail("circuit_to_json output rejected by circuit_from_json", &err);
	json_decref(again);
	if (!same_exact(c, &back))
		fail("JSON round trip changed the circuit", NULL);
}

static void check_apb(const struct circuit *c)
{
	struct circuit back;
	struct circuit_error err;
	uint8_t *buf;
	size_t len;

	if (circuit_to_apb(c, &buf, &len) != 0)
		fail("circuit_to_apb failed", NULL);
	memset(&err, 0, sizeof(err));
	if (circuit_from_apb(buf, len, &back, &err) != 0)
		fail("circuit_to_apb output rejected by circuit_from_apb", &err);
	free(buf);
	if (!same_apb(c, &back))
		fail("APB round trip changed the circuit", NULL);
}

void fuzz_circuit_check(const struct circuit *c)
{
	struct circuit_error err;

	memset(&err, 0, sizeof(err));
	if (circuit_validate(c, &err) != 0)
		fail("accepted circuit does not validate", &err);
	check_json(c);
	check_apb(c);
}

/* The API quotes msg and loc in JSON: jansson must take them as strings. */
static void check_text(const char *what, const char *text, const struct circuit_error *err)
{
	json_t *s = json_string(text);

	if (s == NULL)
		fail(what, err);
	json_decref(s);
}

void fuzz_circuit_error(const struct circuit_error *err)
{
	json_t *loc = circuit_error_loc(err);

	if (loc == NULL || !json_is_array(loc))
		fail("circuit_error_loc failed", err);
	json_decref(loc);
	if (err->msg[0] == '\0')
		fail("rejection without a message", err);
	check_text("message is not valid UTF-8", err->msg, err);
	check_text("location is not valid UTF-8", err->loc, err);
}
