// tasks.test.mjs: the /api/v1/tasks group through nginx against the real
// database and scheduler: creation and its check order, rate limits under
// concurrency, reads, result download, cancel (and its race with a claim),
// delete, search, and isolation between users.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, chmodSync, unlinkSync } from 'node:fs';
import { api, KEYS, ROOT, OUT, psql, psqlAsync, sleep, waitFor } from './lib/api.mjs';

const K = {
  ...KEYS,
  limited: 'ac_test_limited_11111111111',
  searcher: 'ac_test_searcher_2222222222',
  reader: 'ac_test_reader_333333333333',
  racer: 'ac_test_racer_44444444444444',
  slider: 'ac_test_slider_555555555555',
};
const lorenz = JSON.parse(readFileSync(`${ROOT}/tests/data/lorenz_config.json`, 'utf8'));
const circuit = { ...lorenz, adc_channels: [0, 1, 2] };
const harmonicApb = readFileSync(`${ROOT}/tests/data/harmonic_pb.apb`).toString('base64');

const run = (key, body) => api('POST', '/api/v1/tasks/run', { key, body });
const compile = (key, body) => api('POST', '/api/v1/tasks/compile', { key, body });
const holdRun = (key, extra = {}) => run(key, { device_name: 'hold-1', circuit, op_time: 0.001, sample_rate: 1000, ...extra });

// hold-1 runs its first task forever: every later task on it stays queued.
before(async () => {
  const blocker = await holdRun(K.admin, { name: 'blocker' });
  assert.equal(blocker.status, 201, blocker.text);
  if (process.env.ACLOUD_TEST_NO_SCHEDULER) {   // debugging the API alone
    psql(`UPDATE tasks SET state = 'inprogress', started_at = now(), heartbeat_at = now() + interval '1 day' WHERE id = '${blocker.json.id}'`);
  }
  await waitFor(async () => (await api('GET', `/api/v1/tasks/${blocker.json.id}`, { key: K.admin })).json.state === 'inprogress',
    { timeout: 10000 });
});

test('run creation: 201 TaskCreatedResponse, queued, priority copied from the key', async () => {
  const r = await holdRun(K.reader, { name: 'first' });
  assert.equal(r.status, 201);
  assert.equal(r.json.type, 'run');
  assert.equal(r.json.state, 'queued');
  assert.match(r.json.id, /^[0-9a-f-]{36}$/);
  assert.match(r.json.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  const d = await api('GET', `/api/v1/tasks/${r.json.id}`, { key: K.reader });
  assert.equal(d.status, 200);
  assert.equal(d.json.priority, 7);
  assert.equal(d.json.device_name, 'hold-1');
  assert.equal(d.json.device_class, 'LUCIDAC');
  assert.equal(d.json.name, 'first');
  assert.equal(d.json.op_time, 0.001);
  assert.equal(d.json.sample_rate, 1000);
  assert.ok(d.json.queue_position >= 1);
  const r2 = await holdRun(K.reader);
  const d2 = await api('GET', `/api/v1/tasks/${r2.json.id}`, { key: K.reader });
  assert.equal(d2.json.queue_position, d.json.queue_position + 1);
  const input = psql(`SELECT convert_from(data, 'UTF8') FROM task_blobs WHERE task_id = '${r.json.id}' AND kind = 'input'`);
  assert.deepEqual(JSON.parse(input).circuit, circuit);
  assert.equal(psql(`SELECT count(*) FROM task_history WHERE task_id = '${r.json.id}'`), '1');
});

test('run creation accepts an APB circuit in base64', async () => {
  const r = await run(K.reader, { device_name: 'hold-1', circuit_apb: harmonicApb });
  assert.equal(r.status, 201, r.text);
});

test('run body validation: 422 in the FastAPI shape', async () => {
  const cases = [
    [{ device_name: 'hold-1' }, ['body'], 'value_error'],
    [{ device_name: 'hold-1', circuit, circuit_apb: harmonicApb }, ['body'], 'value_error'],
    [{ circuit }, ['body', 'device_name'], 'missing'],
    [{ device_name: 'hold-1', circuit, bogus: 1 }, ['body', 'bogus'], 'extra_forbidden'],
    [{ device_name: 'hold-1', circuit, op_time: 0 }, ['body', 'op_time'], 'greater_than'],
    [{ device_name: 'hold-1', circuit, op_time: 10.5 }, ['body', 'op_time'], 'less_than_equal'],
    [{ device_name: 'hold-1', circuit, op_time: 'x' }, ['body', 'op_time'], 'float_type'],
    [{ device_name: 'hold-1', circuit, sample_rate: 1000001 }, ['body', 'sample_rate'], 'less_than_equal'],
    [{ device_name: 'hold-1', circuit, sample_rate: 1.5 }, ['body', 'sample_rate'], 'int_type'],
    [{ device_name: 'hold-1', circuit, op_time: 10, sample_rate: 1000000 }, ['body', 'op_time'], 'value_error'],
    [{ device_name: 'hold-1', circuit_apb: '!!notbase64' }, ['body', 'circuit_apb'], 'value_error'],
    [{ device_name: 'hold-1', circuit_apb: Buffer.from('not an apb').toString('base64') }, ['body', 'circuit_apb'], 'value_error'],
    [{ device_name: 'hold-1', compile_task_id: 'nope' }, ['body', 'compile_task_id'], 'uuid_parsing'],
    [{ device_name: 'hold-1', compile_task_id: '00000000-0000-4000-8000-000000000000' }, ['body', 'compile_task_id'], 'value_error'],
    [{ device_name: 7, circuit }, ['body', 'device_name'], 'string_type'],
  ];
  for (const [body, loc, type] of cases) {
    const r = await run(K.reader, body);
    assert.equal(r.status, 422, JSON.stringify(body).slice(0, 120));
    assert.ok(Array.isArray(r.json.detail));
    assert.ok(r.json.detail.some((e) => JSON.stringify(e.loc) === JSON.stringify(loc) && e.type === type),
      `${JSON.stringify(r.json.detail)} has ${loc} ${type}`);
  }
});

test('a run from a compile task: the compiled APB is checked and carried into the run', async () => {
  const c = await compile(K.reader, { backend: 'LUCIDAC', source: "x' = -y\ny' = x\nx(0) = 0.5\n" });
  assert.equal(c.status, 201);
  const early = await run(K.reader, { device_name: 'sim-2', compile_task_id: c.json.id });
  if (early.status === 422) assert.deepEqual(early.json.detail[0].loc, ['body', 'compile_task_id']);
  await waitFor(async () => (await api('GET', `/api/v1/tasks/${c.json.id}`, { key: K.reader })).json.state === 'succeeded', { timeout: 20000 });
  const tooMany = await run(K.reader, { device_name: 'sim-2', compile_task_id: c.json.id, op_time: 10, sample_rate: 1000000 });
  assert.equal(tooMany.status, 422);
  assert.match(tooMany.json.detail[0].msg, /exceed/);
  const other = await run(K.bob, { device_name: 'sim-2', compile_task_id: c.json.id });
  assert.equal(other.status, 422, 'another user\'s compile task is not usable');
  const ok = await run(K.reader, { device_name: 'hold-1', compile_task_id: c.json.id, op_time: 0.01, sample_rate: 1000 });
  assert.equal(ok.status, 201, ok.text);
  const input = JSON.parse(psql(`SELECT convert_from(data, 'UTF8') FROM task_blobs WHERE task_id = '${ok.json.id}' AND kind = 'input'`));
  const apb = psql(`SELECT encode(data, 'hex') FROM task_blobs WHERE task_id = '${c.json.id}' AND kind = 'result'`);
  assert.equal(Buffer.from(input.circuit_apb, 'base64').toString('hex'), apb);
  assert.deepEqual([input.op_time, input.sample_rate], [0.01, 1000]);
  // Half a sample rounds to even: no samples, a 422 now rather than an empty run later.
  const none = await run(K.reader, { device_name: 'hold-1', compile_task_id: c.json.id, op_time: 0.00005, sample_rate: 10000 });
  assert.equal(none.status, 422);
});

test('a malformed circuit is a 422 that points at the bad value', async () => {
  const bad = structuredClone(circuit);
  bad['/0']['/C'].elements[5] = 3;
  let r = await run(K.reader, { device_name: 'hold-1', circuit: bad });
  assert.equal(r.status, 422);
  assert.deepEqual(r.json.detail[0].loc, ['body', 'circuit', '/0', '/C', 'elements', 5]);
  const extra = structuredClone(circuit);
  extra['/0']['/X'] = {};
  r = await run(K.reader, { device_name: 'hold-1', circuit: extra });
  assert.equal(r.status, 422);
  assert.deepEqual(r.json.detail[0].loc.slice(0, 3), ['body', 'circuit', '/0']);
  const long = structuredClone(circuit);
  long['/0']['/U'].outputs = Array(33).fill(null);
  r = await run(K.reader, { device_name: 'hold-1', circuit: long });
  assert.equal(r.status, 422);
  assert.deepEqual(r.json.detail[0].loc.slice(0, 5), ['body', 'circuit', '/0', '/U', 'outputs']);
});

test('malformed bodies are 422 (or 413), never 500', async () => {
  const raw = [
    '{', 'null', '[]', '"x"', '12', '{"device_name": "hold-1",}', '\u0000', 'x'.repeat(1000),
    '['.repeat(100000), '{"a":'.repeat(5000), '{"device_name":"\udc00"}',
    Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
  ];
  for (const body of raw) {
    const r = await api('POST', '/api/v1/tasks/run', { key: K.reader, rawBody: body, headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 422, `body ${String(body).slice(0, 40)} gave ${r.status} ${r.text.slice(0, 200)}`);
  }
  const empty = await api('POST', '/api/v1/tasks/run', { key: K.reader, rawBody: '' });
  assert.equal(empty.status, 422);
  const big = await api('POST', '/api/v1/tasks/run', { key: K.reader, rawBody: 'x'.repeat(33 * 1024 * 1024) });
  assert.equal(big.status, 413);
  assert.equal(big.json.detail, 'Request body too large');
  const huge = await api('POST', '/api/v1/tasks/run', { key: K.reader, rawBody: 'x'.repeat(41 * 1024 * 1024), unchecked: true });
  assert.equal(huge.status, 413);
  assert.equal(huge.json.detail, 'Request body too large');
});

test('check order: 403 auth, 404 device, 403 access, 503 unavailable', async () => {
  assert.equal((await run(undefined, { device_name: 'nope' })).status, 403);
  assert.equal((await run('wrong-key', { device_name: 'hold-1', circuit })).status, 403);
  const unknown = await run(K.bob, { device_name: 'nope', circuit });
  assert.equal(unknown.status, 404);
  assert.match(unknown.json.detail, /nope/);
  const denied = await run(K.bob, { device_name: 'hold-1', circuit });
  assert.equal(denied.status, 403);
  assert.match(denied.json.detail, /denied/);
  const down = await run(K.reader, { device_name: 'down-1', circuit });
  assert.equal(down.status, 503);
  assert.match(down.json.detail, /not available/);
  // Body errors come before device errors.
  assert.equal((await run(K.bob, { device_name: 'nope' })).status, 422);
});

test('compile creation: 201, 400 for SIMULATOR, 422 for bad bodies', async () => {
  const ok = await compile(K.reader, { backend: 'LUCIDAC', source: "x' = -x\nx(0) = 1\n", name: 'decay' });
  assert.equal(ok.status, 201);
  assert.equal(ok.json.type, 'compile');
  const d = await api('GET', `/api/v1/tasks/${ok.json.id}`, { key: K.reader });
  assert.equal(d.json.device_name, null);
  assert.equal(d.json.device_class, 'LUCIDAC');
  const sim = await compile(K.reader, { backend: 'SIMULATOR', source: 'x' });
  assert.equal(sim.status, 400);
  for (const [body, loc, type] of [
    [{ source: 'x' }, ['body', 'backend'], 'missing'],
    [{ backend: 'ANALOG', source: 'x' }, ['body', 'backend'], 'enum'],
    [{ backend: 'LUCIDAC' }, ['body', 'source'], 'missing'],
    [{ backend: 'LUCIDAC', source: 'x', extra: true }, ['body', 'extra'], 'extra_forbidden'],
    [{ backend: 'LUCIDAC', source: 'x'.repeat(64 * 1024 + 1) }, ['body', 'source'], 'string_too_long'],
  ]) {
    const r = await compile(K.reader, body);
    assert.equal(r.status, 422);
    assert.ok(r.json.detail.some((e) => JSON.stringify(e.loc) === JSON.stringify(loc) && e.type === type), r.text.slice(0, 300));
  }
});

test('rate limit is exact under concurrency: 10 x 201 and 40 x 429, no quota back on delete', async () => {
  const results = await Promise.all(Array.from({ length: 50 }, () => holdRun(K.limited)));
  const created = results.filter((r) => r.status === 201);
  const limited = results.filter((r) => r.status === 429);
  assert.equal(created.length, 10);
  assert.equal(limited.length, 40);
  for (const r of limited) {
    const retry = Number(r.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 3600, `Retry-After ${retry}`);
    assert.equal(r.json.detail, 'Rate limit exceeded for LUCIDAC: 10 run tasks per hour');
  }
  const me = await api('GET', '/api/v1/users/me', { key: K.limited });
  const luc = me.json.rate_limits.find((l) => l.device_class === 'LUCIDAC');
  assert.deepEqual([luc.hourly_limit, luc.hourly_used, luc.hourly_remaining, luc.daily_limit, luc.daily_used, luc.daily_remaining],
    [10, 10, 0, 12, 10, 2]);
  for (const r of created) assert.equal((await api('DELETE', `/api/v1/tasks/${r.json.id}`, { key: K.limited })).status, 204);
  const again = await holdRun(K.limited);
  assert.equal(again.status, 429);
  const me2 = await api('GET', '/api/v1/users/me', { key: K.limited });
  assert.equal(me2.json.rate_limits.find((l) => l.device_class === 'LUCIDAC').hourly_used, 10);
});

test('the hourly window slides: tasks older than an hour stop counting, exactly when they leave it', async () => {
  // Three creations made (as far as the ledger knows) almost an hour ago.
  psql(`INSERT INTO usage_ledger (user_id, device_class, task_id, at)
        SELECT 'slider', 'LUCIDAC', gen_random_uuid(), now() - interval '3596 seconds' FROM generate_series(1, 3)`);
  const full = await holdRun(K.slider);
  assert.equal(full.status, 429);
  assert.ok(Number(full.headers.get('retry-after')) <= 5);
  await sleep(5000);
  for (let i = 0; i < 3; i++) assert.equal((await holdRun(K.slider)).status, 201, `creation ${i} after the window slid`);
  const again = await holdRun(K.slider);
  assert.equal(again.status, 429);
  assert.ok(Number(again.headers.get('retry-after')) > 3500);
  const me = await api('GET', '/api/v1/users/me', { key: K.slider });
  const luc = me.json.rate_limits.find((l) => l.device_class === 'LUCIDAC');
  assert.deepEqual([luc.hourly_used, luc.hourly_remaining, luc.daily_used], [3, 0, 6]);
});

test('list: newest first, limit/offset, X-Total-Count, 422 on bad query', async () => {
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push((await holdRun(K.searcher, { name: `list-${i}` })).json.id);
  const all = await api('GET', '/api/v1/tasks', { key: K.searcher });
  assert.equal(all.status, 200);
  const total = Number(all.headers.get('x-total-count'));
  assert.equal(total, all.json.length);
  assert.deepEqual(all.json.slice(0, 5).map((t) => t.id), ids.slice().reverse());
  const page = await api('GET', '/api/v1/tasks?limit=2&offset=1', { key: K.searcher });
  assert.deepEqual(page.json.map((t) => t.id), [ids[3], ids[2]]);
  assert.equal(page.headers.get('x-total-count'), String(total));
  const past = await api('GET', '/api/v1/tasks?offset=1000', { key: K.searcher });
  assert.deepEqual(past.json, []);
  assert.equal(past.headers.get('x-total-count'), String(total));
  for (const q of ['limit=0', 'limit=1001', 'limit=x', 'offset=-1', 'limit=%zz']) {
    const r = await api('GET', `/api/v1/tasks?${q}`, { key: K.searcher });
    assert.equal(r.status, 422, q);
    assert.equal(r.json.detail[0].loc[0], 'query');
  }
});

test('status, log and result of a task; 20 MB result downloads byte-exact', async () => {
  const t = (await holdRun(K.reader)).json.id;
  let s = await api('GET', `/api/v1/tasks/${t}/status`, { key: K.reader });
  assert.equal(s.status, 200);
  assert.equal(s.json.state, 'queued');
  assert.equal(s.json.history.length, 1);
  assert.equal(s.json.history[0].state, 'queued');
  let res = await api('GET', `/api/v1/tasks/${t}/result`, { key: K.reader });
  assert.equal(res.status, 404);
  assert.match(res.json.detail, /queued/);
  psql(`INSERT INTO task_log (task_id, line) VALUES ('${t}', 'first line'), ('${t}', 'second: ünïcode')`);
  const log = await api('GET', `/api/v1/tasks/${t}/log`, { key: K.reader });
  assert.equal(log.status, 200);
  assert.equal(log.ctype, 'text/plain; charset=utf-8');
  assert.equal(log.text, 'first line\nsecond: ünïcode\n');

  const file = `/tmp/acloud-result-${process.pid}.bin`;
  const bytes = randomBytes(20 * 1024 * 1024 + 123);
  writeFileSync(file, bytes);
  chmodSync(file, 0o644);
  try {
    psql(`BEGIN; INSERT INTO task_blobs (task_id, kind, content_type, data) VALUES ('${t}', 'result', 'application/octet-stream', pg_read_binary_file('${file}'));
          UPDATE tasks SET state = 'succeeded', result_content_type = 'application/octet-stream', result_size = ${bytes.length} WHERE id = '${t}';
          INSERT INTO task_history (task_id, state) VALUES ('${t}', 'succeeded'); COMMIT;`);
  } finally { unlinkSync(file); }
  res = await api('GET', `/api/v1/tasks/${t}/result`, { key: K.reader });
  assert.equal(res.status, 200);
  assert.equal(res.ctype, 'application/octet-stream');
  assert.equal(res.buf.length, bytes.length);
  assert.equal(createHash('sha256').update(res.buf).digest('hex'), createHash('sha256').update(bytes).digest('hex'));
  s = await api('GET', `/api/v1/tasks/${t}/status`, { key: K.reader });
  assert.deepEqual(s.json.history.map((h) => h.state), ['queued', 'succeeded']);
  const d = await api('GET', `/api/v1/tasks/${t}`, { key: K.reader });
  assert.equal(d.json.result_size, bytes.length);
  assert.equal(d.json.queue_position, null);
});

test('malformed ids are 422; other users see 404 everywhere; admins see all', async () => {
  for (const [m, p] of [['GET', ''], ['GET', '/status'], ['GET', '/log'], ['GET', '/result'], ['POST', '/cancel'], ['DELETE', '']]) {
    const bad = await api(m, `/api/v1/tasks/not-a-uuid${p}`, { key: K.reader });
    assert.equal(bad.status, 422, `${m} ${p}`);
    assert.deepEqual(bad.json.detail[0].loc, ['path', 'task_id']);
  }
  const t = (await holdRun(K.reader)).json.id;
  for (const [m, p] of [['GET', ''], ['GET', '/status'], ['GET', '/log'], ['GET', '/result'], ['POST', '/cancel'], ['DELETE', '']]) {
    const other = await api(m, `/api/v1/tasks/${t}${p}`, { key: K.bob });
    assert.equal(other.status, 404, `${m} ${p}`);
    assert.equal(other.json.detail, 'Task not found');
  }
  assert.equal((await api('GET', `/api/v1/tasks/${t}`, { key: K.admin })).status, 200);
  const bobSearch = await api('POST', '/api/v1/tasks/search', { key: K.bob, body: { user_id: ['reader'] } });
  assert.ok(bobSearch.json.items.every((i) => i.user_id === 'bob'));
  assert.equal((await api('POST', `/api/v1/tasks/${t}/cancel`, { key: K.admin })).status, 200);
});

test('cancel: queued → cancelled once, then 409', async () => {
  const t = (await holdRun(K.reader)).json.id;
  const c = await api('POST', `/api/v1/tasks/${t}/cancel`, { key: K.reader });
  assert.equal(c.status, 200);
  assert.deepEqual(c.json, { id: t, state: 'cancelled' });
  const again = await api('POST', `/api/v1/tasks/${t}/cancel`, { key: K.reader });
  assert.equal(again.status, 409);
  assert.match(again.json.detail, /cancelled/);
  const s = await api('GET', `/api/v1/tasks/${t}/status`, { key: K.reader });
  assert.deepEqual(s.json.history.map((h) => h.state), ['queued', 'cancelled']);
});

test('cancel racing a claim: exactly one of them wins, every time', async () => {
  const ids = [];
  for (let i = 0; i < 30; i++) ids.push((await holdRun(K.racer)).json.id);
  const claim = (id) => psqlAsync(
    `WITH c AS (UPDATE tasks SET state = 'inprogress', started_at = now(), heartbeat_at = now(), claimed_by = 'race-test'
       WHERE id = (SELECT id FROM tasks WHERE id = '${id}' AND state = 'queued' FOR UPDATE SKIP LOCKED) RETURNING id)
     SELECT count(*) FROM c`);
  let cancelled = 0, claimed = 0;
  await Promise.all(ids.map(async (id) => {
    const [c, n] = await Promise.all([api('POST', `/api/v1/tasks/${id}/cancel`, { key: K.racer }), claim(id)]);
    const state = await psqlAsync(`SELECT state FROM tasks WHERE id = '${id}'`);
    if (c.status === 200) { cancelled++; assert.equal(n, '0'); assert.equal(state, 'cancelled'); }
    else { claimed++; assert.equal(c.status, 409); assert.equal(n, '1'); assert.equal(state, 'inprogress'); }
  }));
  assert.equal(cancelled + claimed, ids.length);
  psql(`DELETE FROM tasks WHERE claimed_by = 'race-test'`);
});

test('delete: queued and terminal at once, inprogress 409 within the grace, past it 204', async () => {
  const q = (await holdRun(K.reader)).json.id;
  psql(`INSERT INTO task_log (task_id, line) VALUES ('${q}', 'x')`);
  const del = await api('DELETE', `/api/v1/tasks/${q}`, { key: K.reader });
  assert.equal(del.status, 204);
  assert.equal(del.buf.length, 0);
  assert.equal(psql(`SELECT (SELECT count(*) FROM tasks WHERE id = '${q}') + (SELECT count(*) FROM task_history WHERE task_id = '${q}')
    + (SELECT count(*) FROM task_blobs WHERE task_id = '${q}') + (SELECT count(*) FROM task_log WHERE task_id = '${q}')`), '0');
  assert.equal((await api('GET', `/api/v1/tasks/${q}`, { key: K.reader })).status, 404);
  assert.equal((await api('DELETE', `/api/v1/tasks/${q}`, { key: K.reader })).status, 404);

  const p = (await holdRun(K.reader)).json.id;
  psql(`UPDATE tasks SET state = 'inprogress', started_at = now(), heartbeat_at = now() + interval '1 hour', claimed_by = 'delete-test' WHERE id = '${p}'`);
  const busy = await api('DELETE', `/api/v1/tasks/${p}`, { key: K.reader });
  assert.equal(busy.status, 409);
  assert.ok(Number(busy.headers.get('retry-after')) > 100);
  psql(`UPDATE tasks SET started_at = now() - interval '121 seconds' WHERE id = '${p}'`);
  assert.equal((await api('DELETE', `/api/v1/tasks/${p}`, { key: K.reader })).status, 204);

  const done = (await holdRun(K.reader)).json.id;
  psql(`UPDATE tasks SET state = 'failed', finished_at = now() WHERE id = '${done}'`);
  assert.equal((await api('DELETE', `/api/v1/tasks/${done}`, { key: K.reader })).status, 204);
});

test('search: filters combine, empty lists match nothing, exact totals, pagination, scoping', async () => {
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push((await holdRun(K.searcher, { name: `s-run-${i}` })).json.id);
  const compiles = [];
  for (const backend of ['LUCIDAC', 'LUCIDAC', 'REDAC']) compiles.push((await compile(K.searcher, { backend, source: "x' = -x\n" })).json.id);
  await api('POST', `/api/v1/tasks/${runs[0]}/cancel`, { key: K.searcher });
  const search = (body, key = K.searcher) => api('POST', '/api/v1/tasks/search', { key, body });
  const all = await search({});
  assert.equal(all.status, 200);
  const mine = all.json.total;
  assert.ok(mine >= 6);
  assert.ok(all.json.items.every((i) => i.user_id === 'searcher'));
  assert.deepEqual(all.json.items.slice(0, 6).map((i) => i.id), [...compiles].reverse().concat([...runs].reverse()));
  assert.equal((await search({ type: ['compile'] })).json.total, 3);
  assert.equal((await search({ type: ['compile'], device_class: ['REDAC'] })).json.total, 1);
  assert.equal((await search({ device_class: ['REDAC', 'SIMULATOR'] })).json.total, 1);
  assert.equal((await search({ type: ['run'], state: ['cancelled'] })).json.total, 1);
  assert.equal((await search({ state: [] })).json.total, 0);
  assert.equal((await search({ device_name: [] })).json.total, 0);
  assert.equal((await search({ device_name: ['hold-1'], type: ['run'] })).json.total, mine - 3);
  const p1 = await search({ limit: 2 });
  assert.equal(p1.json.items.length, 2);
  assert.equal(p1.json.next_offset, 2);
  assert.equal(p1.json.limit, 2);
  const last = await search({ limit: 2, offset: mine - 2 });
  assert.equal(last.json.items.length, 2);
  assert.equal(last.json.next_offset, null);
  const past = await search({ offset: mine + 10 });
  assert.deepEqual([past.json.items.length, past.json.total, past.json.next_offset], [0, mine, null]);
  const future = new Date(Date.now() + 3600e3).toISOString();
  assert.equal((await search({ from: future })).json.total, 0);
  const hourAgo = new Date(Date.now() - 3600e3).toISOString();
  assert.equal((await search({ from: hourAgo, to: new Date(Date.now() + 60e3).toISOString() })).json.total, mine);
  for (const body of [
    { from: '2020-01-01T00:00:00Z', to: '2020-06-01T00:00:00Z' },
    { bogus: 1 }, { limit: 0 }, { limit: 1001 }, { offset: -1 }, { state: ['done'] }, { type: 'run' },
    { from: 'yesterday' }, { from: '2026-13-01T00:00:00Z' },
  ]) {
    const r = await search(body);
    assert.equal(r.status, 422, JSON.stringify(body));
  }
  // Ordinary keys are scoped to their own tasks whatever user_id says.
  const scoped = await search({ user_id: ['alice', 'reader'] });
  assert.equal(scoped.json.total, mine);
  // Admin keys may filter by id or by raw key.
  assert.equal((await search({ user_id: ['searcher'] }, K.admin)).json.total, mine);
  assert.equal((await search({ user_id: [K.searcher] }, K.admin)).json.total, mine);
  assert.equal((await search({ user_id: [] }, K.admin)).json.total, 0);
  assert.equal((await search({ user_id: Array(101).fill('x') }, K.admin)).status, 422);
  assert.equal((await search({ user_id: ['x'.repeat(257)] }, K.admin)).status, 422);
  const everyone = await search({ limit: 1000 }, K.admin);
  assert.ok(new Set(everyone.json.items.map((i) => i.user_id)).size > 2);
});

// 005: planner traps on every read and creation.  A time formatter that the
// planner cannot inline is parsed and planned again inside each query, and
// a creation whose statements fall back to custom plans is planned again
// on every call.
test('iso_utc is inlined and the creation function keeps generic plans', () => {
  const plan = psql(`EXPLAIN (VERBOSE, COSTS OFF) SELECT iso_utc(h.at) FROM task_history h`);
  assert.match(plan, /to_char\(/);
  assert.doesNotMatch(plan, /iso_utc\(/);
  assert.equal(psql(`SELECT iso_utc('2026-11-23 17:04:05.123456+01')`), '2026-11-23T16:04:05.123456Z');
  const config = psql(`SELECT array_to_string(proconfig, ',') FROM pg_proc WHERE proname = 'acloud_create_task'`);
  assert.match(config, /plan_cache_mode=force_generic_plan/);
});
