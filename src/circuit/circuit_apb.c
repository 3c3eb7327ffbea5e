/*
 * circuit_apb: reads an APB file (pb.File{version, module} of anabrid's
 * public analog-protobuf main.proto) into struct circuit.
 *
 * Why a hand-written wire reader and not protobuf-c: the circuit uses a
 * dozen small messages of the schema; a reader over the raw wire format
 * needs no code generator or extra runtime library, never allocates (it
 * walks the caller's buffer, so hostile input cannot make it allocate or
 * recurse), and knows where it is, so every rejection names the field path
 * ("/module/items/3/itor_config/elements/2/k").  protobuf-c would unpack
 * the whole tree first and lose that location.
 *
 * Field numbers used (main.proto): File{1 version, 2 module};
 * Module{1 items}; Item{1 entity (EntityId{1 path}), 10 adc_config,
 * 14 coef_config, 15 itor_config, 16 select_config, 17 sum_config,
 * 28 entity_specification}; AdcConfig{1 channels: AdcChannel{1 idx,
 * 2 gain, 3 offset, 4 probe}}; CoefConfig{1 elements: {1 idx, 2 factor,
 * 3 gain_correction}}; ItorConfig{1 elements: {1 idx, 2 ic, 3 k}};
 * SelectConfig{1 connections: {1 input, 2 output}, 2 constant (GROUND,
 * POS_REF, NEG_REF), 3 magnitude (ONE, ONE_TENTH)}; SumConfig{1 connections:
 * {1 inputs (packed), 2 output}, 2 upscales: {1 lane, 2 enabled}}.
 *
 * Semantics: an entity path is "<carrier>[/<cluster>/<block>]" (a leading
 * '/' is allowed).  Block configs must address the block of their kind
 * (M0, C, U, I); the ADC config addresses the carrier, and channel i
 * measures M-block output channels[i].idx (gain, offset and probe are
 * calibration and ignored, as is a coefficient's gain_correction).  Other
 * item kinds (multiplier calibration, shift/hold, limiters, switches, front
 * panel, ...) do not change the ideal circuit and are skipped, as are
 * unknown fields, as protobuf requires.  An entity specification is not a
 * circuit and is rejected.
 */
#include "autoconfig.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "circuit/circuit.h"
#include "circuit/cpath.h"
#include "circuit/pbwire.h"

enum block {
	BLK_M0,
	BLK_C,
	BLK_U,
	BLK_I,
	BLK_COUNT
};

enum {
	F_FILE_MODULE = 2,
	F_MODULE_ITEMS = 1,
	F_ITEM_ENTITY = 1,
	F_ADC = 10,
	F_COEF = 14,
	F_ITOR = 15,
	F_SELECT = 16,
	F_SUM = 17,
	F_ENTITY_SPEC = 28,
	MAX_ITEMS = 4096,
	MAX_PATH = 128
};

struct aload {
	struct cpath path;
	struct circuit_error *err;
	struct circuit cl[CIRCUIT_CLUSTERS];
	bool seen[CIRCUIT_CLUSTERS][BLK_COUNT];
	char carrier[MAX_PATH];
	struct circuit adc; /* only nadc/adc used */
	bool have_adc;
};

static int malformed(struct aload *A, const char *why)
{
	return cpath_fail(&A->path, A->err, "malformed protobuf: %s", why);
}

/* Field f named name must have wire type w. */
static int want(struct aload *A, const struct pb_field *f, enum pb_wire w, const char *name)
{
	if (f->wire == w)
		return 0;
	cpath_key(&A->path, name);
	return cpath_fail(&A->path, A->err, "field %s has wire type %d, expected %d", name,
	                  (int)f->wire, (int)w);
}

/* A uint32 field below limit. */
static int want_index(struct aload *A, const struct pb_field *f, const char *name, uint64_t limit,
                      const char *what, int *out)
{
	if (want(A, f, PB_VARINT, name) < 0)
		return -1;
	if (f->varint >= limit) {
		cpath_key(&A->path, name);
		return cpath_fail(&A->path, A->err, "%s %llu out of range 0..%llu", what,
		                  (unsigned long long)f->varint, (unsigned long long)(limit - 1));
	}
	*out = (int)f->varint;
	return 0;
}

static int want_float(struct aload *A, const struct pb_field *f, const char *name, double *out)
{
	if (want(A, f, PB_I32, name) < 0)
		return -1;
	*out = pb_float(f->i32);
	return 0;
}

/*
 * The integrator and coefficient blocks are both a repeated "elements"
 * message (field 1) of per-lane settings; this walks the list, keeps the
 * path, and hands each element to its block's reader.  `seen` catches a
 * lane configured twice.
 */
typedef int (*element_reader)(struct aload *A, struct pb_reader e, struct circuit *c, bool *seen);

static int load_elements(struct aload *A, struct pb_reader r, struct circuit *c, bool *seen,
                         element_reader read_element)
{
	struct pb_field f;
	const char *why;
	long n = 0;
	int rc;

	cpath_key(&A->path, "elements");
	while ((rc = pb_next(&r, &f, &why)) > 0) {
		if (f.num != 1)
			continue;
		cpath_index(&A->path, n);
		if (want(A, &f, PB_LEN, "elements") < 0 || read_element(A, pb_sub(&f), c, seen) < 0)
			return -1;
		cpath_pop(&A->path);
		n++;
	}
	if (rc < 0)
		return malformed(A, why);
	cpath_pop(&A->path);
	return 0;
}

static int read_itor_element(struct aload *A, struct pb_reader e, struct circuit *c, bool *seen)
{
	struct pb_field g;
	const char *why;
	int idx = 0, k = 0, rc;
	double ic = 0.0;

	while ((rc = pb_next(&e, &g, &why)) > 0) {
		if (g.num == 1 && want_index(A, &g, "idx", CIRCUIT_INTS, "integrator", &idx) < 0)
			return -1;
		if (g.num == 2 && want_float(A, &g, "ic", &ic) < 0)
			return -1;
		if (g.num == 3 && want_index(A, &g, "k", UINT32_MAX, "k", &k) < 0)
			return -1;
	}
	if (rc < 0)
		return malformed(A, why);
	if (seen[idx])
		return cpath_fail(&A->path, A->err, "integrator %d configured twice", idx);
	seen[idx] = true;
	if (k != CIRCUIT_K_FAST && k != CIRCUIT_K_SLOW) {
		cpath_key(&A->path, "k");
		return cpath_fail(&A->path, A->err,
		                  "integrator %d: k %d not allowed (100 or 10000)", idx, k);
	}
	if (!isfinite(ic) || fabs(ic) > 1.0) {
		cpath_key(&A->path, "ic");
		return cpath_fail(&A->path, A->err, "integrator %d: ic %g out of range [-1, 1]",
		                  idx, ic);
	}
	c->k[idx] = k;
	c->ic[idx] = ic;
	return 0;
}

static int read_coef_element(struct aload *A, struct pb_reader e, struct circuit *c, bool *seen)
{
	struct pb_field g;
	const char *why;
	int idx = 0, rc;
	double factor = 0.0, ignored;

	while ((rc = pb_next(&e, &g, &why)) > 0) {
		if (g.num == 1 && want_index(A, &g, "idx", CIRCUIT_LANES, "lane", &idx) < 0)
			return -1;
		if (g.num == 2 && want_float(A, &g, "factor", &factor) < 0)
			return -1;
		if (g.num == 3 && want_float(A, &g, "gain_correction", &ignored) < 0)
			return -1;
	}
	if (rc < 0)
		return malformed(A, why);
	if (seen[idx])
		return cpath_fail(&A->path, A->err, "coefficient of lane %d configured twice", idx);
	seen[idx] = true;
	if (!isfinite(factor) || fabs(factor) > 1.0) {
		cpath_key(&A->path, "factor");
		return cpath_fail(
			&A->path, A->err,
			"coefficient %g of lane %d out of range [-1, 1] (upscaling multiplies by 10)",
			factor, idx);
	}
	c->coef[idx] = factor;
	return 0;
}

static int load_itor(struct aload *A, struct pb_reader r, struct circuit *c)
{
	bool seen[CIRCUIT_INTS] = { false };

	return load_elements(A, r, c, seen, read_itor_element);
}

static int load_coef(struct aload *A, struct pb_reader r, struct circuit *c)
{
	bool seen[CIRCUIT_LANES] = { false };

	return load_elements(A, r, c, seen, read_coef_element);
}

static int load_select(struct aload *A, struct pb_reader r, struct circuit *c)
{
	struct pb_field f, g;
	const char *why;
	int constant = 0, magnitude = 0, rc;
	long n = 0;

	while ((rc = pb_next(&r, &f, &why)) > 0) {
		struct pb_reader e;
		int input = 0, lane = 0;

		if (f.num == 2 && want_index(A, &f, "constant", 3,
		                             "constant (GROUND, POS_REF, NEG_REF)", &constant) < 0)
			return -1;
		if (f.num == 3 &&
		    want_index(A, &f, "magnitude", 2, "magnitude (ONE, ONE_TENTH)", &magnitude) < 0)
			return -1;
		if (f.num != 1)
			continue;
		cpath_key(&A->path, "connections");
		cpath_index(&A->path, n);
		if (want(A, &f, PB_LEN, "connections") < 0)
			return -1;
		e = pb_sub(&f);
		while ((rc = pb_next(&e, &g, &why)) > 0) {
			if (g.num == 1 && want_index(A, &g, "input", CIRCUIT_MBLOCK,
			                             "M-block output", &input) < 0)
				return -1;
			if (g.num == 2 &&
			    want_index(A, &g, "output", CIRCUIT_LANES, "lane", &lane) < 0)
				return -1;
		}
		if (rc < 0)
			return malformed(A, why);
		if (c->u[lane] != CIRCUIT_UNUSED)
			return cpath_fail(&A->path, A->err,
			                  "lane %d selected twice (M-block outputs %d and %d)",
			                  lane, c->u[lane], input);
		c->u[lane] = (int8_t)input;
		A->path.n -= 2;
		n++;
	}
	if (rc < 0)
		return malformed(A, why);
	c->constant = constant == 0 ? 0.0 : (constant == 1 ? 1.0 : -1.0);
	if (magnitude == 1)
		c->constant *= 0.1;
	return 0;
}

static int load_sum_connection(struct aload *A, struct pb_reader e, struct circuit *c)
{
	struct pb_field g;
	const char *why;
	uint32_t lanes = 0;
	int output = 0, rc, count = 0;

	while ((rc = pb_next(&e, &g, &why)) > 0) {
		struct pb_reader packed;
		uint64_t lane;

		if (g.num == 2 &&
		    want_index(A, &g, "output", CIRCUIT_MBLOCK, "M-block input", &output) < 0)
			return -1;
		if (g.num != 1)
			continue;
		cpath_key(&A->path, "inputs");
		if (g.wire == PB_VARINT) {
			packed.p = packed.end = NULL;
			lane = g.varint;
			rc = 1;
		} else if (g.wire == PB_LEN) {
			packed = pb_sub(&g);
			rc = pb_packed_varint(&packed, &lane, &why);
		} else {
			return cpath_fail(&A->path, A->err,
			                  "field inputs has wire type %d, expected 0 or 2",
			                  (int)g.wire);
		}
		for (; rc > 0; rc = pb_packed_varint(&packed, &lane, &why)) {
			cpath_index(&A->path, count);
			if (lane >= CIRCUIT_LANES)
				return cpath_fail(&A->path, A->err, "lane %llu out of range 0..31",
				                  (unsigned long long)lane);
			if (lanes & (UINT32_C(1) << lane))
				return cpath_fail(&A->path, A->err,
				                  "lane %d listed twice in one sum", (int)lane);
			lanes |= UINT32_C(1) << lane;
			count++;
			cpath_pop(&A->path);
		}
		if (rc < 0)
			return malformed(A, why);
		cpath_pop(&A->path);
	}
	if (rc < 0)
		return malformed(A, why);
	if (c->sum[output])
		return cpath_fail(&A->path, A->err, "M-block input %d summed twice", output);
	c->sum[output] = lanes;
	return 0;
}

static int load_sum(struct aload *A, struct pb_reader r, struct circuit *c)
{
	struct pb_field f, g;
	const char *why;
	bool seen[CIRCUIT_LANES] = { false };
	long nconn = 0, nup = 0;
	int rc;

	while ((rc = pb_next(&r, &f, &why)) > 0) {
		if (f.num == 1) {
			cpath_key(&A->path, "connections");
			cpath_index(&A->path, nconn++);
			if (want(A, &f, PB_LEN, "connections") < 0 ||
			    load_sum_connection(A, pb_sub(&f), c) < 0)
				return -1;
			A->path.n -= 2;
		} else if (f.num == 2) {
			struct pb_reader e;
			int lane = 0, enabled = 0;

			cpath_key(&A->path, "upscales");
			cpath_index(&A->path, nup++);
			if (want(A, &f, PB_LEN, "upscales") < 0)
				return -1;
			e = pb_sub(&f);
			while ((rc = pb_next(&e, &g, &why)) > 0) {
				if (g.num == 1 &&
				    want_index(A, &g, "lane", CIRCUIT_LANES, "lane", &lane) < 0)
					return -1;
				if (g.num == 2 &&
				    want_index(A, &g, "enabled", 2, "boolean", &enabled) < 0)
					return -1;
			}
			if (rc < 0)
				return malformed(A, why);
			if (seen[lane])
				return cpath_fail(&A->path, A->err,
				                  "upscaling of lane %d configured twice", lane);
			seen[lane] = true;
			c->upscale[lane] = enabled != 0;
			A->path.n -= 2;
		}
	}
	if (rc < 0)
		return malformed(A, why);
	return 0;
}

static int load_adc(struct aload *A, struct pb_reader r)
{
	struct pb_field f, g;
	const char *why;
	int rc;

	cpath_key(&A->path, "channels");
	while ((rc = pb_next(&r, &f, &why)) > 0) {
		struct pb_reader e;
		int idx = 0;

		if (f.num != 1)
			continue;
		cpath_index(&A->path, A->adc.nadc);
		if (A->adc.nadc >= CIRCUIT_ADC_MAX)
			return cpath_fail(&A->path, A->err, "too many ADC channels: at most %d",
			                  CIRCUIT_ADC_MAX);
		if (want(A, &f, PB_LEN, "channels") < 0)
			return -1;
		e = pb_sub(&f);
		while ((rc = pb_next(&e, &g, &why)) > 0)
			if (g.num == 1 &&
			    want_index(A, &g, "idx", CIRCUIT_MBLOCK, "M-block output", &idx) < 0)
				return -1;
		if (rc < 0)
			return malformed(A, why);
		A->adc.adc[A->adc.nadc++] = (int8_t)idx;
		cpath_pop(&A->path);
	}
	if (rc < 0)
		return malformed(A, why);
	cpath_pop(&A->path);
	return 0;
}

/*
 * Splits an entity path "<carrier>[/<cluster>/<block>]" (in buf, a copy).
 * *cluster is -1 and *block NULL unless the path has exactly the form
 * carrier/cluster/block with cluster 0-2; *carrier_only tells the carrier
 * itself.  Returns -1 on an unusable path.
 */
static int parse_entity(struct aload *A, const uint8_t *data, size_t len, char *buf, int *cluster,
                        const char **block, bool *carrier_only)
{
	char *carrier, *rest, *slash;

	*cluster = -1;
	*block = NULL;
	*carrier_only = false;
	cpath_key(&A->path, "entity");
	if (len == 0 || len >= MAX_PATH || memchr(data, 0, len))
		return cpath_fail(&A->path, A->err, "entity path must be 1..%d characters",
		                  MAX_PATH - 1);
	memcpy(buf, data, len);
	buf[len] = '\0';
	carrier = buf[0] == '/' ? buf + 1 : buf;
	rest = strchr(carrier, '/');
	if (rest)
		*rest++ = '\0';
	if (!*carrier)
		return cpath_fail(&A->path, A->err, "entity path has no carrier");
	if (A->carrier[0] && strcmp(A->carrier, carrier) != 0)
		return cpath_fail(&A->path, A->err,
		                  "items address carriers %s and %s; one carrier only", A->carrier,
		                  carrier);
	snprintf(A->carrier, sizeof(A->carrier), "%s", carrier);
	cpath_pop(&A->path);
	if (!rest) {
		*carrier_only = true;
		return 0;
	}
	slash = strchr(rest, '/');
	if (!slash || strchr(slash + 1, '/'))
		return 0; /* not carrier/cluster/block: not a block we use */
	*slash = '\0';
	if (strlen(rest) == 1 && rest[0] >= '0' && rest[0] < '0' + CIRCUIT_CLUSTERS) {
		*cluster = rest[0] - '0';
		*block = slash + 1;
	}
	return 0;
}

/* Field numbers of Item's oneof kind. */
static bool is_item_kind(uint32_t num)
{
	return (num >= 10 && num <= 31 && num != 24) || num == 1000;
}

static int load_item(struct aload *A, struct pb_reader r)
{
	static const char *const kind_names[BLK_COUNT] = { "itor_config", "coef_config",
		                                           "select_config", "sum_config" };
	static const char *const block_names[BLK_COUNT] = { "M0", "C", "U", "I" };
	struct pb_field f, g, kind = { 0 }, entity = { 0 };
	const char *why, *block;
	char buf[MAX_PATH], shown[MAX_PATH];
	int rc, cluster, b;
	bool have_entity = false, carrier_only;

	while ((rc = pb_next(&r, &f, &why)) > 0) {
		if (f.num == F_ITEM_ENTITY) {
			struct pb_reader e;

			if (want(A, &f, PB_LEN, "entity") < 0)
				return -1;
			e = pb_sub(&f);
			while ((rc = pb_next(&e, &g, &why)) > 0)
				if (g.num == 1) {
					if (want(A, &g, PB_LEN, "path") < 0)
						return -1;
					entity = g;
					have_entity = true;
				}
			if (rc < 0)
				return malformed(A, why);
		} else if (is_item_kind(f.num)) {
			kind = f; /* oneof: the last one wins */
		}
	}
	if (rc < 0)
		return malformed(A, why);
	switch (kind.num) {
	case F_ENTITY_SPEC:
		return cpath_fail(
			&A->path, A->err,
			"this APB file is an entity specification (a device description), not a circuit");
	case F_ADC:
		b = -1;
		break;
	case F_ITOR:
		b = BLK_M0;
		break;
	case F_COEF:
		b = BLK_C;
		break;
	case F_SELECT:
		b = BLK_U;
		break;
	case F_SUM:
		b = BLK_I;
		break;
	default:
		return 0; /* does not change the ideal circuit */
	}
	if (!have_entity)
		return cpath_fail(&A->path, A->err, "item has no entity");
	if (parse_entity(A, entity.data, entity.len, buf, &cluster, &block, &carrier_only) < 0)
		return -1;
	snprintf(shown, sizeof(shown), "%.*s", (int)entity.len, (const char *)entity.data);
	if (b < 0) {
		cpath_key(&A->path, "adc_config");
		if (!carrier_only)
			return cpath_fail(&A->path, A->err,
			                  "adc_config must address the carrier, not \"%s\"", shown);
		if (A->have_adc)
			return cpath_fail(&A->path, A->err, "second adc_config");
		A->have_adc = true;
		if (want(A, &kind, PB_LEN, "adc_config") < 0 || load_adc(A, pb_sub(&kind)) < 0)
			return -1;
		cpath_pop(&A->path);
		return 0;
	}
	cpath_key(&A->path, kind_names[b]);
	if (cluster < 0 || strcmp(block, block_names[b]) != 0)
		return cpath_fail(
			&A->path, A->err,
			"%s must address a %s block (<carrier>/<cluster 0-2>/%s), not \"%s\"",
			kind_names[b], block_names[b], block_names[b], shown);
	if (A->seen[cluster][b])
		return cpath_fail(&A->path, A->err, "second %s for cluster %d", kind_names[b],
		                  cluster);
	A->seen[cluster][b] = true;
	if (want(A, &kind, PB_LEN, kind_names[b]) < 0)
		return -1;
	switch (b) {
	case BLK_M0:
		rc = load_itor(A, pb_sub(&kind), &A->cl[cluster]);
		break;
	case BLK_C:
		rc = load_coef(A, pb_sub(&kind), &A->cl[cluster]);
		break;
	case BLK_U:
		rc = load_select(A, pb_sub(&kind), &A->cl[cluster]);
		break;
	default:
		rc = load_sum(A, pb_sub(&kind), &A->cl[cluster]);
		break;
	}
	if (rc < 0)
		return -1;
	cpath_pop(&A->path);
	return 0;
}

int circuit_from_apb(const uint8_t *buf, size_t len, struct circuit *out, struct circuit_error *err)
{
	struct aload A;
	struct pb_reader r = { buf, buf + len }, m;
	struct pb_field f, module = { 0 };
	const char *why;
	long items = 0;
	int rc, i, chosen = -1, configured = -1;

	memset(&A, 0, sizeof(A));
	A.err = err;
	if (!buf && len)
		return cpath_fail(&A.path, err, "no data");
	for (i = 0; i < CIRCUIT_CLUSTERS; i++) {
		circuit_init(&A.cl[i]);
		A.cl[i].cluster = i;
	}
	while ((rc = pb_next(&r, &f, &why)) > 0)
		if (f.num == F_FILE_MODULE) {
			if (want(&A, &f, PB_LEN, "module") < 0)
				return -1;
			module = f;
		}
	if (rc < 0)
		return malformed(&A, why);
	if (module.num == 0)
		return cpath_fail(&A.path, err, "APB file has no module");
	cpath_key(&A.path, "module");
	m = pb_sub(&module);
	while ((rc = pb_next(&m, &f, &why)) > 0) {
		if (f.num != F_MODULE_ITEMS)
			continue;
		cpath_key(&A.path, "items");
		cpath_index(&A.path, items);
		if (++items > MAX_ITEMS)
			return cpath_fail(&A.path, err, "more than %d items", MAX_ITEMS);
		if (want(&A, &f, PB_LEN, "items") < 0 || load_item(&A, pb_sub(&f)) < 0)
			return -1;
		A.path.n -= 2;
	}
	if (rc < 0)
		return malformed(&A, why);
	for (i = 0; i < CIRCUIT_CLUSTERS; i++) {
		if (A.seen[i][BLK_M0] || A.seen[i][BLK_C] || A.seen[i][BLK_U] || A.seen[i][BLK_I])
			configured = configured < 0 ? i : configured;
		if (!circuit_in_use(&A.cl[i]))
			continue;
		if (chosen >= 0)
			return cpath_fail(
				&A.path, err,
				"only one cluster may be in use, but clusters %d and %d both are",
				chosen, i);
		chosen = i;
	}
	if (chosen < 0)
		chosen = configured < 0 ? 0 : configured;
	A.cl[chosen].nadc = A.adc.nadc;
	memcpy(A.cl[chosen].adc, A.adc.adc, sizeof(A.adc.adc));
	if (circuit_validate(&A.cl[chosen], err) < 0)
		return -1;
	*out = A.cl[chosen];
	return 0;
}
