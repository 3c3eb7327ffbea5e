// truth.test.mjs: the API document tells the truth, word for word.
//
// For every operation and every response status in docs/openapi.json (env
// OPENAPI_JSON), a "producer" makes the real server give that answer through
// nginx, and the answer is compared with what the document shows:
//   * errors ({"detail": "..."}): the detail text, word for word;
//   * 422s: every item's loc, msg and type (in order);
//   * other error bodies (GET /health 503): the whole body;
//   * success bodies: the field set and the JSON types of the example
//     (recursively; a null on either side matches any type), unless the
//     producer asks for the whole body (`exact`);
//   * text bodies: the whole text (with `numbers`, every run of digits counts
//     as the same word, for logs with timings in them), or with `lines`
//     every line of the example somewhere in the text (the metrics page);
//   * every header the response names, which must be present.
// Every answer is also validated against the schema by lib/api.mjs, so an
// answer the document does not list fails too.
//
// Placeholders: a UUID in the document stands for any UUID, and an ISO
// date-time for any date-time.  Any other value that differs between the
// document and the test stack (a device name, a scheduler's identity) is
// mapped explicitly by the producer with `as: { 'documented': 'real' }`.
//
// How to add a producer (a new operation, or a new status of one):
//   1. Find the key the failure names, "METHOD /path/{param} STATUS".
//   2. Add an entry to PRODUCERS below: an async function (ctx, op) that makes
//      the request with api() or send(op, ...) and returns
//        - the api() answer, when the response has one example (or none), or
//        - { answer, as, exact, numbers, lines } to map values or compare
//          strictly, or
//        - { exampleName: answer, ... } when the response lists named examples
//          (a response with several media types: { 'media/type': answer }).
//   3. Responses that $ref a shared component (Forbidden, AdminOnly,
//      TaskNotFound, ReservationNotFound, DeviceNotFound, InvalidTaskId,
//      InvalidReservationId, IdempotencyInFlight, PayloadTooLarge,
//      InternalError, DatabaseUnavailable) are produced generically: the
//      operation needs nothing but, when it has a new path parameter, a value
//      in PARAMS.  Its request body is the document's own request example,
//      or SAMPLE_BODIES' when that cannot succeed on the test stack; an
//      operation whose 403 is AdminOnly is sent with an admin key.
// A documented answer that no producer makes fails: write its producer, or
// take it out of the document if the server can never give it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { api, BASE, KEYS, ROOT, SPEC, psql, psqlAsync, pgCtl, waitFor } from './lib/api.mjs';

// truthful: 5 LUCIDAC runs an hour; truth: the owner of the tasks on hold-1 (no limit).
const K = { ...KEYS, truthful: 'ac_test_truthful_777777777777', truth: 'ac_test_truth_888888888888888',
  truthcap: 'ac_test_truthcap_ccccccccccc' };
const NO_TASK = '6f1d2c3b-4a59-4e87-9d6c-5b4a39281706';
const PARAMS = { task_id: NO_TASK, device_name: 'sim-1', reservation_id: NO_TASK };
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)/g;
const harmonicApb = readFileSync(`${ROOT}/tests/data/harmonic_pb.apb`).toString('base64');
const HOUR = 3600e3;
const iso = (ms) => new Date(ms).toISOString();

// ---- the document -------------------------------------------------------------

function deref(obj) {
  while (obj?.$ref) obj = obj.$ref.slice(2).split('/').reduce((o, k) => o[k.replace(/~1/g, '/')], SPEC);
  return obj;
}

function componentName(ref) {
  return ref?.$ref?.startsWith('#/components/responses/') ? ref.$ref.split('/').pop() : null;
}

function operations() {
  const ops = [];
  for (const [path, item] of Object.entries(SPEC.paths)) {
    for (const m of METHODS) {
      if (item[m]) ops.push({ method: m.toUpperCase(), path, op: item[m], key: `${m.toUpperCase()} ${path}` });
    }
  }
  return ops;
}

function requestExample(op) {
  const media = deref(op.requestBody)?.content?.['application/json'];
  if (!media) return undefined;
  if ('example' in media) return media.example;
  const first = Object.values(media.examples ?? {})[0];
  return first && deref(first).value;
}

// What a response documents: one entry per media type and named example.
function expectations(response) {
  const out = [];
  for (const [mediaType, media] of Object.entries(response.content ?? {})) {
    const named = Object.entries(media.examples ?? {});
    if (named.length) {
      for (const [name, ex] of named) out.push({ name, mediaType, example: deref(ex).value });
    } else {
      out.push({ name: mediaType, mediaType, example: media.example });
    }
  }
  if (!out.length) out.push({ name: '', mediaType: null });
  return out;
}

// ---- requests -------------------------------------------------------------------

function concretePath(path, params = {}) {
  return path.replace(/\{([^}]+)\}/g, (_, p) => {
    const v = params[p] ?? PARAMS[p];
    if (v === undefined) throw new Error(`no value for path parameter {${p}}: add it to PARAMS`);
    return encodeURIComponent(v);
  });
}

// An operation whose 403 is AdminOnly takes an admin key; the others alice's.
function keyFor(o) {
  return componentName(o.op.responses['403']) === 'AdminOnly' ? K.admin : K.alice;
}

// Request bodies for operations whose own request example cannot succeed on
// the test stack (a window in the past, a compile task that does not exist,
// a session longer than alice's max_session_s), or must not change anything
// when it does (maintenance).
const SAMPLE_BODIES = {
  'POST /api/v1/reservations': () => ({
    device_name: 'sim-4', user_id: 'alice', start: iso(Date.now() + 40 * 24 * HOUR), end: iso(Date.now() + 40 * 24 * HOUR + HOUR),
  }),
  'POST /api/v1/devices/{device_name}/session': () => ({ duration_s: 30 }),
  'PUT /api/v1/devices/{device_name}/maintenance': () => ({ enabled: false }),
  'POST /api/v1/tasks/batch': () => ({
    runs: [0.01, 0.02].map((t) => ({ device_name: 'sim-1', compile_task_id: ctx.compile, op_time: t, tags: ['sweep-7', `op_time=${t}`] })),
  }),
};

function sampleBody(o) {
  return SAMPLE_BODIES[o.key]?.() ?? requestExample(o.op);
}

// The operation's sample request: its path with PARAMS and its sample body.
function send(o, { key = keyFor(o), params, body, rawBody, query = '', headers } = {}) {
  const b = rawBody === undefined && body === undefined ? sampleBody(o) : body;
  return api(o.method, concretePath(o.path, params) + query, { key, body: b, rawBody, headers });
}

const byKey = (k) => operations().find((o) => o.key === k);
const get = (path, key = K.alice) => api('GET', path, { key });
const run = (body, key = K.alice) => api('POST', '/api/v1/tasks/run', { key, body });

// Runs fn once, however many tests ask for its result.
function once(fn) {
  let p;
  return () => (p ??= fn());
}

// ---- fixtures -------------------------------------------------------------------

const ctx = {};
const cleanup = [];
const reservations = [];

async function finished(id, key = K.alice) {
  await waitFor(async () => ['succeeded', 'failed'].includes((await get(`/api/v1/tasks/${id}`, key)).json.state),
    { timeout: 20000 });
  return (await get(`/api/v1/tasks/${id}`, key)).json;
}

// A run task on hold-1, made inprogress 25 s ago whoever runs hold-1 now
// (a heartbeat far ahead keeps the scheduler's rescue away from it).
async function inprogressTask() {
  const r = await run({ device_name: 'hold-1', circuit_apb: harmonicApb }, K.truth);
  assert.equal(r.status, 201, r.text);
  cleanup.push(r.json.id);
  psql(`UPDATE tasks SET state = 'inprogress', started_at = now() - interval '25 s', updated_at = now(),
    heartbeat_at = now() + interval '1 day', claimed_by = coalesce(claimed_by, 'truth-test') WHERE id = '${r.json.id}'`);
  return r.json.id;
}

// A queued run task: hold-1 has a task in progress, so a new one waits.
async function queuedTask() {
  const r = await run({ device_name: 'hold-1', circuit_apb: harmonicApb }, K.truth);
  assert.equal(r.status, 201, r.text);
  cleanup.push(r.json.id);
  return r.json.id;
}

before(async () => {
  assert.ok(SPEC, 'no OpenAPI document (OPENAPI_JSON)');
  ctx.busy = await inprogressTask();
  const runOp = byKey('POST /api/v1/tasks/run');
  const compileOp = byKey('POST /api/v1/tasks/compile');
  const [r, c] = await Promise.all([send(runOp), send(compileOp)]);
  assert.equal(r.status, 201, r.text);
  assert.equal(c.status, 201, c.text);
  ctx.run = r.json.id;
  ctx.compile = c.json.id;
  assert.equal((await finished(ctx.run)).state, 'succeeded');
  assert.equal((await finished(ctx.compile)).state, 'succeeded');
  ctx.claimedBy = psql(`SELECT claimed_by FROM tasks WHERE id = '${ctx.run}'`);
  await waitFor(async () => (await get('/api/v1/devices')).json.some((d) => d.name === 'down-1' && !d.available),
    { timeout: 15000 });
});

after(() => {
  if (reservations.length) psql(`DELETE FROM reservations WHERE id IN (${reservations.map((id) => `'${id}'`).join(',')})`);
  if (cleanup.length) {
    psql(`UPDATE tasks SET state = 'cancelled', finished_at = now(), heartbeat_at = NULL
      WHERE id IN (${cleanup.map((id) => `'${id}'`).join(',')}) AND state IN ('queued', 'inprogress')`);
  }
});

// A task of alice's that no scheduler serves, and its state changes as the
// event examples show them (written as the scheduler writes them).
function eventTask() {
  const id = randomUUID();
  cleanup.push(id);
  psql(`BEGIN;
    INSERT INTO tasks (id, user_id, type, device_name, device_class, queue, priority, state)
    VALUES ('${id}', 'alice', 'run', 'nowhere', 'SIMULATOR', 'device:nowhere-${id}', 1, 'queued');
    INSERT INTO task_history (task_id, state) VALUES ('${id}', 'queued'); COMMIT;`);
  return id;
}

function eventState(id, state, detail) {
  psql(`BEGIN; UPDATE tasks SET state = '${state}' WHERE id = '${id}';
    INSERT INTO task_history (task_id, state, detail) VALUES ('${id}', '${state}', ${detail ? `'${detail}'` : 'NULL'}); COMMIT;`);
}

// A creation sent twice with one Idempotency-Key: the second answer is the
// first one replayed, with every header the document names.
async function replayed(o) {
  const headers = { 'idempotency-key': `truth-${randomUUID()}` };
  const body = sampleBody(o);
  const first = await api(o.method, o.path, { key: K.alice, body, headers });
  assert.equal(first.status, 201, first.text);
  const ids = (answer) => (answer.json.tasks ?? [answer.json]).map((t) => t.id);
  cleanup.push(...ids(first));
  const again = await api(o.method, o.path, { key: K.alice, body, headers });
  assert.deepEqual(ids(again), ids(first), 'the replay names the first tasks');
  return again;
}

// Runs fn while the lock of alice's Idempotency-Key `idemKey` is held, as a
// first request with that key holds it until its transaction ends
// (pg_try_advisory_xact_lock in acloud_create_task): the second one is told
// to retry.  The holder is a psql session of its own, ended when fn is done.
async function whileKeyInFlight(idemKey, fn) {
  const lock = `hashtextextended('idempotency/alice/${idemKey}', 0)`;
  const held = `FROM pg_locks WHERE locktype = 'advisory' AND granted
    AND ((classid::bigint << 32) | objid::bigint) = ${lock}`;
  const holder = psqlAsync(`SELECT pg_advisory_lock(${lock}); SELECT pg_sleep(120)`).catch(() => {});
  try {
    await waitFor(() => psql(`SELECT count(*) ${held}`) === '1', { timeout: 10000 });
    return await fn();
  } finally {
    psql(`SELECT pg_terminate_backend(pid) ${held}`);
    await holder;
  }
}

// truthcap may have one active task: one on hold-1 that stays queued or running.
const truthcapBusy = once(async () => {
  const r = await run({ device_name: 'hold-1', circuit_apb: harmonicApb }, K.truthcap);
  if (r.status === 201) cleanup.push(r.json.id);
  else assert.match(r.json?.detail ?? '', /Active task limit/, r.text);
});

// An admin reserves `device` for `user` (times in epoch milliseconds).
function reserve(device, user, start, end) {
  return api('POST', '/api/v1/reservations', {
    key: K.admin, body: { device_name: device, user_id: user, start: iso(start), end: iso(end) },
  });
}

// An admin's reservation of sim-4 for alice, 30 days ahead (nothing runs then).
const aliceReservation = once(async () => {
  const t0 = Date.now() + 30 * 24 * HOUR;
  const r = await reserve('sim-4', 'alice', t0, t0 + 3 * HOUR);
  assert.equal(r.status, 201, r.text);
  reservations.push(r.json.id);
  return r;
});

// alice's session on sim-4 (max_session_s 60 in auth.test.yml), and its end.
const aliceSession = once(async () => {
  const r = await api('POST', '/api/v1/devices/sim-4/session', { key: K.alice, body: { duration_s: 30 } });
  assert.equal(r.status, 201, r.text);
  reservations.push(r.json.id);
  return r;
});
const aliceSessionEnded = once(async () => api('DELETE', `/api/v1/reservations/${(await aliceSession()).json.id}`, { key: K.alice }));

// A stream ends with the blank line after its last event; a YAML block
// example ends with one newline (its trailing blank line is clipped).
function clipped(answer) {
  return { ...answer, text: answer.text.replace(/\n+$/, '\n') };
}

// The first event of a stream that does not end by itself, as an answer.
async function firstEvent(path, key, trigger) {
  const abort = new AbortController();
  const res = await fetch(BASE + path, { headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' }, signal: abort.signal });
  const reader = res.body.getReader();
  let text = '';
  trigger();
  // Keep-alive comments (": keepalive", every 15 s) may come first.
  const event = () => text.replace(/^(:[^\n]*\n\n?)+/, '');
  while (!event().includes('\n\n')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString('utf8');
  }
  text = event();
  abort.abort();
  text = text.slice(0, text.indexOf('\n\n') + 2);
  return { status: res.status, headers: res.headers, ctype: res.headers.get('content-type') ?? '', text, buf: Buffer.from(text) };
}

// ---- the answers that need the database gone or refusing ---------------------

// Every operation's sample request while PostgreSQL is stopped.
const answersWithoutDatabase = once(async () => {
  const out = {};
  pgCtl('stop');
  try {
    for (const o of operations()) {
      if (o.op.responses['503']) out[o.key] = await send(o, { key: o.op.security?.length === 0 ? undefined : keyFor(o) }).catch((error) => ({ error }));
    }
  } finally {
    pgCtl('start');
  }
  await waitFor(async () => (await api('GET', '/health', { unchecked: true })).status === 200, { timeout: 30000 });
  return out;
});

// Every operation's sample request while the API's role may read no table:
// every statement fails, which is the one way to a 500.  The grants are
// read first and given back exactly.
const answersWithoutGrants = once(async () => {
  const out = {};
  const grants = psql(`SELECT format('GRANT %s ON %s TO acloud_app', string_agg(a.privilege_type, ', '), c.oid::regclass)
    FROM pg_class c, aclexplode(c.relacl) a WHERE a.grantee = 'acloud_app'::regrole AND c.relkind IN ('r', 'p', 'v')
    GROUP BY c.oid`).split('\n').filter(Boolean);
  assert.ok(grants.length >= 5, grants.join('\n'));
  psql('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM acloud_app');
  try {
    for (const o of operations()) {
      if (o.op.responses['500']) out[o.key] = await send(o).catch((error) => ({ error }));
    }
  } finally {
    psql(grants.join('; '));
  }
  return out;
});

// One operation's answer from a batch; its own failure, not the others'.
function fromBatch(answers, key) {
  if (answers[key]?.error) throw answers[key].error;
  return answers[key];
}

// ---- producers --------------------------------------------------------------------

// Producers of the shared responses, by component name.
const COMPONENT_PRODUCERS = {
  Forbidden: async (o) => ({
    missing: await send(o, { key: null }),
    unknown: await send(o, { key: 'ac_nobody_000000000000' }),
    disabled: await send(o, { key: K.carol }),
  }),
  AdminOnly: async (o) => ({ ...(await COMPONENT_PRODUCERS.Forbidden(o)), not_admin: await send(o, { key: K.alice }) }),
  TaskNotFound: (o) => send(o, { params: { task_id: NO_TASK } }),
  ReservationNotFound: (o) => send(o, { params: { reservation_id: NO_TASK } }),
  InvalidReservationId: (o) => send(o, { params: { reservation_id: 'nope' } }),
  // The device in the path, or in the body.
  DeviceNotFound: (o) => {
    const body = sampleBody(o);
    return send(o, { params: { device_name: 'lucidac-9' }, body: body?.device_name ? { ...body, device_name: 'lucidac-9' } : body });
  },
  IdempotencyInFlight: (o) => {
    const idemKey = `truth-${randomUUID()}`;
    return whileKeyInFlight(idemKey, () => send(o, { headers: { 'idempotency-key': idemKey } }));
  },
  InvalidTaskId: (o) => send(o, { params: { task_id: 'nope' } }),
  PayloadTooLarge: (o) => send(o, { rawBody: Buffer.alloc(33554433, 0x20) }),
  InternalError: async (o) => fromBatch(await answersWithoutGrants(), o.key),
  DatabaseUnavailable: async (o) => fromBatch(await answersWithoutDatabase(), o.key),
};

const PRODUCERS = {
  'GET /health 200': () => api('GET', '/health'),
  'GET /health 503': async () => ({ answer: fromBatch(await answersWithoutDatabase(), 'GET /health'), exact: true }),
  'GET /api/v1/system/status 200': () => get('/api/v1/system/status'),
  'GET /api/v1/users/me 200': () => get('/api/v1/users/me'),
  'GET /api/v1/devices 200': () => get('/api/v1/devices'),
  'GET /api/v1/devices/{device_name}/entity 200': () => get('/api/v1/devices/sim-1/entity'),
  'GET /api/v1/devices/{device_name}/entity 404': async () => ({
    unknown_device: await get('/api/v1/devices/lucidac-9/entity'),
    no_entity: await get('/api/v1/devices/sim-2/entity'),
  }),

  'POST /api/v1/tasks/compile 201': (o) => replayed(o),
  'POST /api/v1/tasks/compile 400': async () => ({
    simulator: await api('POST', '/api/v1/tasks/compile', { key: K.alice, body: { backend: 'SIMULATOR', source: "x' = -x\n" } }),
  }),
  'POST /api/v1/tasks/compile 422': () => api('POST', '/api/v1/tasks/compile', { key: K.alice, body: { backend: 'LUCIDAC' } }),
  // Compile tasks count against the cap on active tasks (not the rate limits).
  'POST /api/v1/tasks/compile 429': async (o) => {
    await truthcapBusy();
    return { answer: await send(o, { key: K.truthcap }), as: { 1000: '1' } };
  },

  'POST /api/v1/tasks/run 201': (o) => replayed(o),
  'POST /api/v1/tasks/run 403': async (o) => ({
    ...(await COMPONENT_PRODUCERS.Forbidden(o)),
    denied: { answer: await run({ device_name: 'sim-3', circuit_apb: harmonicApb }, K.bob), as: { 'lucidac-1': 'sim-3' } },
  }),
  'POST /api/v1/tasks/run 404': () => run({ device_name: 'lucidac-9', circuit_apb: harmonicApb }),
  'POST /api/v1/tasks/run 422': async () => ({
    op_time: await run({ device_name: 'sim-1', circuit_apb: harmonicApb, op_time: 10.5 }),
    compile_task_id: await run({ device_name: 'sim-1', compile_task_id: ctx.busy }, K.truth),
  }),
  // The key may create 5 LUCIDAC runs an hour (auth.test.yml): the 6th is refused.
  'POST /api/v1/tasks/run 429': async () => {
    const rate = async () => {
      for (let i = 0; i < 6; i++) {
        const r = await run({ device_name: 'hold-1', circuit_apb: harmonicApb }, K.truthful);
        if (r.status !== 201) return r;
        cleanup.push(r.json.id);
      }
      return run({ device_name: 'hold-1', circuit_apb: harmonicApb }, K.truthful);
    };
    // truthcap may have one active task: its second is over the cap.
    const active = async () => {
      await truthcapBusy();
      return run({ device_name: 'hold-1', circuit_apb: harmonicApb }, K.truthcap);
    };
    return { rate: await rate(), active: { answer: await active(), as: { 1000: '1' } } };
  },
  'POST /api/v1/tasks/run 503': async () => ({
    device: { answer: await run({ device_name: 'down-1', circuit_apb: harmonicApb }), as: { 'lucidac-1': 'down-1' } },
    database: fromBatch(await answersWithoutDatabase(), 'POST /api/v1/tasks/run'),
  }),

  'POST /api/v1/tasks/batch 201': (o) => replayed(o),
  'POST /api/v1/tasks/batch 403': async (o) => ({
    ...(await COMPONENT_PRODUCERS.Forbidden(o)),
    denied: {
      answer: await send(o, { key: K.bob, body: { runs: [{ device_name: 'sim-1', circuit_apb: harmonicApb }, { device_name: 'sim-3', circuit_apb: harmonicApb }] } }),
      as: { 'lucidac-1': 'sim-3' },
    },
  }),
  'POST /api/v1/tasks/batch 404': (o) => send(o, {
    body: { runs: ['sim-1', 'sim-2', 'sim-3', 'lucidac-9'].map((d) => ({ device_name: d, circuit_apb: harmonicApb })) },
  }),
  'POST /api/v1/tasks/batch 422': (o) => send(o, {
    body: { runs: [{ device_name: 'sim-1', circuit_apb: harmonicApb }, { device_name: 'sim-1', circuit_apb: harmonicApb, op_time: 10.5 }] },
  }),
  // A batch is refused as a whole: 6 runs for a key with 5 an hour, 2 for a
  // key that may have 1 active task.
  'POST /api/v1/tasks/batch 429': async (o) => {
    const runs = (n) => ({ runs: Array.from({ length: n }, () => ({ device_name: 'hold-1', circuit_apb: harmonicApb })) });
    return {
      rate: await send(o, { key: K.truthful, body: runs(6) }),
      active: { answer: await send(o, { key: K.truthcap, body: runs(2) }), as: { 1000: '1' } },
    };
  },
  'POST /api/v1/tasks/batch 503': async (o) => ({
    device: { answer: await send(o, { body: { runs: [{ device_name: 'down-1', circuit_apb: harmonicApb }] } }), as: { 'lucidac-1': 'down-1' } },
    database: fromBatch(await answersWithoutDatabase(), o.key),
  }),

  'GET /api/v1/devices/{device_name} 200': () => get('/api/v1/devices/sim-1'),
  'PUT /api/v1/devices/{device_name}/maintenance 200': async (o) => {
    try {
      return await send(o, { params: { device_name: 'sim-2' }, body: { enabled: true, reason: 'recalibrating the integrators' } });
    } finally {
      assert.equal((await send(o, { params: { device_name: 'sim-2' }, body: { enabled: false } })).status, 200);
    }
  },
  'PUT /api/v1/devices/{device_name}/maintenance 422': (o) => send(o, { body: { enabled: 'yes' } }),

  'POST /api/v1/devices/{device_name}/session 201': () => aliceSession(),
  'POST /api/v1/devices/{device_name}/session 403': async (o) => ({
    ...(await COMPONENT_PRODUCERS.Forbidden(o)),
    too_long: { answer: await send(o, { body: { duration_s: 61 } }), as: { 600: '60' } },
    no_sessions: await send(o, { key: K.bob, body: { duration_s: 5 } }),
    device: { answer: await send(o, { key: K.bob, params: { device_name: 'sim-3' }, body: { duration_s: 5 } }), as: { 'lucidac-1': 'sim-3' } },
  }),
  // bob's reservation of sim-3 from 10 s ahead: a 30 s session overlaps it.
  'POST /api/v1/devices/{device_name}/session 409': async (o) => {
    const r = await reserve('sim-3', 'bob', Date.now() + 10e3, Date.now() + HOUR);
    assert.equal(r.status, 201, r.text);
    reservations.push(r.json.id);
    try {
      return { answer: await send(o, { params: { device_name: 'sim-3' } }), as: { 'lucidac-1': 'sim-3' } };
    } finally {
      await api('DELETE', `/api/v1/reservations/${r.json.id}`, { key: K.admin });
    }
  },
  'POST /api/v1/devices/{device_name}/session 422': (o) => send(o, { body: {} }),

  'POST /api/v1/reservations 201': () => aliceReservation(),
  'POST /api/v1/reservations 409': async (o) => {
    const mine = (await aliceReservation()).json;
    const start = Date.parse(mine.start) + HOUR;
    return { answer: await send(o, { body: { device_name: 'sim-4', user_id: 'bob', start: iso(start), end: iso(start + HOUR) } }), as: { 'lucidac-1': 'sim-4' } };
  },
  'POST /api/v1/reservations 422': (o) => {
    const t0 = Date.now() + 50 * 24 * HOUR;
    return send(o, { body: { device_name: 'sim-4', user_id: 'alice', start: iso(t0 + HOUR), end: iso(t0) } });
  },
  'GET /api/v1/reservations 200': async () => {
    await aliceReservation();
    return get('/api/v1/reservations?device_name=sim-4&limit=1');
  },
  'GET /api/v1/reservations 422': () => get('/api/v1/reservations?from=yesterday'),
  'GET /api/v1/reservations/{reservation_id} 200': async () => get(`/api/v1/reservations/${(await aliceReservation()).json.id}`),
  'DELETE /api/v1/reservations/{reservation_id} 204': () => aliceSessionEnded(),
  'DELETE /api/v1/reservations/{reservation_id} 409': async () => {
    assert.equal((await aliceSessionEnded()).status, 204);
    return api('DELETE', `/api/v1/reservations/${(await aliceSession()).json.id}`, { key: K.alice });
  },

  // Counters vary: every documented line is on the page, numbers aside.
  'GET /metrics 200': async () => {
    await get('/api/v1/devices');
    return { answer: await get('/metrics', K.admin), lines: true, numbers: true };
  },

  'GET /api/v1/tasks 200': () => get('/api/v1/tasks?limit=2'),
  'GET /api/v1/tasks 422': () => get('/api/v1/tasks?limit=0'),
  'POST /api/v1/tasks/search 200': () => api('POST', '/api/v1/tasks/search', { key: K.alice, body: { limit: 1 } }),
  'POST /api/v1/tasks/search 422': () => api('POST', '/api/v1/tasks/search', {
    key: K.alice, body: { from: '2025-01-01T00:00:00Z', to: '2025-06-01T00:00:00Z' },
  }),

  'GET /api/v1/tasks/{task_id} 200': async () => ({
    queued: await get(`/api/v1/tasks/${await queuedTask()}`, K.truth),
    succeeded: await get(`/api/v1/tasks/${ctx.compile}`),
  }),
  'DELETE /api/v1/tasks/{task_id} 204': async () => api('DELETE', `/api/v1/tasks/${await queuedTask()}`, { key: K.truth }),
  // 25 s into the 120 s grace: 95 s left.
  'DELETE /api/v1/tasks/{task_id} 409': async () => api('DELETE', `/api/v1/tasks/${await inprogressTask()}`, { key: K.truth }),
  'GET /api/v1/tasks/{task_id}/status 200': async () => ({
    answer: await get(`/api/v1/tasks/${ctx.run}/status`), exact: true,
    as: { 'host-a/4711.6b0eea37': ctx.claimedBy },
  }),
  'GET /api/v1/tasks/{task_id}/log 200': async () => ({
    answer: await get(`/api/v1/tasks/${ctx.run}/log`), numbers: true,
    as: { 'host-a/4711.6b0eea37': ctx.claimedBy },
  }),
  'GET /api/v1/tasks/{task_id}/result 200': async () => ({
    'application/octet-stream': await get(`/api/v1/tasks/${ctx.compile}/result`),
    'application/json': await get(`/api/v1/tasks/${ctx.run}/result`),
  }),
  'GET /api/v1/tasks/{task_id}/result 404': async () => ({
    not_found: await get(`/api/v1/tasks/${NO_TASK}/result`),
    not_ready: await get(`/api/v1/tasks/${ctx.busy}/result`, K.truth),
  }),
  'POST /api/v1/tasks/{task_id}/cancel 200': async () => api('POST', `/api/v1/tasks/${await queuedTask()}/cancel`, { key: K.truth }),
  'POST /api/v1/tasks/{task_id}/cancel 409': () => api('POST', `/api/v1/tasks/${ctx.busy}/cancel`, { key: K.truth }),
  'GET /api/v1/tasks/{task_id}/events 200': async () => {
    const id = eventTask();
    eventState(id, 'inprogress', 'scheduler host-a/812');
    psql(`INSERT INTO task_log (task_id, line) VALUES ('${id}', 'run finished: 2 channels x 10 samples')`);
    eventState(id, 'succeeded');
    const answer = await api('GET', `/api/v1/tasks/${id}/events`, { key: K.alice, headers: { accept: 'text/event-stream' } });
    return { answer: clipped(answer), numbers: true };
  },
  'GET /api/v1/events 200': async () => {
    const id = eventTask();
    const answer = await firstEvent('/api/v1/events', K.alice, () => setTimeout(() => eventState(id, 'inprogress', 'scheduler host-a/812'), 300));
    return { answer: clipped(answer), numbers: true };
  },
};

// ---- comparison -------------------------------------------------------------------

function substitute(text, as = {}) {
  let out = text;
  for (const [doc, real] of Object.entries(as)) out = out.split(doc).join(real);
  return out;
}

function normalize(text, numbers) {
  const t = String(text).replace(UUID, '<uuid>').replace(TIME, '<time>');
  return numbers ? t.replace(/\d+/g, '0') : t;
}

function typeOf(v) {
  if (v === null) return 'null';
  return Array.isArray(v) ? 'array' : typeof v;
}

// The example's field set and JSON types, recursively; null matches any type.
function sameShape(real, example, where, problems) {
  const [rt, et] = [typeOf(real), typeOf(example)];
  if (rt === 'null' || et === 'null') return;
  if (rt !== et) {
    problems.push(`${where}: ${rt}, documented ${et}`);
  } else if (et === 'object') {
    const [rk, ek] = [Object.keys(real).sort(), Object.keys(example).sort()];
    if (rk.join() !== ek.join()) problems.push(`${where}: fields ${rk.join(', ')}; documented ${ek.join(', ')}`);
    for (const k of ek) if (k in real) sameShape(real[k], example[k], `${where}.${k}`, problems);
  } else if (et === 'array' && example.length) {
    if (!real.length) problems.push(`${where}: empty, documented with items (make the producer give some)`);
    real.forEach((item, i) => sameShape(item, example[Math.min(i, example.length - 1)], `${where}[${i}]`, problems));
  }
}

function compare(status, exp, got) {
  const { answer, as = {}, exact = false, numbers = false, lines = false } = got;
  const where = `${exp.name ? `example ${exp.name}: ` : ''}`;
  assert.equal(answer.status, status, `${where}server said ${answer.status} ${answer.text.slice(0, 300)}`);
  const base = (answer.ctype || '').split(';')[0].trim() || null;
  assert.equal(base, exp.mediaType, `${where}content type`);
  if (exp.example === undefined) {
    if (exp.mediaType === null) assert.equal(answer.buf.length, 0, `${where}documented without a body`);
    else assert.ok(answer.buf.length > 0, `${where}empty body`);
    return;
  }
  const docText = (v) => normalize(substitute(typeof v === 'string' ? v : JSON.stringify(v), as), numbers);
  if (typeof exp.example === 'string' && lines) {
    const page = new Set(normalize(answer.text, numbers).split('\n'));
    const missing = docText(exp.example).split('\n').filter((l) => l && !page.has(l));
    assert.deepEqual(missing, [], `${where}documented lines missing`);
  } else if (typeof exp.example === 'string') {
    assert.equal(normalize(answer.text, numbers), docText(exp.example), `${where}text differs`);
  } else if (typeof exp.example?.detail === 'string') {
    assert.equal(normalize(answer.json.detail), docText(exp.example.detail), `${where}detail differs`);
  } else if (Array.isArray(exp.example?.detail)) {
    const items = (d) => d.map(({ loc, msg, type }) => ({ loc, msg, type }));
    assert.deepEqual(JSON.parse(normalize(JSON.stringify(items(answer.json.detail)))),
      JSON.parse(docText(items(exp.example.detail))), `${where}422 items differ`);
  } else if (exact || status >= 400) {
    assert.deepEqual(JSON.parse(normalize(JSON.stringify(answer.json))), JSON.parse(docText(exp.example)), `${where}body differs`);
  } else {
    const problems = [];
    sameShape(answer.json, exp.example, 'body', problems);
    assert.deepEqual(problems, [], `${where}shape differs from the example`);
  }
}

// Returns [{ answer, as, ... }] lined up with the expectations.
function lineUp(key, exps, produced) {
  const isAnswer = (p) => p !== null && typeof p === 'object' && ('answer' in p || 'status' in p);
  const wrap = (p) => ('answer' in p ? p : { answer: p });
  if (isAnswer(produced)) {
    assert.equal(exps.length, 1, `${key}: one answer for the documented ${exps.map((e) => e.name).join(', ')}`);
    return [wrap(produced)];
  }
  return exps.map((e) => {
    assert.ok(isAnswer(produced?.[e.name]), `${key}: no answer for the documented example '${e.name}'`);
    return wrap(produced[e.name]);
  });
}

function headersOf(response) {
  return Object.keys(response.headers ?? {});
}

for (const o of SPEC ? operations() : []) {
  for (const [status, ref] of Object.entries(o.op.responses)) {
    const key = `${o.key} ${status}`;
    test(key, async () => {
      const producer = PRODUCERS[key] ?? COMPONENT_PRODUCERS[componentName(ref)];
      assert.ok(producer, `${key} is documented, but no producer makes the server give it: add one to PRODUCERS in tests/integration/truth.test.mjs (or take the answer out of docs/openapi.yaml)`);
      const response = deref(ref);
      const exps = expectations(response);
      const produced = await producer(o, ctx);
      const got = lineUp(key, exps, produced);
      exps.forEach((e, i) => {
        compare(Number(status), e, got[i]);
        for (const h of headersOf(response)) {
          assert.ok(got[i].answer.headers.get(h) !== null, `${key}: documented header ${h} missing`);
        }
      });
    });
  }
}

test('every producer belongs to a documented answer', () => {
  const documented = new Set(operations().flatMap((o) => Object.keys(o.op.responses).map((s) => `${o.key} ${s}`)));
  assert.deepEqual(Object.keys(PRODUCERS).filter((k) => !documented.has(k)), []);
});
