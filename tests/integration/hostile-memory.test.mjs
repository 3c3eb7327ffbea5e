// hostile-memory: what a body may cost a worker (issue 12, part 1).  The
// 30 MB value bomb {"state": [[], [], ...]} against every route that takes
// a body is a 413 within a second and leaves every worker small, alone and
// sixteen at once while /health keeps answering; a bomb under the
// small-body limit is refused by the worker's value budget; each route's
// body limit holds; reload-on-rss replaces a grown worker and says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { api, KEYS, SANITIZED, STATE, pidOf, childrenOf, sleep, waitFor } from './lib/api.mjs';

const API_LOG = `${STATE}/logs/acloud-api.log`;

const JSON_CT = { 'content-type': 'application/json' };
// Every route that takes a body, with a key it accepts (admin routes refuse
// others before reading the body).
const BODY_ROUTES = [
  ['POST', '/api/v1/tasks/run', KEYS.alice],
  ['POST', '/api/v1/tasks/batch', KEYS.alice],
  ['POST', '/api/v1/tasks/compile', KEYS.alice],
  ['POST', '/api/v1/tasks/search', KEYS.alice],
  ['POST', '/api/v1/devices/sim-1/session', KEYS.alice],
  ['PUT', '/api/v1/devices/sim-1/maintenance', KEYS.admin],
  ['POST', '/api/v1/reservations', KEYS.admin],
];
const MB = 1024 * 1024;

// {"state": [[], [], ...]} with n empty arrays.
function bomb(n) {
  return Buffer.concat([Buffer.from('{"state": ['), Buffer.from('[],'.repeat(n - 1)), Buffer.from('[]]}')]);
}

// ASan keeps freed memory in its quarantine (256 MB), so a sanitizer
// build's resident size says nothing about the heap a request cost; its
// stack runs without reload-on-rss (scripts/lib/stack.sh) and the bound is
// checked by the plain build's run.

function assertWorkersSmall() {
  if (SANITIZED) return;
  for (const mb of workerRssMb()) assert.ok(mb < 64, `a worker is ${mb.toFixed(1)} MB resident`);
}

function workerRssMb() {
  return childrenOf(pidOf('acloud-api')).map((pid) => {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024;
  });
}

const BOMB = bomb(10_000_000);

// The worker's own time for its last answer to `path` (the access log).
function workerMs(method, path, from) {
  const lines = readFileSync(API_LOG, 'utf8').slice(from).split('\n');
  const line = lines.filter((l) => l.includes(`access ${method} ${path} `)).pop();
  return line ? Number(/ (\d+)us /.exec(line)[1]) / 1000 : undefined;
}

// Within a second where the API decides it: the worker's time, from the
// access log.  The upload to nginx (30 MB over TLS, buffered to disk) is
// the machine's, and on a loaded machine it alone can take about a second.
test('the 30 MB value bomb is a 413 within a second on every route with a body', async () => {
  assert.ok(BOMB.length > 28 * MB && BOMB.length < 32 * MB);
  for (const [method, path, key] of BODY_ROUTES) {
    const from = readFileSync(API_LOG, 'utf8').length;
    const r = await api(method, path, { key, rawBody: BOMB, headers: JSON_CT });
    assert.equal(r.status, 413, `${method} ${path}: ${r.status} ${r.text.slice(0, 200)}`);
    assert.equal(typeof r.json.detail, 'string');
    const ms = workerMs(method, path, from);
    // Over its route's limit nginx answers itself: the worker never sees it.
    if (ms !== undefined) assert.ok(ms < 1000, `${path}: the worker took ${ms} ms`);
  }
  assertWorkersSmall();
});

test('sixteen bombs at once: all 413, /health answers throughout, workers stay small', async () => {
  let flooding = true;
  const health = [];
  const poll = (async () => {
    while (flooding) {
      const t0 = Date.now();
      const r = await api('GET', '/health');
      health.push({ status: r.status, ms: Date.now() - t0 });
      await sleep(20);
    }
  })();
  const answers = await Promise.all(Array.from({ length: 16 }, () =>
    api('POST', '/api/v1/tasks/run', { key: KEYS.alice, rawBody: BOMB, headers: JSON_CT })));
  flooding = false;
  await poll;
  for (const r of answers) assert.equal(r.status, 413, r.text.slice(0, 200));
  // nginx writes the 480 MB of bodies to its temp files meanwhile, so on a
  // loaded machine a health check may wait on it: it must answer, not fast.
  assert.ok(health.length >= 1, 'no health check answered during the flood');
  for (const h of health) assert.equal(h.status, 200);
  assertWorkersSmall();
});

test('a bomb under the small-body limit is refused by the value budget', async () => {
  const small = bomb(300_000); // 900 kB, 600 000 values and commas
  assert.ok(small.length < MB);
  for (const [method, path, key] of BODY_ROUTES) {
    const r = await api(method, path, { key, rawBody: small, headers: JSON_CT });
    assert.equal(r.status, 413, `${method} ${path}: ${r.status}`);
    assert.equal(r.json.detail, 'Request body holds too many JSON values');
  }
  // Within the budget the same shape is an ordinary 422.
  const fine = await api('POST', '/api/v1/tasks/search', { key: KEYS.alice, rawBody: bomb(1000), headers: JSON_CT });
  assert.equal(fine.status, 422);
});

test('body limits per route: 1 MiB for search and compile, 32 MiB for run', async () => {
  const pad = (prefix, n) => Buffer.from(prefix.padEnd(n, ' '));
  const search = '{"state": ["queued"]}';
  assert.equal((await api('POST', '/api/v1/tasks/search', { key: KEYS.alice, rawBody: pad(search, MB), headers: JSON_CT })).status, 200);
  const over = await api('POST', '/api/v1/tasks/search', { key: KEYS.alice, rawBody: pad(search, MB + 1), headers: JSON_CT });
  assert.equal(over.status, 413);
  assert.equal(over.json.detail, 'Request body too large');
  const compile = '{"backend": "NOPE", "source": "x"}';
  assert.equal((await api('POST', '/api/v1/tasks/compile', { key: KEYS.alice, rawBody: pad(compile, MB), headers: JSON_CT })).status, 422);
  assert.equal((await api('POST', '/api/v1/tasks/compile', { key: KEYS.alice, rawBody: pad(compile, MB + 1), headers: JSON_CT })).status, 413);
  const run = '{"device_name": "nope", "circuit": {}}';
  assert.equal((await api('POST', '/api/v1/tasks/run', { key: KEYS.alice, rawBody: pad(run, 4 * MB), headers: JSON_CT })).status, 422);
});

test('reload-on-rss: a worker over the ceiling leaves after answering, a fresh one takes its place', async () => {
  const conf = `${STATE}/etc/acloud.yml`;
  const log = API_LOG;
  const original = readFileSync(conf, 'utf8');
  const master = pidOf('acloud-api');
  const before = new Set(childrenOf(master));
  const logStart = readFileSync(log, 'utf8').length;
  try {
    writeFileSync(conf, original.replace(/^  reload_on_rss_mb: .*\n/m, '').replace(/^api:\n/m, 'api:\n  reload_on_rss_mb: 1\n'));
    process.kill(master, 'SIGHUP');
    await sleep(300);
    // Every worker is larger than 1 MB: each request retires its worker.
    for (let i = 0; i < 4; i++) assert.equal((await api('GET', '/health')).status, 200);
    await waitFor(() => readFileSync(log, 'utf8').slice(logStart).includes('left over reload_on_rss_mb'));
    const text = readFileSync(log, 'utf8').slice(logStart);
    assert.match(text, /resident \d+ MB > reload_on_rss_mb 1: exiting after the request/);
    assert.ok(childrenOf(master).some((pid) => !before.has(pid)), 'no fresh worker');
  } finally {
    writeFileSync(conf, original);
    process.kill(master, 'SIGHUP');
    await sleep(300);
  }
  // Back to the default ceiling: the workers stay.
  await sleep(500);
  const settled = new Set(childrenOf(master));
  for (let i = 0; i < 6; i++) assert.equal((await api('GET', '/health')).status, 200);
  assert.deepEqual(new Set(childrenOf(master)), settled);
});
