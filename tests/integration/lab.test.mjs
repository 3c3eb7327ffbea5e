// lab.test.mjs: running a shared lab (issue 16) through nginx and the API:
// reservations and their overlaps, sessions, maintenance, the Prometheus
// metrics and request ids.  Dispatch under reservations and maintenance
// across a scheduler restart are in tests/integration/scheduler/t_reserve.sh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { api, KEYS, ROOT, STATE, pidOf, childrenOf, psql, sleep, waitFor } from './lib/api.mjs';

const admin = KEYS.admin;
const SEARCHER = 'ac_test_searcher_2222222222'; // tasks.test.mjs's key of that user
const iso = (ms) => new Date(ms).toISOString();
const HOUR = 3600e3;

function reserve(device, user, start, end, key = admin) {
  return api('POST', '/api/v1/reservations', {
    key, body: { device_name: device, user_id: user, start: iso(start), end: iso(end) },
  });
}

test('20 concurrent overlapping reservations: exactly one wins, the others name it', async () => {
  const t0 = Date.now() + 48 * HOUR;
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    reserve('sim-4', i % 2 ? 'alice' : 'bob', t0 + i * 60e3, t0 + HOUR + i * 60e3)));
  const won = answers.filter((r) => r.status === 201);
  const lost = answers.filter((r) => r.status === 409);
  assert.equal(won.length, 1, 'one 201');
  assert.equal(lost.length, 19, 'nineteen 409');
  for (const r of lost) assert.ok(r.json.detail.includes(won[0].json.id), r.json.detail);
  const del = await api('DELETE', `/api/v1/reservations/${won[0].json.id}`, { key: admin });
  assert.equal(del.status, 204);
});

test('adjacent windows both succeed; the window is checked', async () => {
  const t0 = Date.now() + 72 * HOUR;
  const a = await reserve('sim-4', 'alice', t0, t0 + HOUR);
  const b = await reserve('sim-4', 'bob', t0 + HOUR, t0 + 2 * HOUR);
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  assert.equal(a.json.state, 'upcoming');
  assert.equal((await reserve('sim-4', 'bob', t0 + HOUR, t0)).status, 422, 'end before start');
  assert.equal((await reserve('sim-4', 'bob', t0, t0 + 8 * 24 * HOUR)).status, 422, 'over 7 days');
  assert.equal((await reserve('sim-4', 'nobody', t0 + 9 * HOUR, t0 + 10 * HOUR)).status, 422, 'unknown user');
  assert.equal((await reserve('nosuch', 'bob', t0, t0 + HOUR)).status, 404);
  assert.equal((await reserve('sim-4', 'bob', t0 + 5 * HOUR, t0 + 6 * HOUR, KEYS.alice)).status, 403, 'admins only');

  // alice sees her own, admins filter.
  const mine = await api('GET', '/api/v1/reservations?device_name=sim-4', { key: KEYS.alice });
  assert.equal(mine.status, 200);
  assert.ok(mine.json.every((r) => r.user_id === 'alice'));
  assert.ok(mine.json.some((r) => r.id === a.json.id));
  const bobs = await api('GET', `/api/v1/reservations?user_id=bob&from=${iso(t0)}&to=${iso(t0 + 3 * HOUR)}`, { key: admin });
  assert.deepEqual(bobs.json.map((r) => r.id), [b.json.id]);
  assert.equal(bobs.headers.get('x-total-count'), '1');
  assert.equal((await api('GET', '/api/v1/reservations?from=yesterday', { key: admin })).status, 422);
  assert.equal((await api('GET', `/api/v1/reservations/${b.json.id}`, { key: KEYS.alice })).status, 404, 'not hers');
  assert.equal((await api('GET', `/api/v1/reservations/${a.json.id}`, { key: KEYS.alice })).json.end, a.json.end);
  assert.equal((await api('DELETE', `/api/v1/reservations/${a.json.id}`, { key: KEYS.alice })).status, 204);
  assert.equal((await api('DELETE', `/api/v1/reservations/${a.json.id}`, { key: KEYS.alice })).status, 404);
  assert.equal((await api('DELETE', `/api/v1/reservations/${b.json.id}`, { key: admin })).status, 204);
});

test('sessions: within max_session_s and the whitelist; shown in GET /devices; ended by DELETE', async () => {
  const over = await api('POST', '/api/v1/devices/sim-4/session', { key: KEYS.alice, body: { duration_s: 61 } });
  assert.equal(over.status, 403, 'beyond max_session_s');
  assert.match(over.json.detail, /at most 60 s/);
  assert.equal((await api('POST', '/api/v1/devices/sim-4/session', { key: KEYS.bob, body: { duration_s: 5 } })).status, 403, 'no sessions by default');
  assert.equal((await api('POST', '/api/v1/devices/nosuch/session', { key: KEYS.alice, body: { duration_s: 5 } })).status, 404);
  assert.equal((await api('POST', '/api/v1/devices/sim-4/session', { key: KEYS.alice, body: {} })).status, 422);

  const s = await api('POST', '/api/v1/devices/sim-4/session', { key: KEYS.alice, body: { duration_s: 30 } });
  assert.equal(s.status, 201);
  assert.equal(s.json.kind, 'session');
  assert.equal(s.json.state, 'active');
  const clash = await reserve('sim-4', 'bob', Date.now(), Date.now() + HOUR);
  assert.equal(clash.status, 409);
  assert.ok(clash.json.detail.includes(s.json.id));

  const hers = (await api('GET', '/api/v1/devices/sim-4', { key: KEYS.alice })).json;
  assert.equal(hers.reserved_until, s.json.end);
  assert.equal(hers.reserved_by_caller, true);
  const list = (await api('GET', '/api/v1/devices', { key: admin })).json;
  const seen = list.find((d) => d.name === 'sim-4');
  assert.equal(seen.reserved_until, s.json.end);
  assert.equal(seen.reserved_by_caller, false);

  assert.equal((await api('DELETE', `/api/v1/reservations/${s.json.id}`, { key: KEYS.bob })).status, 404, 'not the holder');
  assert.equal((await api('DELETE', `/api/v1/reservations/${s.json.id}`, { key: KEYS.alice })).status, 204);
  const ended = (await api('GET', `/api/v1/reservations/${s.json.id}`, { key: KEYS.alice })).json;
  assert.equal(ended.state, 'ended');
  assert.equal((await api('GET', '/api/v1/devices/sim-4', { key: KEYS.alice })).json.reserved_until, null);
  assert.equal((await api('DELETE', `/api/v1/reservations/${s.json.id}`, { key: KEYS.alice })).status, 409);
});

test('queue_position counts the holder\'s tasks while their reservation runs', async () => {
  // down-1 is never reachable, so its queue stands still.
  const queued = (user, prio, ageS) => psql(`INSERT INTO tasks (id, user_id, type, device_name, device_class, queue,
    priority, created_at) VALUES (gen_random_uuid(), '${user}', 'run', 'down-1', 'REDAC', 'device:down-1', ${prio},
    now() - interval '${ageS} s') RETURNING id`);
  const mine = queued('alice', 2, 60);
  const theirs = queued('searcher', 1, 30);
  try {
    const position = async (id = mine, key = KEYS.alice) => (await api('GET', `/api/v1/tasks/${id}`, { key })).json.queue_position;
    assert.equal(await position(), 1);
    assert.equal(await position(theirs, SEARCHER), 2, 'the higher priority first');
    psql("SELECT outcome FROM acloud_create_reservation('down-1', 'searcher', now(), now() + interval '1 hour', NULL, 'reservation', 'admin', false)");
    assert.equal(await position(), 2, 'the holder\'s task goes first');
    assert.equal(await position(theirs, SEARCHER), 1, 'the holder waits only for its own tasks');
  } finally {
    psql("DELETE FROM reservations WHERE device_name = 'down-1'; DELETE FROM tasks WHERE device_name = 'down-1'");
  }
});

test('maintenance: 503 for new runs, shown with its reason, admin only, and off again', async () => {
  const lorenz = JSON.parse(readFileSync(`${ROOT}/tests/data/lorenz_config.json`, 'utf8'));
  const run = { device_name: 'sim-2', circuit: { ...lorenz, adc_channels: [0] }, op_time: 0.001, sample_rate: 1000 };
  assert.equal((await api('PUT', '/api/v1/devices/sim-2/maintenance', { key: KEYS.alice, body: { enabled: true } })).status, 403);
  assert.equal((await api('PUT', '/api/v1/devices/nosuch/maintenance', { key: admin, body: { enabled: true } })).status, 404);
  assert.equal((await api('PUT', '/api/v1/devices/sim-2/maintenance', { key: admin, body: { enabled: 'yes' } })).status, 422);
  const on = await api('PUT', '/api/v1/devices/sim-2/maintenance', { key: admin, body: { enabled: true, reason: 'recalibrating' } });
  assert.equal(on.status, 200);
  assert.equal(on.json.maintenance_reason, 'recalibrating');
  try {
    const dev = (await api('GET', '/api/v1/devices', { key: KEYS.alice })).json.find((d) => d.name === 'sim-2');
    assert.equal(dev.available, false);
    assert.equal(dev.maintenance, true);
    assert.equal(dev.maintenance_reason, 'recalibrating');
    const refused = await api('POST', '/api/v1/tasks/run', { key: KEYS.alice, body: run });
    assert.equal(refused.status, 503);
  } finally {
    const off = await api('PUT', '/api/v1/devices/sim-2/maintenance', { key: admin, body: { enabled: false } });
    assert.equal(off.status, 200);
  }
  const dev = (await api('GET', '/api/v1/devices/sim-2', { key: KEYS.alice })).json;
  assert.equal(dev.available, true);
  assert.equal(dev.maintenance_reason, null);
});

// The text exposition, as samples: name{labels} -> value.
function samples(text) {
  const out = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

async function scrape() {
  const r = await api('GET', '/metrics', { key: admin });
  assert.equal(r.status, 200);
  assert.match(r.ctype, /^text\/plain/);
  return r.text;
}

const DEVICES_OK = 'acloud_http_requests_total{method="GET",route="/api/v1/devices",code="2xx"}';

test('metrics: admin only, counters grow with traffic, buckets cumulative, promtool clean', async () => {
  assert.equal((await api('GET', '/metrics', { key: KEYS.alice })).status, 403);
  const before = samples(await scrape());
  for (let i = 0; i < 7; i++) await api('GET', '/api/v1/devices', { key: KEYS.alice });
  const task = await api('POST', '/api/v1/tasks/compile', { key: KEYS.alice, body: { backend: 'LUCIDAC', source: "x' = -x" } });
  assert.equal(task.status, 201);
  await waitFor(async () => (await api('GET', `/api/v1/tasks/${task.json.id}`, { key: KEYS.alice })).json.state === 'succeeded');
  const text = await scrape();
  const after = samples(text);
  assert.ok(after.get(DEVICES_OK) >= (before.get(DEVICES_OK) ?? 0) + 7, 'requests counted');
  const done = 'acloud_tasks_finished_total{type="compile",device_class="LUCIDAC",outcome="succeeded"}';
  assert.ok(after.get(done) >= (before.get(done) ?? 0) + 1, 'finished task counted');
  assert.ok(after.has('acloud_device_queue_length{device="sim-1"}'));
  assert.ok(after.has('acloud_device_maintenance{device="sim-2"}'));

  // Every histogram series: buckets never decrease and +Inf equals _count.
  const series = new Map();
  for (const [k, v] of after) {
    const m = k.match(/^(\w+)_bucket\{(.*),le="([^"]+)"\}$/);
    if (m) (series.get(`${m[1]}{${m[2]}}`) ?? series.set(`${m[1]}{${m[2]}}`, []).get(`${m[1]}{${m[2]}}`)).push([m[3], v]);
  }
  assert.ok(series.size > 0);
  for (const [name, buckets] of series) {
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i][1] >= buckets[i - 1][1], `${name} cumulative`);
    assert.equal(buckets.at(-1)[0], '+Inf');
    assert.equal(buckets.at(-1)[1], after.get(name.replace(/^(\w+)\{/, '$1_count{')), `${name} +Inf = count`);
  }
  execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
});

test('metrics: a worker killed with SIGKILL takes no count with it', async () => {
  for (let i = 0; i < 5; i++) await api('GET', '/api/v1/devices', { key: KEYS.alice });
  const before = samples(await scrape());
  const master = pidOf('acloud-api');
  const victims = childrenOf(master);
  assert.ok(victims.length > 0);
  process.kill(victims[0], 'SIGKILL');
  await waitFor(() => childrenOf(master).length >= victims.length && !childrenOf(master).includes(victims[0]));
  await sleep(200);
  const after = samples(await scrape());
  for (const [k, v] of before) {
    if (k.startsWith('acloud_http_') || k.startsWith('acloud_tasks_finished_total')) {
      assert.ok((after.get(k) ?? -1) >= v, `${k} did not go back (${v} -> ${after.get(k)})`);
    }
  }
});

test('request ids: on every answer, unique, in both access logs; on nginx errors too', async () => {
  const answers = [
    await api('GET', '/api/v1/users/me', { key: KEYS.alice }),
    await api('GET', '/api/v1/users/me', { key: KEYS.alice }),
    await api('GET', '/api/v1/nosuch', { key: KEYS.alice }),
    await api('GET', '/nothing-here', { unchecked: true }),
    await api('POST', '/openapi.json', { unchecked: true }),
    await api('GET', '/health'),
  ];
  const big = await api('POST', '/api/v1/tasks/run', {
    key: KEYS.alice, rawBody: Buffer.alloc(41 * 1024 * 1024, 32), headers: { 'content-type': 'application/json' }, unchecked: true,
  });
  assert.equal(big.status, 413);
  answers.push(big);
  assert.deepEqual(answers.map((r) => r.status), [200, 200, 404, 404, 405, 200, 413]);
  const ids = answers.map((r) => r.headers.get('x-request-id'));
  for (const id of ids) assert.match(id ?? '', /^[0-9a-f]{32}$/);
  assert.equal(new Set(ids).size, ids.length, 'unique');

  const apiLog = () => readFileSync(`${STATE}/logs/acloud-api.log`, 'utf8');
  const nginxLog = () => readFileSync(`${STATE}/logs/nginx-access.log`, 'utf8');
  await waitFor(() => nginxLog().includes(`rid=${ids[6]}`), { timeout: 5000 });
  assert.match(apiLog(), new RegExp(`access GET /api/v1/users/me 200 \\d+us alice ${ids[0]}`));
  for (const id of ids) assert.ok(nginxLog().includes(`rid=${id}`), `${id} in nginx's access log`);
});
