// hostile.test.mjs: the stack under hostile input and faults.  Random
// malformed and malicious requests never produce a 500 or kill a worker;
// slow clients do not tie workers up; body limits hold at the boundary;
// the runtime role cannot change the schema; a disabled key is refused as
// soon as the file changes; PostgreSQL restarting under load loses no
// acknowledged task.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { api, BASE, KEYS, ROOT, STATE, AUTH_FILE, WORKERS, psql, pgCtl, pidOf, childrenOf, sleep, waitFor } from './lib/api.mjs';

const circuit = { ...JSON.parse(readFileSync(`${ROOT}/tests/data/lorenz_config.json`, 'utf8')), adc_channels: [0] };

// A small deterministic generator, so a failure can be replayed.
function rng(seed) {
  let x = seed >>> 0;
  return () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) / 4294967296; };
}
const NASTY = [
  "' OR 1=1 --", "'; DROP TABLE tasks; --", '../../etc/passwd', '%2e%2e%2f', '\u0000', '\ud800', '😀'.repeat(50),
  'x'.repeat(70000), '{"$ne": null}', '<script>alert(1)</script>', '${jndi:ldap://x}', '%00', '\\', '"',
  '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'NaN', '-0', '1e309',
];
const VALUES = [null, true, false, 0, -1, 1e308, -1e308, 2 ** 63, 1.5, '', [], {}, [[[[[]]]]], 'sim-1', 'LUCIDAC'];

function randomValue(r, depth = 0) {
  const k = Math.floor(r() * 6);
  if (k === 0) return NASTY[Math.floor(r() * NASTY.length)];
  if (k === 1 && depth < 4) return Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, () => [randomKey(r), randomValue(r, depth + 1)]));
  if (k === 2 && depth < 4) return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
  return VALUES[Math.floor(r() * VALUES.length)];
}
function randomKey(r) {
  const keys = ['device_name', 'circuit', 'circuit_apb', 'compile_task_id', 'op_time', 'sample_rate', 'name', 'backend',
    'source', 'user_id', 'state', 'type', 'device_class', 'from', 'to', 'limit', 'offset', '/0', 'adc_channels'];
  return r() < 0.85 ? keys[Math.floor(r() * keys.length)] : NASTY[Math.floor(r() * NASTY.length)];
}
function randomBody(r) {
  const k = Math.floor(r() * 8);
  if (k === 0) return '['.repeat(1 + Math.floor(r() * 5000));
  if (k === 1) return Buffer.from(Array.from({ length: 1 + Math.floor(r() * 200) }, () => Math.floor(r() * 256)));
  if (k === 2) return JSON.stringify(randomValue(r)).slice(0, Math.floor(r() * 200));
  if (k === 3) return JSON.stringify({ device_name: 'sim-1', circuit: randomValue(r) });
  if (k === 4) { const c = structuredClone(circuit); c['/0']['/C'].elements[Math.floor(r() * 32)] = randomValue(r); return JSON.stringify({ device_name: 'sim-1', circuit: c }); }
  return JSON.stringify(Object.fromEntries(Array.from({ length: 1 + Math.floor(r() * 5) }, () => [randomKey(r), randomValue(r)])));
}
// Percent-encodes every byte outside the unreserved set (lone surrogates
// become U+FFFD bytes, as a client would send them).
const pct = (s) => [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join('');

function randomRequest(r) {
  const id = r() < 0.5 ? pct(NASTY[Math.floor(r() * NASTY.length)]).slice(0, 3000) : '0b2b8d4d-0839-485f-a48a-e80bb925f94c';
  const routes = [
    ['POST', '/api/v1/tasks/run'], ['POST', '/api/v1/tasks/compile'], ['POST', '/api/v1/tasks/search'],
    ['GET', `/api/v1/tasks/${id}`], ['GET', `/api/v1/tasks/${id}/status`], ['GET', `/api/v1/tasks/${id}/log`],
    ['GET', `/api/v1/tasks/${id}/result`], ['POST', `/api/v1/tasks/${id}/cancel`], ['DELETE', `/api/v1/tasks/${id}`],
    ['GET', `/api/v1/devices/${id}/entity`], ['GET', `/api/v1/tasks?limit=${pct(JSON.stringify(randomValue(r)) ?? '')}&offset=${id}`],
    ['PUT', '/api/v1/tasks/run'], ['GET', `/api/v1/${id}`],
  ];
  const [method, path] = routes[Math.floor(r() * routes.length)];
  const keys = [KEYS.alice, KEYS.bob, KEYS.admin, KEYS.carol, undefined, NASTY[Math.floor(r() * NASTY.length)].slice(0, 600)];
  return { method, path, key: keys[Math.floor(r() * keys.length)], body: method === 'GET' || method === 'DELETE' ? undefined : randomBody(r) };
}

const CONTRACT_STATUSES = new Set([200, 201, 204, 400, 403, 404, 405, 409, 413, 414, 422, 429, 503]);

test('10 000 random malformed and malicious requests: never a 500, never a crash, always a contract error', async () => {
  const master = pidOf('acloud-api');
  const workersBefore = childrenOf(master).sort();
  const r = rng(20261123);
  const seen = new Map();
  let next = 0;
  const N = 10000;
  async function lane() {
    for (;;) {
      const i = next++;
      if (i >= N) return;
      const q = randomRequest(r);
      let res;
      try {
        res = await api(q.method, q.path, { key: q.key, rawBody: q.body, headers: { 'content-type': 'application/json' }, unchecked: true });
      } catch (e) {
        if (q.key && /[^\x20-\x7e]/.test(q.key)) continue;  // fetch refuses such headers itself
        throw e;
      }
      seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
      assert.ok(CONTRACT_STATUSES.has(res.status), `request ${i} ${q.method} ${q.path.slice(0, 80)} gave ${res.status}: ${res.text.slice(0, 200)}`);
      if (res.status !== 204) {
        assert.ok(res.ctype.startsWith('application/json'), `request ${i}: content type ${res.ctype}`);
        if (res.status >= 400) {
          assert.ok(typeof res.json.detail === 'string' || Array.isArray(res.json.detail), `request ${i}: ${res.text.slice(0, 200)}`);
          if (Array.isArray(res.json.detail)) for (const e of res.json.detail) assert.ok(Array.isArray(e.loc) && typeof e.msg === 'string' && typeof e.type === 'string');
        }
      }
    }
  }
  await Promise.all(Array.from({ length: 16 }, lane));
  assert.ok(seen.get(422) > 1000, `statuses ${JSON.stringify([...seen])}`);
  assert.deepEqual(childrenOf(master).sort(), workersBefore, 'no worker died');
  assert.equal((await api('GET', '/health')).status, 200);
});

test('slow clients that never finish their body do not tie up the workers', async () => {
  // Over TLS: plain HTTP redirects a keyed request before reading its body.
  const url = new URL(BASE);
  const ca = readFileSync(`${STATE}/etc/tls.crt`);
  const sockets = [];
  for (let i = 0; i < WORKERS * 4; i++) {
    const s = tls.connect({ host: url.hostname, port: Number(url.port), ca, servername: 'localhost', ALPNProtocols: ['http/1.1'] });
    s.on('error', () => {});
    s.write(`POST /api/v1/tasks/run HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEYS.alice}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"device_`);
    sockets.push(s);
  }
  await sleep(300);
  const t0 = Date.now();
  for (let i = 0; i < WORKERS * 5; i++) assert.equal((await api('GET', '/api/v1/users/me', { key: KEYS.alice })).status, 200);
  assert.ok(Date.now() - t0 < 5000, 'served while slow clients hang');
  for (const s of sockets) s.destroy();
});

test('body size: the limit itself passes, one byte more is 413', async () => {
  const limit = 33554432;
  const pad = (n) => '{"device_name":"nope","circuit":{}}'.padEnd(n, ' ');
  const at = await api('POST', '/api/v1/tasks/run', { key: KEYS.alice, rawBody: pad(limit), headers: { 'content-type': 'application/json' } });
  assert.notEqual(at.status, 413);
  assert.equal(at.status, 422);
  const over = await api('POST', '/api/v1/tasks/run', { key: KEYS.alice, rawBody: pad(limit + 1), headers: { 'content-type': 'application/json' } });
  assert.equal(over.status, 413);
});

test('the runtime role cannot change the schema or the ledger', () => {
  const asApp = (sql) => {
    try {
      execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', `${STATE}/pg/sock`, '-p', process.env.ACLOUD_TEST_PG_PORT ?? '54339',
        '-U', 'acloud_app', '-d', 'acloud', '-c', sql], { stdio: 'pipe' });
      return 'ok';
    } catch (e) { return String(e.stderr); }
  };
  assert.equal(asApp('SELECT count(*) FROM tasks'), 'ok');
  for (const sql of ['CREATE TABLE evil (i int)', 'ALTER TABLE tasks ADD COLUMN evil int', 'DROP TABLE task_log',
    'DELETE FROM usage_ledger', 'UPDATE usage_ledger SET at = now()', 'TRUNCATE tasks', 'CREATE ROLE evil',
    'DROP FUNCTION acloud_create_task']) {
    assert.match(asApp(sql), /permission denied|must be owner|must be superuser/, sql);
  }
});

test('a key disabled in auth.yml is refused at once by every worker', async () => {
  const original = readFileSync(AUTH_FILE, 'utf8');
  try {
    writeFileSync(AUTH_FILE, original.replace(/(- id: bob\n)/, '$1    enabled: false\n'));
    await sleep(1100);
    for (let i = 0; i < WORKERS * 6; i++) {
      const r = await api('GET', '/api/v1/users/me', { key: KEYS.bob });
      assert.equal(r.status, 403);
      assert.equal(r.json.detail, 'API key disabled');
    }
  } finally {
    writeFileSync(AUTH_FILE, original);
  }
  process.kill(pidOf('acloud-api'), 'SIGHUP');
  await waitFor(async () => (await api('GET', '/api/v1/users/me', { key: KEYS.bob })).status === 200);
});

test('PostgreSQL stopped and started under load: 503 meanwhile, no 500, no crash, no acknowledged task lost', async () => {
  const master = pidOf('acloud-api');
  const workers = childrenOf(master).sort();
  const created = [];
  const statuses = new Map();
  let done = false;
  const load = (async () => {
    while (!done) {
      const r = await api('POST', '/api/v1/tasks/run', { key: KEYS.alice, body: { device_name: 'sim-2', circuit, op_time: 0.001, sample_rate: 1000 }, unchecked: true });
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      if (r.status === 201) created.push(r.json.id);
      else assert.ok([503].includes(r.status), `status ${r.status}: ${r.text}`);
    }
  })();
  await sleep(500);
  pgCtl('stop');
  await sleep(1000);
  pgCtl('start');
  await waitFor(async () => (await api('GET', '/health', { unchecked: true })).status === 200, { timeout: 15000 });
  await sleep(500);
  done = true;
  await load;
  assert.ok(statuses.get(503) > 0, `statuses ${JSON.stringify([...statuses])}`);
  assert.ok(created.length > 10);
  const found = Number(psql(`SELECT count(*) FROM tasks WHERE id IN (${created.map((id) => `'${id}'`).join(',')})`));
  assert.equal(found, created.length, 'every acknowledged task is in the database');
  assert.deepEqual(childrenOf(master).sort(), workers, 'no worker died');
  assert.equal(pidOf('acloud-api'), master);
});
