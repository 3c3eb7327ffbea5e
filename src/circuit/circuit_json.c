/*
 * circuit_json: the JSON circuit of the contract (lucipy's
 * Circuit.generate() output) to and from struct circuit.  The loader is
 * strict: unknown keys, wrong types, out-of-range values and duplicate
 * lanes are rejected with their location; array lengths are bounded by the
 * hardware (32 lanes, 16 M-block inputs, 8 integrators, 8 ADC channels).
 */
#include "autoconfig.h"

#include <math.h>
#include <string.h>

#include "circuit/circuit.h"
#include "circuit/cpath.h"

static const char *const cluster_keys[CIRCUIT_CLUSTERS] = { "/0", "/1", "/2" };

struct jload {
	struct cpath path;
	struct circuit_error *err;
};

static int jfail_type(struct jload *L, const char *want, const json_t *got)
{
	static const char *const names[] = {
		[JSON_OBJECT] = "an object",   [JSON_ARRAY] = "an array",
		[JSON_STRING] = "a string",    [JSON_INTEGER] = "an integer",
		[JSON_REAL] = "a real number", [JSON_TRUE] = "a boolean",
		[JSON_FALSE] = "a boolean",    [JSON_NULL] = "null",
	};

	return cpath_fail(&L->path, L->err, "expected %s, got %s", want, names[json_typeof(got)]);
}

/* Every key of obj must be one of allowed[] (NULL-terminated). */
static int check_keys(struct jload *L, const json_t *obj, const char *const *allowed,
                      const char *list)
{
	const char *key;
	json_t *value;
	int i;

	json_object_foreach ((json_t *)obj, key, value) {
		for (i = 0; allowed[i]; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (!allowed[i]) {
			char shown[24];

			snprintf(shown, sizeof(shown), "%s", key);
			cpath_key(&L->path, shown);
			return cpath_fail(&L->path, L->err, "unknown key \"%s\" (allowed: %s)",
			                  shown, list);
		}
	}
	return 0;
}

/* obj[key] as an array of at most max entries, or NULL when absent. */
static int get_array(struct jload *L, const json_t *obj, const char *key, size_t max,
                     const json_t **out)
{
	const json_t *a = json_object_get(obj, key);

	*out = NULL;
	if (!a)
		return 0;
	cpath_key(&L->path, key);
	if (!json_is_array(a))
		return jfail_type(L, "an array", a);
	if (json_array_size(a) > max)
		return cpath_fail(&L->path, L->err, "at most %zu entries allowed, got %zu", max,
		                  json_array_size(a));
	cpath_pop(&L->path);
	*out = a;
	return 0;
}

static int get_object(struct jload *L, const json_t *obj, const char *key, const json_t **out)
{
	const json_t *o = json_object_get(obj, key);

	*out = o;
	if (o && !json_is_object(o)) {
		cpath_key(&L->path, key);
		return jfail_type(L, "an object", o);
	}
	return 0;
}

/* A non-negative integer below limit, or null (-> CIRCUIT_UNUSED). */
static int get_index(struct jload *L, const json_t *v, int limit, bool null_ok, const char *what,
                     int *out)
{
	json_int_t i;

	if (null_ok && json_is_null(v)) {
		*out = CIRCUIT_UNUSED;
		return 0;
	}
	if (!json_is_integer(v))
		return jfail_type(L, null_ok ? "an integer or null" : "an integer", v);
	i = json_integer_value(v);
	if (i < 0 || i >= limit)
		return cpath_fail(&L->path, L->err, "%s %lld out of range 0..%d", what,
		                  (long long)i, limit - 1);
	*out = (int)i;
	return 0;
}

static int load_u(struct jload *L, const json_t *u, struct circuit *c)
{
	static const char *const keys[] = { "outputs", "constant", NULL };
	const json_t *outputs, *constant, *v;
	size_t lane;

	cpath_key(&L->path, "/U");
	if (check_keys(L, u, keys, "outputs, constant") < 0 ||
	    get_array(L, u, "outputs", CIRCUIT_LANES, &outputs) < 0)
		return -1;
	cpath_key(&L->path, "outputs");
	json_array_foreach (outputs, lane, v) {
		int out;

		cpath_index(&L->path, (long)lane);
		if (json_is_array(v))
			return cpath_fail(
				&L->path, L->err,
				"lane %zu reads more than one M-block output (a lane carries one signal)",
				lane);
		if (get_index(L, v, CIRCUIT_MBLOCK, true, "M-block output", &out) < 0)
			return -1;
		c->u[lane] = (int8_t)out;
		cpath_pop(&L->path);
	}
	cpath_pop(&L->path);
	constant = json_object_get(u, "constant");
	if (constant) {
		cpath_key(&L->path, "constant");
		if (json_is_boolean(constant)) {
			c->constant = json_is_true(constant) ? 1.0 : 0.0;
		} else if (json_is_number(constant)) {
			double x = json_number_value(constant);

			if (x != 1.0 && x != 0.1 && x != -1.0 && x != -0.1)
				return cpath_fail(&L->path, L->err,
				                  "constant %g not allowed (false, true, 0.1 or 1)",
				                  x);
			c->constant = x;
		} else {
			return jfail_type(L, "a boolean or 0.1 or 1", constant);
		}
		cpath_pop(&L->path);
	}
	cpath_pop(&L->path);
	return 0;
}

static int load_c(struct jload *L, const json_t *cb, struct circuit *c)
{
	static const char *const keys[] = { "elements", NULL };
	const json_t *elements, *v;
	size_t lane;

	cpath_key(&L->path, "/C");
	if (check_keys(L, cb, keys, "elements") < 0 ||
	    get_array(L, cb, "elements", CIRCUIT_LANES, &elements) < 0)
		return -1;
	cpath_key(&L->path, "elements");
	json_array_foreach (elements, lane, v) {
		double x;

		cpath_index(&L->path, (long)lane);
		if (!json_is_number(v))
			return jfail_type(L, "a number", v);
		x = json_number_value(v);
		if (!isfinite(x) || fabs(x) > 1.0)
			return cpath_fail(
				&L->path, L->err,
				"coefficient %g of lane %zu out of range [-1, 1] (upscaling multiplies by 10)",
				x, lane);
		c->coef[lane] = x;
		cpath_pop(&L->path);
	}
	L->path.n -= 2;
	return 0;
}

static int load_i(struct jload *L, const json_t *ib, struct circuit *c)
{
	static const char *const keys[] = { "outputs", "upscaling", NULL };
	const json_t *outputs, *upscaling, *list, *v;
	size_t input, k, lane;

	cpath_key(&L->path, "/I");
	if (check_keys(L, ib, keys, "outputs, upscaling") < 0 ||
	    get_array(L, ib, "outputs", CIRCUIT_MBLOCK, &outputs) < 0 ||
	    get_array(L, ib, "upscaling", CIRCUIT_LANES, &upscaling) < 0)
		return -1;
	cpath_key(&L->path, "outputs");
	json_array_foreach (outputs, input, list) {
		cpath_index(&L->path, (long)input);
		if (json_is_null(list)) {
			cpath_pop(&L->path);
			continue;
		}
		if (!json_is_array(list))
			return jfail_type(L, "an array of lanes or null", list);
		if (json_array_size(list) > CIRCUIT_LANES)
			return cpath_fail(&L->path, L->err, "at most %d lanes allowed, got %zu",
			                  CIRCUIT_LANES, json_array_size(list));
		json_array_foreach (list, k, v) {
			int l;
			uint32_t bit;

			cpath_index(&L->path, (long)k);
			if (get_index(L, v, CIRCUIT_LANES, false, "lane", &l) < 0)
				return -1;
			bit = UINT32_C(1) << l;
			if (c->sum[input] & bit)
				return cpath_fail(&L->path, L->err,
				                  "lane %d listed twice for M-block input %zu", l,
				                  input);
			c->sum[input] |= bit;
			cpath_pop(&L->path);
		}
		cpath_pop(&L->path);
	}
	cpath_pop(&L->path);
	cpath_key(&L->path, "upscaling");
	json_array_foreach (upscaling, lane, v) {
		cpath_index(&L->path, (long)lane);
		if (!json_is_boolean(v))
			return jfail_type(L, "a boolean", v);
		c->upscale[lane] = json_is_true(v);
		cpath_pop(&L->path);
	}
	L->path.n -= 2;
	return 0;
}

static int load_m0(struct jload *L, const json_t *m0, struct circuit *c)
{
	static const char *const keys[] = { "elements", NULL };
	static const char *const ekeys[] = { "k", "ic", NULL };
	const json_t *elements, *e, *v;
	size_t i;

	cpath_key(&L->path, "/M0");
	if (check_keys(L, m0, keys, "elements") < 0 ||
	    get_array(L, m0, "elements", CIRCUIT_INTS, &elements) < 0)
		return -1;
	cpath_key(&L->path, "elements");
	json_array_foreach (elements, i, e) {
		cpath_index(&L->path, (long)i);
		if (!json_is_object(e))
			return jfail_type(L, "an object", e);
		if (check_keys(L, e, ekeys, "k, ic") < 0)
			return -1;
		if ((v = json_object_get(e, "k"))) {
			double k;

			cpath_key(&L->path, "k");
			if (!json_is_number(v))
				return jfail_type(L, "a number", v);
			k = json_number_value(v);
			if (k != CIRCUIT_K_FAST && k != CIRCUIT_K_SLOW)
				return cpath_fail(&L->path, L->err,
				                  "integrator %zu: k %g not allowed (100 or 10000)",
				                  i, k);
			c->k[i] = (int)k;
			cpath_pop(&L->path);
		}
		if ((v = json_object_get(e, "ic"))) {
			double ic;

			cpath_key(&L->path, "ic");
			if (!json_is_number(v))
				return jfail_type(L, "a number", v);
			ic = json_number_value(v);
			if (!isfinite(ic) || fabs(ic) > 1.0)
				return cpath_fail(&L->path, L->err,
				                  "integrator %zu: ic %g out of range [-1, 1]", i,
				                  ic);
			c->ic[i] = ic;
			cpath_pop(&L->path);
		}
		cpath_pop(&L->path);
	}
	L->path.n -= 2;
	return 0;
}

static int load_cluster(struct jload *L, const json_t *cl, struct circuit *c)
{
	static const char *const keys[] = { "/U", "/C", "/I", "/M0", "/M1", NULL };
	static const char *const none[] = { NULL };
	const json_t *u, *cb, *ib, *m0, *m1;

	if (!json_is_object(cl))
		return jfail_type(L, "an object", cl);
	if (check_keys(L, cl, keys, "/U, /C, /I, /M0, /M1") < 0 ||
	    get_object(L, cl, "/U", &u) < 0 || get_object(L, cl, "/C", &cb) < 0 ||
	    get_object(L, cl, "/I", &ib) < 0 || get_object(L, cl, "/M0", &m0) < 0 ||
	    get_object(L, cl, "/M1", &m1) < 0)
		return -1;
	if ((u && load_u(L, u, c) < 0) || (cb && load_c(L, cb, c) < 0) ||
	    (ib && load_i(L, ib, c) < 0) || (m0 && load_m0(L, m0, c) < 0))
		return -1;
	if (m1) {
		cpath_key(&L->path, "/M1");
		if (check_keys(L, m1, none, "none, multipliers have no settings") < 0)
			return -1;
		cpath_pop(&L->path);
	}
	return 0;
}

static int load_adc(struct jload *L, const json_t *adc, struct circuit *c)
{
	const json_t *v;
	size_t i;

	cpath_key(&L->path, "adc_channels");
	if (!json_is_array(adc))
		return jfail_type(L, "an array", adc);
	if (json_array_size(adc) > CIRCUIT_ADC_MAX)
		return cpath_fail(&L->path, L->err, "too many ADC channels: %zu, at most %d",
		                  json_array_size(adc), CIRCUIT_ADC_MAX);
	json_array_foreach (adc, i, v) {
		int out;

		cpath_index(&L->path, (long)i);
		if (get_index(L, v, CIRCUIT_MBLOCK, true, "M-block output", &out) < 0)
			return -1;
		c->adc[i] = (int8_t)out;
		cpath_pop(&L->path);
	}
	c->nadc = (int)json_array_size(adc);
	cpath_pop(&L->path);
	return 0;
}

/* The front panel selection is accepted for compatibility and not simulated. */
static int load_acl(struct jload *L, const json_t *acl)
{
	const json_t *v;
	size_t i;

	cpath_key(&L->path, "acl_select");
	if (!json_is_array(acl))
		return jfail_type(L, "an array", acl);
	if (json_array_size(acl) > CIRCUIT_ADC_MAX)
		return cpath_fail(&L->path, L->err, "at most 8 entries allowed, got %zu",
		                  json_array_size(acl));
	json_array_foreach (acl, i, v) {
		cpath_index(&L->path, (long)i);
		if (!json_is_string(v) && !json_is_boolean(v))
			return jfail_type(L, "a string or boolean", v);
		cpath_pop(&L->path);
	}
	cpath_pop(&L->path);
	return 0;
}

int circuit_from_json(struct circuit *out, const json_t *root, struct circuit_error *err)
{
	static const char *const keys[] = { "/0", "/1", "/2", "adc_channels", "acl_select", NULL };
	struct jload L = { .err = err };
	struct circuit cl[CIRCUIT_CLUSTERS];
	int i, chosen = -1, present = -1;
	const json_t *v;

	if (!json_is_object(root))
		return jfail_type(&L, "an object", root);
	if (check_keys(&L, root, keys, "/0, /1, /2, adc_channels, acl_select") < 0)
		return -1;
	for (i = 0; i < CIRCUIT_CLUSTERS; i++) {
		circuit_init(&cl[i]);
		cl[i].cluster = i;
		if (!(v = json_object_get(root, cluster_keys[i])))
			continue;
		cpath_key(&L.path, cluster_keys[i]);
		if (load_cluster(&L, v, &cl[i]) < 0)
			return -1;
		if (present < 0)
			present = i;
		if (circuit_in_use(&cl[i])) {
			if (chosen >= 0)
				return cpath_fail(
					&L.path, err,
					"only one cluster may be in use, but clusters %s and %s both are",
					cluster_keys[chosen], cluster_keys[i]);
			chosen = i;
		}
		cpath_pop(&L.path);
	}
	if (present < 0)
		return cpath_fail(&L.path, err,
		                  "no cluster: expected key \"/0\" with the cluster configuration");
	if (chosen < 0)
		chosen = present;
	if ((v = json_object_get(root, "adc_channels")) && load_adc(&L, v, &cl[chosen]) < 0)
		return -1;
	if ((v = json_object_get(root, "acl_select")) && load_acl(&L, v) < 0)
		return -1;
	if (circuit_validate(&cl[chosen], err) < 0)
		return -1;
	*out = cl[chosen];
	return 0;
}

/* Appends to arr, taking the reference; returns -1 when anything failed. */
static int append(json_t *arr, json_t *item)
{
	return item ? json_array_append_new(arr, item) : -1;
}

static int put(json_t *obj, const char *key, json_t *item)
{
	return item ? json_object_set_new(obj, key, item) : -1;
}

json_t *circuit_to_json(const struct circuit *c)
{
	json_t *root, *cluster, *u, *cb, *ib, *m0, *uo, *ce, *io, *up, *me;
	json_t *adc = NULL;
	int i, l, rc = 0;

	if (c->cluster < 0 || c->cluster >= CIRCUIT_CLUSTERS)
		return NULL;
	root = json_object();
	cluster = json_object();
	u = json_object();
	cb = json_object();
	ib = json_object();
	m0 = json_object();
	uo = json_array();
	ce = json_array();
	io = json_array();
	up = json_array();
	me = json_array();
	if (!root || !cluster || !u || !cb || !ib || !m0 || !uo || !ce || !io || !up || !me)
		goto fail;
	for (l = 0; l < CIRCUIT_LANES; l++) {
		rc |= append(uo, c->u[l] == CIRCUIT_UNUSED ? json_null() : json_integer(c->u[l]));
		rc |= append(ce, json_real(c->coef[l]));
		rc |= append(up, json_boolean(c->upscale[l]));
	}
	for (i = 0; i < CIRCUIT_MBLOCK; i++) {
		json_t *lanes = json_array();

		for (l = 0; lanes && l < CIRCUIT_LANES; l++)
			if (c->sum[i] & (UINT32_C(1) << l))
				rc |= append(lanes, json_integer(l));
		rc |= append(io, lanes);
	}
	for (i = 0; i < CIRCUIT_INTS; i++)
		rc |= append(me, json_pack("{s:i,s:f}", "k", c->k[i], "ic", c->ic[i]));
	if (c->nadc > 0) {
		if (!(adc = json_array()))
			goto fail;
		for (i = 0; i < c->nadc; i++)
			rc |= append(adc, c->adc[i] == CIRCUIT_UNUSED ? json_null()
			                                              : json_integer(c->adc[i]));
	}
	rc |= json_object_set_new(u, "outputs", uo);
	uo = NULL;
	if (c->constant == 1.0)
		rc |= put(u, "constant", json_true());
	else if (c->constant != 0.0)
		rc |= put(u, "constant", json_real(c->constant));
	rc |= json_object_set_new(cb, "elements", ce);
	rc |= json_object_set_new(ib, "outputs", io);
	rc |= json_object_set_new(ib, "upscaling", up);
	rc |= json_object_set_new(m0, "elements", me);
	ce = io = up = me = NULL;
	rc |= json_object_set_new(cluster, "/U", u);
	rc |= json_object_set_new(cluster, "/C", cb);
	rc |= json_object_set_new(cluster, "/I", ib);
	rc |= json_object_set_new(cluster, "/M0", m0);
	u = cb = ib = m0 = NULL;
	rc |= put(cluster, "/M1", json_object());
	rc |= json_object_set_new(root, cluster_keys[c->cluster], cluster);
	cluster = NULL;
	if (adc) {
		rc |= json_object_set_new(root, "adc_channels", adc);
		adc = NULL;
	}
	if (rc)
		goto fail;
	return root;
fail:
	json_decref(root);
	json_decref(cluster);
	json_decref(u);
	json_decref(cb);
	json_decref(ib);
	json_decref(m0);
	json_decref(uo);
	json_decref(ce);
	json_decref(io);
	json_decref(up);
	json_decref(me);
	json_decref(adc);
	return NULL;
}
