// hostile-failalloc: allocation failure injected into every endpoint.
// acloud-api runs spawned (spawn-fcgi, one worker) with the shim of
// tests/faultinject/failalloc.c preloaded; each request names, in the
// FastCGI parameter ACLOUD_FAIL_AT, which of its allocations fails, swept
// over the request.  Whatever fails: the worker never crashes, and a 2xx
// answer is the same as without the failure (a list no shorter, no task
// of another user, never more rows than the caller owns); otherwise it is
// the answer without the failure, or a 500/503.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { api, BUILD, ROOT, SANITIZED, STATE, KEYS, childrenOf, sleep, waitFor } from './lib/api.mjs';

const SHIM = `${BUILD}/tests/faultinject/failalloc.so`;
const MAX_SWEEP = Number(process.env.ACLOUD_FAILALLOC_SWEEP ?? 120);

function fcgi(sock, params, body) {
  const env = { PATH: process.env.PATH, ...params };
  if (body !== undefined) { env.CONTENT_LENGTH = String(Buffer.byteLength(body)); env.CONTENT_TYPE = 'application/json'; }
  let out, aborted = false;
  try {
    out = execFileSync('cgi-fcgi', ['-bind', '-connect', sock], { env, input: body ?? '', encoding: 'utf8', timeout: 10000 });
  } catch (e) { out = String(e.stdout ?? ''); aborted = true; }
  const [head, ...rest] = out.split('\r\n\r\n');
  const text = rest.join('\r\n\r\n');
  const length = Number(/^Content-Length: (\d+)/mi.exec(head)?.[1]);
  const status = Number(/^Status: (\d+)/m.exec(head)?.[1]) || 0;
  // A streamed answer (a result download) that fails after its head is
  // aborted: the request ends with an error and short of its length, so
  // no client can take it for a whole answer.  (cgi-fcgi also fails when
  // the worker answered before reading the whole body: that answer counts.)
  if (aborted && Buffer.byteLength(text) < length) return { status: 'aborted', body: text };
  return { status, body: text };
}

const json = (text) => { try { return JSON.parse(text); } catch { return undefined; } };

test('allocation failure on every endpoint: never a crash, never a 2xx with missing or foreign data',
  { skip: SANITIZED && 'an LD_PRELOAD malloc does not mix with a sanitizer build' }, async () => {
  if (!existsSync(SHIM)) execFileSync('make', ['-C', BUILD, '-s', 'tests/faultinject/failalloc.so']);
  // Tasks of alice's to read, and one of bob's that must never show; the
  // runs go to simulators, which finish them (hold-1 is tasks.test's).
  const lorenz = JSON.parse(readFileSync(`${ROOT}/tests/data/lorenz_config.json`, 'utf8'));
  const runBody = { device_name: 'sim-2', circuit: { ...lorenz, adc_channels: [0] }, op_time: 0.001, sample_rate: 1000 };
  const done = (await api('POST', '/api/v1/tasks/run', { key: KEYS.alice, body: runBody })).json.id;
  await api('POST', '/api/v1/tasks/run', { key: KEYS.bob, body: runBody });
  await waitFor(async () => (await api('GET', `/api/v1/tasks/${done}`, { key: KEYS.alice })).json.state === 'succeeded', { timeout: 30000 });
  const hold = (await api('POST', '/api/v1/tasks/run', { key: KEYS.alice, body: { ...runBody, device_name: 'sim-3' } })).json.id;

  const sock = `${STATE}/run/failalloc.sock`;
  rmSync(sock, { force: true });
  // The API's stderr into a file: the sweep's synchronous requests would
  // keep a pipe from being read.
  const logPath = `${STATE}/logs/failalloc-api.log`;
  const logFd = openSync(logPath, 'w');
  const child = spawn('spawn-fcgi', ['-s', sock, '-n', '--', `${BUILD}/acloud-api`, '-c', `${STATE}/etc/acloud.yml`, '-w', '1'],
    { stdio: ['ignore', 'ignore', logFd], env: { ...process.env, LD_PRELOAD: SHIM } });
  closeSync(logFd);
  const log = () => readFileSync(logPath, 'utf8');
  const auth = { HTTP_AUTHORIZATION: `Bearer ${KEYS.alice}` };
  const get = (uri) => ({ params: { REQUEST_METHOD: 'GET', REQUEST_URI: uri, ...auth } });
  const post = (uri, body) => ({ params: { REQUEST_METHOD: 'POST', REQUEST_URI: uri, ...auth }, body: JSON.stringify(body) });
  const endpoints = {
    health: { params: { REQUEST_METHOD: 'GET', REQUEST_URI: '/health' } },
    status: get('/api/v1/system/status'),
    me: get('/api/v1/users/me'),
    devices: get('/api/v1/devices'),
    entity: get('/api/v1/devices/sim-1/entity'),
    list: get('/api/v1/tasks?limit=1000'),
    search: post('/api/v1/tasks/search', { state: ['succeeded', 'queued', 'inprogress'], limit: 1000 }),
    task: get(`/api/v1/tasks/${done}`),
    history: get(`/api/v1/tasks/${done}/status`),
    log: get(`/api/v1/tasks/${done}/log`),
    result: get(`/api/v1/tasks/${done}/result`),
    run: post('/api/v1/tasks/run', { ...runBody, device_name: 'sim-3' }),
    compile: post('/api/v1/tasks/compile', { backend: 'LUCIDAC', source: "x' = -y" }),
    cancel: { params: { REQUEST_METHOD: 'POST', REQUEST_URI: `/api/v1/tasks/${hold}/cancel`, ...auth }, once: true },
    badbody: post('/api/v1/tasks/search', { state: ['nope'] }),
  };
  // Fields that change between two identical requests.
  const stable = (name, b) => {
    if (b === undefined) return b;
    if (name === 'status') return { ...b, uptime: 0 };
    if (name === 'run' || name === 'compile') return Object.keys(b).sort();
    if (name === 'me') return { ...b, usage: undefined };
    return b;
  };
  try {
    await waitFor(() => existsSync(sock) && childrenOf(child.pid).length === 1, { timeout: 10000 });
    const worker = childrenOf(child.pid)[0];
    for (const [name, ep] of Object.entries(endpoints)) {
      const counts = () => [...log().matchAll(/failalloc: (\d+) allocations/g)].map((m) => Number(m[1]));
      const before = counts().length;
      const base = fcgi(sock, { ...ep.params, ACLOUD_FAIL_AT: '0' }, ep.body);
      await waitFor(() => counts().length > before);
      const n = counts().pop();
      assert.ok(base.status >= 200 && base.status < 500, `${name}: ${base.status} ${base.body.slice(0, 200)}`);
      const want = stable(name, json(base.body));
      // Every allocation up to MAX_SWEEP, then a stride over the rest.
      const stride = Math.max(1, Math.ceil((n - MAX_SWEEP) / 60));
      for (let at = 1; at <= n; at += at <= MAX_SWEEP ? 1 : stride) {
        const r = fcgi(sock, { ...ep.params, ACLOUD_FAIL_AT: String(at) }, ep.body);
        const where = `${name}, allocation ${at} of ${n}: ${r.status} ${r.body.slice(0, 160)}\n${log().slice(-600)}`;
        // A cancel that went through once is a 409 from then on.
        const same = r.status === base.status || (ep.once && r.status === 409);
        assert.ok([500, 503, 'aborted'].includes(r.status) || same, where);
        if (r.status >= 200 && r.status < 300 && name !== 'cancel' && ep.params.REQUEST_URI !== '/api/v1/tasks/run') {
          if (['entity', 'result', 'log'].includes(name)) assert.equal(r.body, base.body, where);
          else assert.deepEqual(stable(name, json(r.body)), want, where);
        }
        if (name === 'list' || name === 'search') {
          const items = json(r.body)?.items ?? json(r.body) ?? [];
          for (const t of Array.isArray(items) ? items : []) assert.notEqual(t.user_id, 'bob', where);
        }
        assert.deepEqual(childrenOf(child.pid), [worker], `${where}: the worker was replaced`);
      }
    }
    assert.doesNotMatch(log(), /killed by signal/);
  } finally {
    child.kill('SIGTERM');
    await sleep(200);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
