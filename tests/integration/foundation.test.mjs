// foundation.test.mjs: the endpoints of the foundation through nginx
// against the real database: health, system, users/me, devices, entity,
// authentication errors, routing errors, config reload, worker restart and
// database restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { api, BASE, HTTP_BASE, KEYS, ROOT, STATE, AUTH_FILE, WORKERS, pgCtl, pidOf, childrenOf, sleep, waitFor } from './lib/api.mjs';

test('health is healthy over https and http', async () => {
  for (const base of [BASE, HTTP_BASE]) {
    const r = await api('GET', '/health', { base });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { status: 'healthy', database: true });
  }
});

test('system status names the domain, version and uptime', async () => {
  const r = await api('GET', '/api/v1/system/status', { key: KEYS.alice });
  assert.equal(r.status, 200);
  assert.equal(r.json.domain, 'localhost');
  assert.match(r.json.version, /^\d+\.\d+\.\d+/);
  assert.equal(typeof r.json.uptime, 'number');
  assert.ok(r.json.uptime >= 0 && r.json.uptime < 3600);
});

test('users/me gives the profile and limits of the key', async () => {
  const r = await api('GET', '/api/v1/users/me', { key: KEYS.alice });
  assert.equal(r.status, 200);
  assert.equal(r.json.id, 'alice');
  assert.equal(r.json.name, 'Alice Example');
  assert.equal(r.json.email, 'alice@example.org');
  assert.equal(r.json.admin, false);
  assert.equal(typeof r.json.priority, 'number');
  assert.equal(r.json.rate_limits.length, 3);
  const classes = r.json.rate_limits.map((l) => l.device_class).sort();
  assert.deepEqual(classes, ['LUCIDAC', 'REDAC', 'SIMULATOR']);
  for (const l of r.json.rate_limits) {
    assert.ok(Number.isInteger(l.hourly_used) && l.hourly_used <= l.daily_used);
    if (l.hourly_limit !== null) assert.equal(l.hourly_remaining, Math.max(0, l.hourly_limit - l.hourly_used));
    if (l.daily_limit !== null) assert.equal(l.daily_remaining, Math.max(0, l.daily_limit - l.daily_used));
  }
  const admin = await api('GET', '/api/v1/users/me', { key: KEYS.admin });
  assert.equal(admin.json.admin, true);
});

test('authentication errors are 403 with the contract messages', async () => {
  const cases = [
    [undefined, 'Not authenticated'],
    ['not-a-key', 'Invalid API key'],
    [KEYS.carol, 'API key disabled'],
  ];
  for (const [key, detail] of cases) {
    const r = await api('GET', '/api/v1/users/me', { key });
    assert.equal(r.status, 403, `key ${key}`);
    assert.deepEqual(r.json, { detail });
  }
  const basic = await api('GET', '/api/v1/users/me', { headers: { authorization: 'Basic YWxpY2U6eA==' } });
  assert.equal(basic.status, 403);
  assert.equal(basic.json.detail, 'Not authenticated');
});

test('unknown paths are 404 and wrong methods 405 with Allow', async () => {
  const nf = await api('GET', '/api/v1/nothing-here', { key: KEYS.alice });
  assert.equal(nf.status, 404);
  assert.equal(nf.json.detail, 'Not Found');
  const na = await api('POST', '/api/v1/users/me', { key: KEYS.alice, body: {} });
  assert.equal(na.status, 405);
  assert.equal(na.headers.get('allow'), 'GET');
  assert.equal(na.json.detail, 'Method Not Allowed');
});

test('devices lists the devices of the devices file, entity is byte-identical', async () => {
  const r = await waitFor(async () => {
    const x = await api('GET', '/api/v1/devices', { key: KEYS.alice });
    return x.status === 200 && x.json.some((d) => d.name === 'sim-1') ? x : null;
  }, { timeout: 15000 });
  const names = r.json.map((d) => d.name);
  for (const n of ['sim-1', 'sim-2', 'sim-3']) assert.ok(names.includes(n), `${n} listed`);
  const sim1 = r.json.find((d) => d.name === 'sim-1');
  assert.equal(sim1.type, 'SIMULATOR');
  assert.equal(sim1.available, true);
  assert.equal(typeof sim1.queue_length, 'number');

  const e = await api('GET', '/api/v1/devices/sim-1/entity', { key: KEYS.alice });
  assert.equal(e.status, 200);
  assert.equal(e.ctype, 'application/octet-stream');
  const fixture = readFileSync(`${ROOT}/etc/entities/lucidac.apb`);
  assert.ok(e.buf.equals(fixture), 'entity equals the fixture');

  const none = await api('GET', '/api/v1/devices/no-such-device/entity', { key: KEYS.alice });
  assert.equal(none.status, 404);
  const bad = await api('GET', '/api/v1/devices/%27%3B%20drop/entity', { key: KEYS.alice });
  assert.equal(bad.status, 404);
});

test('auth.yml edits take effect without a restart; an invalid edit keeps the last good file', async () => {
  const original = readFileSync(AUTH_FILE, 'utf8');
  try {
    const withDave = original.replace(/^keys:\s*$/m, 'keys:\n  - id: dave\n    key: "ac_test_dave_000000000000"\n    name: Dave\n');
    assert.notEqual(withDave, original, 'auth file has a keys: line');
    writeFileSync(AUTH_FILE, withDave);
    await waitFor(async () => allWorkersSay('ac_test_dave_000000000000', 200), { timeout: 5000 });
    writeFileSync(AUTH_FILE, withDave + '\nbogus_field: 1\n');
    await sleep(2500);
    const still = await api('GET', '/api/v1/users/me', { key: 'ac_test_dave_000000000000' });
    assert.equal(still.status, 200, 'last good config kept');
  } finally {
    writeFileSync(AUTH_FILE, original);
  }
  await waitFor(async () => allWorkersSay('ac_test_dave_000000000000', 403), { timeout: 5000 });
});

// Each worker reloads on its own: a status holds for the stack only when
// enough requests in a row (spread over the workers) all give it.
async function allWorkersSay(key, status) {
  for (let i = 0; i < WORKERS * 6; i++) {
    if ((await api('GET', '/api/v1/users/me', { key })).status !== status) return false;
  }
  return true;
}

test('kill -9 of a worker: the master starts a new one, at most the in-flight request fails', async () => {
  const master = pidOf('acloud-api');
  const before = childrenOf(master);
  assert.equal(before.length, WORKERS);
  let failures = 0;
  let done = false;
  const loop = (async () => {
    let n = 0;
    while (!done) {
      const r = await api('GET', '/api/v1/system/status', { key: KEYS.alice });
      if (r.status !== 200) failures++;
      n++;
    }
    return n;
  })();
  await sleep(300);
  process.kill(before[0], 'SIGKILL');
  await sleep(1500);
  done = true;
  const n = await loop;
  assert.ok(n > 20, `loop made ${n} requests`);
  assert.ok(failures <= 1, `${failures} failed requests`);
  const after = await waitFor(() => {
    const c = childrenOf(master);
    return c.length === WORKERS ? c : null;
  });
  assert.ok(!after.includes(before[0]), 'the killed worker was replaced');
});

test('PostgreSQL stopped: health 503 and API 503; started again: everything works without restarts', async () => {
  const master = pidOf('acloud-api');
  pgCtl('stop');
  try {
    const h = await api('GET', '/health');
    assert.equal(h.status, 503);
    assert.deepEqual(h.json, { status: 'unhealthy', database: false });
    const u = await api('GET', '/api/v1/users/me', { key: KEYS.alice });
    assert.equal(u.status, 503);
    assert.equal(typeof u.json.detail, 'string');
  } finally {
    pgCtl('start');
  }
  await waitFor(async () => (await api('GET', '/health')).status === 200, { timeout: 10000 });
  for (let i = 0; i < WORKERS * 3; i++) {
    const u = await api('GET', '/api/v1/users/me', { key: KEYS.alice });
    assert.equal(u.status, 200);
  }
  assert.equal(pidOf('acloud-api'), master, 'the master was not restarted');
});

test('logs never contain an API key', async () => {
  const logs = readdirSync(`${STATE}/logs`).filter((f) => f.endsWith('.log'));
  assert.ok(logs.includes('acloud-api.log'));
  for (const f of logs) {
    const text = readFileSync(`${STATE}/logs/${f}`, 'utf8');
    for (const key of Object.values(KEYS)) assert.ok(!text.includes(key), `${f} contains a key`);
  }
  const access = readFileSync(`${STATE}/logs/acloud-api.log`, 'utf8');
  assert.match(access, /access GET \/api\/v1\/users\/me 200 \d+us alice/);
});
