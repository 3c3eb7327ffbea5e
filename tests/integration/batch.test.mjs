// batch.test.mjs: creation in bulk and in safety, through nginx against the
// real database and scheduler: POST /tasks/batch (all or nothing, limits
// for the whole batch, queue order, 1 000 runs), Idempotency-Key on every
// creation (replay, different body, 20 at once, expiry, per user, a client
// whose connection dropped, acloud's own retry), tags (filter, bounds,
// 422s) and the cap on a key's active tasks.
//
// hold-2 runs its first task forever, so every later task on it stays
// queued: this suite's queue, apart from tasks.test.mjs's hold-1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { api, BASE, BUILD, ROOT, psql, waitFor } from './lib/api.mjs';

const K = {
  admin: 'ac_demo_admin_5555555555',
  alice: 'ac_demo_alice_0123456789',
  bob: 'ac_demo_bob_9876543210',
  batcher: 'ac_test_batcher_777777777777',
  bulk: 'ac_test_bulk_888888888888888',
  idem: 'ac_test_idem_999999999999999',
  idem2: 'ac_test_idem2_00000000000000',
  capped: 'ac_test_capped_aaaaaaaaaaaaa',
  tagger: 'ac_test_tagger_bbbbbbbbbbbbb',
};
const circuit = {
  '/0': { '/U': { outputs: [1, 0] }, '/C': { elements: [1, -1] }, '/I': { outputs: [[0], [1]] },
    '/M0': { elements: [{ k: 10000, ic: -0.5 }, { k: 10000, ic: 0 }] }, '/M1': {} },
  adc_channels: [0, 1],
};
const hold = (extra = {}) => ({ device_name: 'hold-2', circuit, op_time: 0.001, sample_rate: 1000, ...extra });
const sim = (extra = {}) => ({ device_name: 'sim-3', circuit, op_time: 0.001, sample_rate: 1000, ...extra });
const batch = (key, runs, headers = {}) => api('POST', '/api/v1/tasks/batch', { key, body: { runs }, headers });
const run = (key, body, headers = {}) => api('POST', '/api/v1/tasks/run', { key, body, headers });
const countOf = (where) => Number(psql(`SELECT count(*) FROM tasks WHERE ${where}`));
let uniq = 0;
const label = (what) => `${what}-${process.pid}-${++uniq}`;

before(async () => {
  const blocker = await run(K.admin, hold({ name: 'hold-2 blocker' }));
  assert.equal(blocker.status, 201, blocker.text);
  await waitFor(async () => (await api('GET', `/api/v1/tasks/${blocker.json.id}`, { key: K.admin })).json.state === 'inprogress',
    { timeout: 15000 });
});

// ---- batch ----------------------------------------------------------------

test('batch: 201 with the tasks in request order, queued in that order, tags and names kept', async () => {
  const name = label('order');
  const runs = Array.from({ length: 5 }, (_, i) => hold({ name: `${name}-${i}`, tags: [`i=${i}`, 'sweep'] }));
  const r = await batch(K.batcher, runs);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.tasks.length, 5);
  const positions = [];
  for (const [i, t] of r.json.tasks.entries()) {
    assert.equal(t.type, 'run');
    assert.equal(t.state, 'queued');
    const d = await api('GET', `/api/v1/tasks/${t.id}`, { key: K.batcher });
    assert.equal(d.json.name, `${name}-${i}`);
    assert.deepEqual(d.json.tags, [`i=${i}`, 'sweep']);
    positions.push(d.json.queue_position);
  }
  for (let i = 1; i < 5; i++) assert.equal(positions[i], positions[0] + i, `queue order ${positions}`);
  const created = r.json.tasks.map((t) => t.created_at);
  assert.deepEqual([...created].sort(), created);
});

test('batch: a bad run at the end creates nothing; errors name the run', async () => {
  const name = label('aon');
  const good = Array.from({ length: 4 }, () => hold({ name }));
  const cases = [
    [[...good, hold({ name, device_name: 'no-such-device' })], 404, /^runs\[4\]: Device no-such-device not found/],
    [[...good, hold({ name, device_name: 'down-1' })], 503, /^runs\[4\]: Device down-1 is not available/],
  ];
  for (const [runs, status, detail] of cases) {
    const r = await batch(K.batcher, runs);
    assert.equal(r.status, status, r.text);
    assert.match(r.json.detail, detail);
  }
  const bad = await batch(K.batcher, [...good, hold({ name, op_time: -1 })]);
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.json.detail[0].loc, ['body', 'runs', 4, 'op_time']);
  const measure = await batch(K.batcher, [...good, hold({ name, op_time: 10, sample_rate: 1000000 })]);
  assert.equal(measure.status, 422);
  assert.deepEqual(measure.json.detail[0].loc.slice(0, 3), ['body', 'runs', 4]);
  const forbidden = await batch(K.bob, [sim({ name, device_name: 'sim-1' }), hold({ name })]);
  assert.equal(forbidden.status, 403);
  assert.match(forbidden.json.detail, /^runs\[1\]: Access to device hold-2 denied/);
  assert.equal(countOf(`name = '${name}'`), 0, 'nothing created');
});

test('batch: body shape 422s (empty, over 1 000, not a list, not objects, extra keys)', async () => {
  const cases = [
    [{ runs: [] }, ['body', 'runs'], 'too_short'],
    [{ runs: Array.from({ length: 1001 }, () => ({})) }, ['body', 'runs'], 'too_long'],
    [{ runs: {} }, ['body', 'runs'], 'list_type'],
    [{}, ['body', 'runs'], 'missing'],
    [{ runs: [hold(), 7] }, ['body', 'runs', 1], 'model_attributes_type'],
    [{ runs: [hold({ colour: 'red' })] }, ['body', 'runs', 0, 'colour'], 'extra_forbidden'],
    [{ runs: [hold({ circuit: undefined })] }, ['body', 'runs', 0], 'value_error'],
    [{ runs: [hold()], more: 1 }, ['body', 'more'], 'extra_forbidden'],
  ];
  for (const [body, loc, type] of cases) {
    const r = await api('POST', '/api/v1/tasks/batch', { key: K.batcher, body });
    assert.equal(r.status, 422, JSON.stringify(body).slice(0, 80));
    assert.deepEqual(r.json.detail[0].loc, loc);
    assert.equal(r.json.detail[0].type, type);
  }
});

test('batch: one that would pass the hourly limit by one creates nothing (429), the rest fits', async () => {
  // batcher: LUCIDAC 10 per hour; earlier tests of this file may have used some.
  const used = Number(psql(`SELECT count(*) FROM usage_ledger WHERE user_id = 'batcher' AND device_class = 'LUCIDAC' AND at > now() - interval '1 hour'`));
  const left = 10 - used;
  assert.ok(left >= 1, `batcher has ${left} runs left`);
  const name = label('limit');
  const over = await batch(K.batcher, Array.from({ length: left + 1 }, () => hold({ name })));
  assert.equal(over.status, 429, over.text);
  assert.match(over.json.detail, /LUCIDAC: 10 run tasks per hour \(the batch asks for \d+\)/);
  assert.ok(Number(over.headers.get('retry-after')) >= 1);
  assert.equal(countOf(`name = '${name}'`), 0);
  const fits = await batch(K.batcher, Array.from({ length: left }, () => hold({ name })));
  assert.equal(fits.status, 201, fits.text);
  assert.equal(countOf(`name = '${name}'`), left);
  assert.equal((await run(K.batcher, hold({ name }))).status, 429);
});

test('batch: 1 000 runs in one request; the default cap of 1 000 active tasks then refuses one more', async () => {
  const name = label('bulk');
  const runs = Array.from({ length: 1000 }, (_, i) => hold({ name, tags: [`k=${i}`] }));
  const r = await batch(K.bulk, runs);
  assert.equal(r.status, 201, r.text.slice(0, 300));
  assert.equal(r.json.tasks.length, 1000);
  assert.equal(new Set(r.json.tasks.map((t) => t.id)).size, 1000);
  assert.equal(countOf(`name = '${name}'`), 1000);
  assert.equal(psql(`SELECT count(*) FROM usage_ledger WHERE user_id = 'bulk'`), '1000');
  // Queue order is request order: created_at ascends with the index.
  const order = psql(`SELECT string_agg(tags[1], ',' ORDER BY created_at, id) FROM tasks WHERE name = '${name}'`);
  assert.equal(order, runs.map((_, i) => `k=${i}`).join(','));
  const more = await run(K.bulk, hold({ name }));
  assert.equal(more.status, 429);
  assert.match(more.json.detail, /max_active_tasks is 1000/);
  psql(`DELETE FROM tasks WHERE user_id = 'bulk'`);
  assert.equal((await run(K.bulk, hold({ name }))).status, 201, 'deleted tasks leave the count');
  psql(`DELETE FROM tasks WHERE user_id = 'bulk'`);
});

// ---- idempotency ----------------------------------------------------------------

test('idempotency: the same key and body replays the first answer without creating or charging', async () => {
  const name = label('replay');
  const key = `replay-${name}`;
  const first = await run(K.idem, sim({ name }), { 'idempotency-key': key });
  assert.equal(first.status, 201);
  assert.equal(first.headers.get('idempotent-replayed'), null);
  const ledger = psql(`SELECT count(*) FROM usage_ledger WHERE user_id = 'idem'`);
  const again = await run(K.idem, sim({ name }), { 'idempotency-key': key });
  assert.equal(again.status, 201);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal(again.text, first.text, 'the same body, byte for byte');
  assert.equal(countOf(`name = '${name}'`), 1);
  assert.equal(psql(`SELECT count(*) FROM usage_ledger WHERE user_id = 'idem'`), ledger, 'no charge');

  const different = await run(K.idem, sim({ name, op_time: 0.002 }), { 'idempotency-key': key });
  assert.equal(different.status, 422);
  assert.deepEqual(different.json.detail[0].loc, ['header', 'idempotency-key']);
  const otherRoute = await api('POST', '/api/v1/tasks/batch', { key: K.idem, body: { runs: [sim({ name })] }, headers: { 'idempotency-key': key } });
  assert.equal(otherRoute.status, 422, 'the key belongs to the first request, path included');

  const b1 = await batch(K.idem, [sim({ name }), sim({ name })], { 'idempotency-key': `${key}-batch` });
  const b2 = await batch(K.idem, [sim({ name }), sim({ name })], { 'idempotency-key': `${key}-batch` });
  assert.equal(b1.status, 201);
  assert.equal(b2.text, b1.text);
  const c1 = await api('POST', '/api/v1/tasks/compile', { key: K.idem, body: { backend: 'LUCIDAC', source: "x' = -x\nx(0) = 1\n", name }, headers: { 'idempotency-key': `${key}-compile` } });
  const c2 = await api('POST', '/api/v1/tasks/compile', { key: K.idem, body: { backend: 'LUCIDAC', source: "x' = -x\nx(0) = 1\n", name }, headers: { 'idempotency-key': `${key}-compile` } });
  assert.equal(c1.status, 201);
  assert.equal(c2.json.id, c1.json.id);
  assert.equal(countOf(`name = '${name}'`), 4);
});

test('idempotency: bad keys are 422; the key is scoped to its user; it expires after 24 hours', async () => {
  const before = countOf(`user_id = 'idem'`);
  for (const bad of ['x'.repeat(256), 'a\tb', 'caf\u00e9']) {
    let r;
    try {
      r = await api('POST', '/api/v1/tasks/run', { key: K.idem, body: sim(), headers: { 'idempotency-key': bad } });
    } catch { continue; }   // a header value the client itself refuses to send
    assert.equal(r.status, 422, JSON.stringify(bad.slice(0, 10)));
    assert.deepEqual(r.json.detail[0].loc, ['header', 'idempotency-key']);
  }
  assert.equal((await run(K.idem, sim(), { 'idempotency-key': 'x'.repeat(255) })).status, 201);
  assert.equal(countOf(`user_id = 'idem'`), before + 1);
  const name = label('scope');
  const key = `shared-${name}`;
  const a = await run(K.idem, sim({ name }), { 'idempotency-key': key });
  const b = await run(K.idem2, sim({ name }), { 'idempotency-key': key });
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  assert.notEqual(a.json.id, b.json.id);
  assert.equal(b.headers.get('idempotent-replayed'), null);

  psql(`UPDATE idempotency_keys SET created_at = now() - interval '23 hours 59 minutes' WHERE user_id = 'idem' AND key = '${key}'`);
  assert.equal((await run(K.idem, sim({ name }), { 'idempotency-key': key })).json.id, a.json.id, 'kept for 24 hours');
  psql(`UPDATE idempotency_keys SET created_at = now() - interval '24 hours 1 minute' WHERE user_id = 'idem' AND key = '${key}'`);
  const fresh = await run(K.idem, sim({ name }), { 'idempotency-key': key });
  assert.equal(fresh.status, 201);
  assert.notEqual(fresh.json.id, a.json.id);
  assert.equal(fresh.headers.get('idempotent-replayed'), null);
  assert.equal(countOf(`name = '${name}'`), 3);
});

test('idempotency: 20 parallel requests with one key create exactly one task', async () => {
  for (const route of ['run', 'batch']) {
    const name = label('race');
    const key = `race-${name}`;
    const send = () => route === 'run' ? run(K.idem, hold({ name }), { 'idempotency-key': key })
      : batch(K.idem, [hold({ name }), hold({ name })], { 'idempotency-key': key });
    const answers = await Promise.all(Array.from({ length: 20 }, send));
    const statuses = answers.map((r) => r.status);
    assert.ok(statuses.every((s) => s === 201 || s === 409), statuses.join());
    const bodies = new Set(answers.filter((r) => r.status === 201).map((r) => r.text));
    assert.equal(bodies.size, 1, 'every 201 is the one creation');
    assert.equal(answers.filter((r) => r.status === 201 && !r.headers.get('idempotent-replayed')).length, 1);
    assert.equal(countOf(`name = '${name}'`), route === 'run' ? 1 : 2);
    for (const r of answers.filter((x) => x.status === 409)) assert.match(r.json.detail, /still being processed/);
    const after = await send();
    assert.equal(after.status, 201);
    assert.ok(bodies.has(after.text));
  }
});

test('idempotency: a client whose connection dropped gets its first task back on retry', async () => {
  const name = label('dropped');
  const key = `dropped-${name}`;
  const body = JSON.stringify(sim({ name }));
  // Send the request and hang up without reading the answer.
  await new Promise((resolve) => {
    const r = (BASE.startsWith('https') ? https : http).request(`${BASE}/api/v1/tasks/run`, {
      method: 'POST',
      headers: { authorization: `Bearer ${K.idem}`, 'content-type': 'application/json', 'idempotency-key': key },
    });
    r.on('error', () => resolve());
    r.end(body, () => setTimeout(() => { r.destroy(); resolve(); }, 5));
  });
  await waitFor(() => countOf(`name = '${name}'`) === 1, { timeout: 10000 });
  const id = psql(`SELECT id FROM tasks WHERE name = '${name}'`);
  const retry = await api('POST', '/api/v1/tasks/run', { key: K.idem, rawBody: body, headers: { 'content-type': 'application/json', 'idempotency-key': key } });
  assert.equal(retry.status, 201);
  assert.equal(retry.json.id, id);
  assert.equal(retry.headers.get('idempotent-replayed'), 'true');
  assert.equal(countOf(`name = '${name}'`), 1);
});

// acloud sends an Idempotency-Key on every create and retries with it
// after a connection error.  A proxy in front of the stack forwards the
// first request and then drops the client's connection without an answer.
test('acloud: a create retried after a dropped answer returns the same task', async () => {
  const dir = mkdtempSync('/tmp/acloud-batch-');
  const file = `${dir}/circuit.json`;
  writeFileSync(file, JSON.stringify(circuit));
  const seen = [];
  const proxy = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const headers = { ...req.headers };
    delete headers.host;
    delete headers.connection;
    const up = await fetch(BASE + req.url, { method: req.method, headers, body: req.method === 'GET' ? undefined : Buffer.concat(chunks) });
    const text = await up.text();
    seen.push({ method: req.method, key: req.headers['idempotency-key'], replayed: up.headers.get('idempotent-replayed') });
    if (req.method === 'POST' && seen.filter((s) => s.method === 'POST').length === 1) {
      req.socket.destroy();   // the answer is lost on the way back
      return;
    }
    res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' });
    res.end(text);
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  try {
    const name = label('cli');
    const env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: dir, ACLOUD_URL: `http://127.0.0.1:${proxy.address().port}`, ACLOUD_KEY: K.idem };
    delete env.ACLOUD_PROFILE;
    const r = await new Promise((resolve) => {
      const p = spawn(`${BUILD}/acloud`, ['run', file, '--device', 'sim-3', '--op-time', '0.001', '--sample-rate', '1000', '--name', name], { env });
      let out = '', err = '';
      p.stdout.on('data', (d) => { out += d; });
      p.stderr.on('data', (d) => { err += d; });
      p.on('close', (code) => resolve({ code, out, err }));
    });
    assert.equal(r.code, 0, r.err);
    const posts = seen.filter((s) => s.method === 'POST');
    assert.equal(posts.length, 2, JSON.stringify(seen));
    assert.ok(posts[0].key && posts[0].key === posts[1].key, 'the retry carries the same key');
    assert.equal(posts[1].replayed, 'true');
    assert.equal(countOf(`name = '${name}'`), 1);
    assert.equal(r.out.trim(), psql(`SELECT id FROM tasks WHERE name = '${name}'`));
  } finally {
    proxy.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- tags -------------------------------------------------------------------------

test('tags: search finds tasks carrying all the given tags; shown in details and summaries', async () => {
  const t = label('t');
  const made = await batch(K.tagger, [
    sim({ tags: [t, 'a'] }), sim({ tags: [t, 'a', 'b'] }), sim({ tags: [t, 'b'] }), sim({ tags: [] }), sim(),
  ]);
  assert.equal(made.status, 201);
  const ids = made.json.tasks.map((x) => x.id);
  const search = (tags, key = K.tagger) => api('POST', '/api/v1/tasks/search', { key, body: { tags } });
  const idsOf = (r) => r.json.items.map((x) => x.id).sort();
  assert.deepEqual(idsOf(await search([t])), ids.slice(0, 3).sort());
  assert.deepEqual(idsOf(await search([t, 'a'])), ids.slice(0, 2).sort());
  assert.deepEqual(idsOf(await search([t, 'a', 'b'])), [ids[1]]);
  assert.deepEqual(idsOf(await search([t, 'c'])), []);
  assert.equal((await search([t], K.alice)).json.total, 0, 'only the caller\'s tasks');
  const item = (await search([t, 'b'])).json.items.find((x) => x.id === ids[2]);
  assert.deepEqual(item.tags, [t, 'b']);
  const d = await api('GET', `/api/v1/tasks/${ids[3]}`, { key: K.tagger });
  assert.deepEqual(d.json.tags, []);
  const list = await api('GET', '/api/v1/tasks?limit=5', { key: K.tagger });
  assert.ok(list.json.every((x) => Array.isArray(x.tags)));
  const c = await api('POST', '/api/v1/tasks/compile', { key: K.tagger, body: { backend: 'LUCIDAC', source: "x' = -x\nx(0) = 1\n", tags: [t, 'compiled'] } });
  assert.equal(c.status, 201);
  assert.deepEqual((await api('GET', `/api/v1/tasks/${c.json.id}`, { key: K.tagger })).json.tags, [t, 'compiled']);
  // The filter is answered by the GIN index.
  const plan = psql(`SET enable_seqscan = off; EXPLAIN SELECT id FROM tasks t WHERE t.tags @> '{x}'::text[]`);
  assert.match(plan, /tasks_tags_idx/);
});

test('tags: bounds and 422s on runs, compiles, batches and search', async () => {
  const ok = await run(K.tagger, sim({ tags: Array.from({ length: 16 }, (_, i) => `${'k'.repeat(60)}:${i}`.slice(-64)) }));
  assert.equal(ok.status, 201, ok.text);
  const allChars = await run(K.tagger, sim({ tags: ['AZaz09_.:=-'] }));
  assert.equal(allChars.status, 201);
  const cases = [
    [{ tags: Array.from({ length: 17 }, (_, i) => `t${i}`) }, ['body', 'tags'], 'too_long'],
    [{ tags: [''] }, ['body', 'tags', 0], 'string_pattern_mismatch'],
    [{ tags: ['x'.repeat(65)] }, ['body', 'tags', 0], 'string_type'],
    [{ tags: ['ok', 'a b'] }, ['body', 'tags', 1], 'string_pattern_mismatch'],
    [{ tags: ['a,b'] }, ['body', 'tags', 0], 'string_pattern_mismatch'],
    [{ tags: ['\u00e9'] }, ['body', 'tags', 0], 'string_pattern_mismatch'],
    [{ tags: [7] }, ['body', 'tags', 0], 'string_type'],
    [{ tags: 'a' }, ['body', 'tags'], 'list_type'],
  ];
  for (const [extra, loc, type] of cases) {
    for (const [path, body, prefix] of [
      ['/api/v1/tasks/run', sim(extra), []],
      ['/api/v1/tasks/compile', { backend: 'LUCIDAC', source: 'x', ...extra }, []],
      ['/api/v1/tasks/batch', { runs: [sim(), sim(extra)] }, ['runs', 1]],
      ['/api/v1/tasks/search', extra, []],
    ]) {
      const r = await api('POST', path, { key: K.tagger, body });
      assert.equal(r.status, 422, `${path} ${JSON.stringify(extra)}`);
      assert.deepEqual(r.json.detail[0].loc, [loc[0], ...prefix, ...loc.slice(1)], path);
      assert.equal(r.json.detail[0].type, type, path);
    }
  }
});

// ---- the cap on active tasks --------------------------------------------------------

test('cap: the 6th active task of a key with max_active_tasks 5 is a 429; compiles count; finishing frees a place', async () => {
  const name = label('cap');
  const five = await batch(K.capped, Array.from({ length: 5 }, () => hold({ name })));
  assert.equal(five.status, 201, five.text);
  const sixth = await run(K.capped, sim({ name }));
  assert.equal(sixth.status, 429);
  assert.match(sixth.json.detail, /max_active_tasks is 5/);
  assert.ok(Number(sixth.headers.get('retry-after')) >= 1);
  const comp = await api('POST', '/api/v1/tasks/compile', { key: K.capped, body: { backend: 'LUCIDAC', source: "x' = -x\nx(0) = 1\n", name } });
  assert.equal(comp.status, 429, 'compile tasks count');
  assert.equal(countOf(`name = '${name}'`), 5);

  // Cancelling one frees one place, and so does a task that finishes.
  assert.equal((await api('POST', `/api/v1/tasks/${five.json.tasks[4].id}/cancel`, { key: K.capped })).status, 200);
  assert.equal((await run(K.capped, hold({ name }))).status, 201);
  assert.equal((await run(K.capped, sim({ name }))).status, 429);
  assert.equal((await api('POST', `/api/v1/tasks/${five.json.tasks[3].id}/cancel`, { key: K.capped })).status, 200);
  const finishing = await run(K.capped, sim({ name }));
  assert.equal(finishing.status, 201, finishing.text);
  await waitFor(async () => (await api('GET', `/api/v1/tasks/${finishing.json.id}`, { key: K.capped })).json.state === 'succeeded', { timeout: 30000 });
  const again = await run(K.capped, hold({ name }));
  assert.equal(again.status, 201, again.text);
  const two = await batch(K.capped, [hold({ name }), hold({ name })]);
  assert.equal(two.status, 429, 'a batch counts all its runs');
  assert.match(two.json.detail, /the batch asks for 2/);
  // A compile source longer than the compiler reads is refused, not stored.
  psql(`DELETE FROM tasks WHERE user_id = 'capped'`);
  const big = await api('POST', '/api/v1/tasks/compile', { key: K.capped, body: { backend: 'LUCIDAC', source: 'x'.repeat(65537), name } });
  assert.equal(big.status, 422);
  assert.deepEqual(big.json.detail[0].loc, ['body', 'source']);
  assert.equal(countOf(`user_id = 'capped'`), 0);
});

test('cap: concurrent creations never pass it (20 parallel single runs for a key with a cap of 5)', async () => {
  psql(`DELETE FROM tasks WHERE user_id = 'capped'`);
  const name = label('cap-race');
  const answers = await Promise.all(Array.from({ length: 20 }, () => run(K.capped, hold({ name }))));
  assert.equal(answers.filter((r) => r.status === 201).length, 5, answers.map((r) => r.status).join());
  assert.equal(answers.filter((r) => r.status === 429).length, 15);
  assert.equal(countOf(`name = '${name}'`), 5);
  psql(`DELETE FROM tasks WHERE user_id = 'capped'`);
});

