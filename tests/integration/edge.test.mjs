// edge.test.mjs: the edge and operations side of a shared service (issue
// 12): the API over TLS only (plain HTTP answers /health and redirects the
// rest without the API seeing it), security headers on every HTTPS answer,
// the docs' Content-Security-Policy, TLS settings, nginx's per-address
// limits, check-config's warnings about auth.yml, and the systemd units'
// sandbox rating.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import tls from 'node:tls';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { api, BASE, HTTP_BASE, BUILD, KEYS, ROOT, STATE, sleep, waitFor } from './lib/api.mjs';

const HTTPS_URL = new URL(BASE);
const HTTP_URL = new URL(HTTP_BASE);
const API_LOG = `${STATE}/logs/acloud-api.log`;
const NGINX_LOG = `${STATE}/logs/nginx-access.log`;
const CA = readFileSync(`${STATE}/etc/tls.crt`);

// One plain-HTTP request, redirects not followed.
function plain(method, pathname, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: HTTP_URL.hostname, port: HTTP_URL.port, method, path: pathname, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// How many requests the API workers have logged for METHOD PATH.
function apiSaw(method, pathname) {
  const needle = ` access ${method} ${pathname} `;
  return readFileSync(API_LOG, 'utf8').split('\n').filter((l) => l.includes(needle)).length;
}

test('plain HTTP: a keyed /api/v1/users/me gets 308 to https and the API never sees it', async () => {
  const agent = `acloud-edge-probe-${randomBytes(6).toString('hex')}`;
  const before = apiSaw('GET', '/api/v1/users/me');
  const r = await plain('GET', '/api/v1/users/me', { headers: { authorization: `Bearer ${KEYS.alice}`, 'user-agent': agent } });
  assert.equal(r.status, 308);
  assert.equal(r.headers.location, `https://${HTTP_URL.hostname}:${HTTPS_URL.port}/api/v1/users/me`);
  assert.equal(r.headers['strict-transport-security'], undefined, 'HSTS is for https answers only');
  // A body is not passed on either: nginx answers before reading it.
  const posts = apiSaw('POST', '/api/v1/tasks/run');
  const p = await plain('POST', '/api/v1/tasks/run?x=1', {
    headers: { authorization: `Bearer ${KEYS.alice}`, 'content-type': 'application/json', 'user-agent': agent },
    body: JSON.stringify({ device_name: 'sim-1', circuit: {} }),
  });
  assert.equal(p.status, 308);
  assert.equal(p.headers.location, `https://${HTTP_URL.hostname}:${HTTPS_URL.port}/api/v1/tasks/run?x=1`);
  // nginx logged both (its access log is flushed every second) ...
  const lines = await waitFor(() => {
    const l = readFileSync(NGINX_LOG, 'utf8').split('\n').filter((x) => x.includes(agent));
    return l.length === 2 && l;
  }, { timeout: 5000 });
  assert.match(lines[0], /"GET \/api\/v1\/users\/me HTTP\/1\.1" 308 /);
  assert.match(lines[1], /"POST \/api\/v1\/tasks\/run\?x=1 HTTP\/1\.1" 308 /);
  // ... the API did not.  The same request over https shows up in its log,
  // so the count is a measure that can move.
  await sleep(200);
  assert.equal(apiSaw('GET', '/api/v1/users/me'), before);
  assert.equal(apiSaw('POST', '/api/v1/tasks/run'), posts);
  assert.equal((await api('GET', '/api/v1/users/me', { key: KEYS.alice })).status, 200);
  await waitFor(() => apiSaw('GET', '/api/v1/users/me') === before + 1, { timeout: 3000 });
});

test('plain HTTP: /health answers, everything else redirects', async () => {
  const h = await plain('GET', '/health');
  assert.equal(h.status, 200);
  assert.deepEqual(JSON.parse(h.text), { status: 'healthy', database: true });
  const keyed = await plain('GET', '/health', { headers: { authorization: `Bearer ${KEYS.alice}` } });
  assert.equal(keyed.status, 308, 'a key sent in the clear is not acted on, even on /health');
  for (const p of ['/api/v1/system/status', '/api/docs', '/openapi.json', '/nope', '/']) {
    const r = await plain('GET', p);
    assert.equal(r.status, 308, p);
    assert.equal(r.headers.location, `https://${HTTP_URL.hostname}:${HTTPS_URL.port}${p}`);
  }
  assert.equal((await plain('HEAD', '/api/v1/users/me')).status, 308);
  assert.match(h.headers.server, /^nginx$/, 'no version in Server');
});

const SECURITY_HEADERS = {
  'strict-transport-security': /^max-age=\d{8,}/,
  'x-content-type-options': /^nosniff$/,
  'referrer-policy': /^no-referrer$/,
};

function assertSecurityHeaders(r, what) {
  for (const [name, re] of Object.entries(SECURITY_HEADERS)) assert.match(r.headers.get(name) ?? '', re, `${what}: ${name}`);
  assert.equal(r.headers.get('server'), 'nginx', `${what}: server_tokens off`);
  assert.match(r.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, `${what}: CSP`);
}

test('every HTTPS answer carries the security headers, errors included', async () => {
  const cases = [
    ['users/me 200', await api('GET', '/api/v1/users/me', { key: KEYS.alice }), 200],
    ['no key 403', await api('GET', '/api/v1/users/me'), 403],
    ['bad key 403', await api('GET', '/api/v1/users/me', { key: 'not-a-key' }), 403],
    ['API 404', await api('GET', '/api/v1/nope', { key: KEYS.alice }), 404],
    ['nginx 404', await api('GET', '/nope'), 404],
    ['nginx 405', await api('POST', '/openapi.json', { rawBody: '{}' }), 405],
    ['health', await api('GET', '/health'), 200],
    ['openapi.json', await api('GET', '/openapi.json'), 200],
    ['docs bundle', await api('GET', '/api/docs/static/swagger-ui-bundle.js'), 200],
    ['docs redirect', await fetch(`${BASE}/api/docs/`, { redirect: 'manual' }), 301],
  ];
  for (const [what, r, status] of cases) {
    assert.equal(r.status, status, what);
    assertSecurityHeaders(r, what);
  }
  // JSON answers allow nothing at all.
  assert.equal(cases[0][1].headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'");
});

test('the docs pages allow only same-origin scripts and no framing', async () => {
  for (const p of ['/api/docs', '/api/redoc']) {
    const r = await api('GET', p);
    assert.equal(r.status, 200, p);
    assertSecurityHeaders(r, p);
    assert.match(r.headers.get('cache-control'), /no-cache/, `${p} keeps its caching`);
    const csp = Object.fromEntries(r.headers.get('content-security-policy').split(';')
      .map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    assert.deepEqual(csp['default-src'], ["'none'"], p);
    assert.deepEqual(csp['script-src'], ["'self'"], p);
    assert.deepEqual(csp['frame-ancestors'], ["'none'"], p);
    assert.ok(!JSON.stringify(csp).includes('unsafe-eval'), p);
  }
  const bundle = await api('GET', '/api/redoc/static/redoc.standalone.js');
  assert.match(bundle.headers.get('cache-control'), /max-age=3600/);
});

function handshake(options) {
  return new Promise((resolve) => {
    const s = tls.connect({ host: HTTPS_URL.hostname, port: Number(HTTPS_URL.port), ca: CA, servername: 'localhost', ...options });
    s.once('secureConnect', () => { const out = { ok: true, protocol: s.getProtocol(), cipher: s.getCipher().name }; s.destroy(); resolve(out); });
    s.once('error', (e) => resolve({ ok: false, error: e.code ?? e.message }));
  });
}

test('TLS: 1.2 and 1.3 with forward-secret AEAD suites only', async () => {
  const t13 = await handshake({});
  assert.ok(t13.ok, JSON.stringify(t13));
  assert.equal(t13.protocol, 'TLSv1.3');
  const t12 = await handshake({ maxVersion: 'TLSv1.2' });
  assert.ok(t12.ok, JSON.stringify(t12));
  assert.equal(t12.protocol, 'TLSv1.2');
  assert.match(t12.cipher, /^ECDHE-.*(GCM|CHACHA20)/);
  // Suites the intermediate profile drops: plain RSA key exchange, CBC.
  for (const ciphers of ['AES128-GCM-SHA256', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA384']) {
    const r = await handshake({ maxVersion: 'TLSv1.2', ciphers });
    assert.equal(r.ok, false, `${ciphers} refused`);
  }
});

// N requests pipelined on one TLS connection: the status of each answer,
// and the raw text of the answers.
function pipelined(request, n) {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: HTTPS_URL.hostname, port: Number(HTTPS_URL.port), ca: CA, servername: 'localhost', ALPNProtocols: ['http/1.1'] });
    const chunks = [];
    s.on('data', (d) => chunks.push(d));
    s.on('error', reject);
    s.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      resolve({ text, statuses: [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1])) });
    });
    s.write(request.repeat(n - 1) + request.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'));
  });
}

// The first answer with `status` in pipelined text: its headers and body.
function answerOf(text, status) {
  const at = text.indexOf(`HTTP/1.1 ${status} `);
  const next = text.indexOf('HTTP/1.1 ', at + 1);
  const [head, body] = text.slice(at, next < 0 ? undefined : next).split('\r\n\r\n');
  const headers = new Headers(head.split('\r\n').slice(1).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
  return { headers, json: JSON.parse(body) };
}

test('limits: anonymous floods get 429 per address, keyed requests pass', async () => {
  // 400 anonymous requests to the API, pipelined on 4 connections so that
  // they arrive within a second or so: the burst (200) reaches the workers
  // (their 403), then the rate (50/s) refuses most of the rest with the
  // JSON 429.  (nginx's own `return` answers, like 404 outside the API,
  // are made before the limits apply and cost nothing to give.)
  const anonRequest = 'GET /api/v1/users/me HTTP/1.1\r\nHost: localhost\r\n\r\n';
  const flood = await Promise.all(Array.from({ length: 4 }, () => pipelined(anonRequest, 100)));
  const anon = flood.flatMap((f) => f.statuses);
  assert.equal(anon.length, 400);
  const count = (st) => anon.filter((x) => x === st).length;
  assert.ok(count(403) >= 200 && count(429) > 0, `the burst passes, not more: ${count(403)} x 403`);
  assert.equal(count(403) + count(429), 400);
  const refused = answerOf(flood.find((f) => f.statuses.includes(429)).text, 429);
  assert.deepEqual(refused.json, { detail: 'Too many requests from this address, try again shortly' });
  assert.equal(refused.headers.get('retry-after'), '1');
  assertSecurityHeaders(refused, '429');
  // Keyed requests (the API limits them per key) pass meanwhile.
  const keyed = await pipelined(`GET /api/v1/users/me HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${KEYS.bob}\r\n\r\n`, 50);
  assert.deepEqual(keyed.statuses, Array(50).fill(200));
  // Let the anonymous budget refill (50/s) for the suites that follow.
  await sleep(5000);
  assert.equal((await api('GET', '/health')).status, 200);
});

test('limits: at most 128 requests in progress per address', async () => {
  // Requests whose body never finishes stay in progress; past 128 nginx
  // answers 429 at once instead of holding more.
  const sockets = [];
  const answers = new Map();
  for (let i = 0; i < 140; i++) {
    const s = tls.connect({ host: HTTPS_URL.hostname, port: Number(HTTPS_URL.port), ca: CA, servername: 'localhost', ALPNProtocols: ['http/1.1'] });
    s.on('error', () => {});
    s.on('data', (d) => answers.set(i, (answers.get(i) ?? '') + d.toString()));
    s.write(`POST /api/v1/tasks/run HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${KEYS.alice}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"device_`);
    sockets.push(s);
  }
  try {
    await waitFor(() => answers.size >= 12, { timeout: 10000 });
    await sleep(300);
    assert.equal(answers.size, 12, 'exactly the requests past 128 are answered');
    for (const a of answers.values()) assert.match(a, /^HTTP\/1\.1 429 /);
  } finally {
    for (const s of sockets) s.destroy();
  }
  await sleep(200);
  assert.equal((await api('GET', '/api/v1/users/me', { key: KEYS.alice })).status, 200);
});

// check-config against crafted auth files next to a copy of the stack's
// acloud.yml.
function checkConfig(authYaml, mode) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'acloud-edge-'));
  try {
    const auth = path.join(dir, 'auth.yml');
    writeFileSync(auth, authYaml);
    chmodSync(auth, mode);
    const app = readFileSync(`${STATE}/etc/acloud.yml`, 'utf8').replace(/^( {2}auth: ).*$/m, `$1${auth}`);
    assert.ok(app.includes(auth));
    writeFileSync(path.join(dir, 'acloud.yml'), app);
    const r = spawnSync(`${BUILD}/acloud-admin`, ['check-config', '-c', path.join(dir, 'acloud.yml')], { encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, warnings: r.stderr.split('\n').filter(Boolean) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sha256 = (s) => createHash('sha256').update(s).digest('hex');

test('check-config warns about keys in clear, demo keys and a readable auth.yml', () => {
  const fresh = randomBytes(24).toString('base64url');
  const clean = checkConfig(`keys:\n  - id: dora\n    key_sha256: "${sha256(fresh)}"\n`, 0o600);
  assert.equal(clean.status, 0);
  assert.match(clean.stdout, /ok, 1 keys/);
  assert.deepEqual(clean.warnings, []);

  const clear = checkConfig(`keys:\n  - id: dora\n    key: "${fresh}"\n`, 0o600);
  assert.equal(clear.status, 0, 'warnings do not change the exit status');
  assert.equal(clear.warnings.length, 1);
  assert.match(clear.warnings[0], /warning: .*auth\.yml: key 'dora' is written in clear \('key:'\).*key_sha256/);
  assert.ok(!clear.warnings[0].includes(fresh), 'the key itself is not printed');

  // A demo key is published whichever form it is written in.
  const demo = checkConfig(`keys:\n  - id: eve\n    key_sha256: "${sha256(KEYS.alice)}"\n  - id: dora\n    key_sha256: "${sha256(fresh)}"\n`, 0o600);
  assert.equal(demo.status, 0);
  assert.equal(demo.warnings.length, 1);
  assert.match(demo.warnings[0], /key 'eve' is a published demo key/);

  const example = readFileSync(`${ROOT}/etc/auth.example.yml`, 'utf8');
  const all = checkConfig(example, 0o644);
  assert.equal(all.status, 0);
  assert.equal(all.warnings.filter((w) => /published demo key/.test(w)).length, 4);
  assert.equal(all.warnings.filter((w) => /written in clear/.test(w)).length, 4);
  assert.equal(all.warnings.filter((w) => /readable by everyone \(mode 0644\)/.test(w)).length, 1);

  const group = checkConfig(`keys:\n  - id: dora\n    key_sha256: "${sha256(fresh)}"\n`, 0o640);
  assert.equal(group.status, 0);
  assert.equal(group.warnings.length, 1);
  assert.match(group.warnings[0], /readable by its group \(mode 0640\)/);

  // An invalid file is still an error, not a warning.
  const bad = checkConfig('keys:\n  - id: dora\n', 0o600);
  assert.equal(bad.status, 1);
});

test('systemd units: systemd-analyze security rates each at most 2.5', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'acloud-units-'));
  try {
    copyFileSync(`${ROOT}/systemd/acloud-api.socket`, path.join(dir, 'acloud-api.socket'));
    for (const unit of ['acloud-api.service', 'acloud-scheduler.service', 'acloud-events.service']) {
      copyFileSync(`${BUILD}/systemd/${unit}`, path.join(dir, unit));
      // Offline: reads the unit file only, no running systemd needed.
      const r = spawnSync('systemd-analyze', ['security', '--offline=true', '--threshold=25', '--no-pager', unit],
        { cwd: dir, encoding: 'utf8' });
      assert.equal(r.error, undefined, 'systemd-analyze is installed (scripts/lib/common.sh)');
      const m = /Overall exposure level for \S+: (\d+\.\d+)/.exec(r.stdout);
      assert.ok(m, `${unit}: ${r.stdout.slice(-300)} ${r.stderr}`);
      console.log(`# ${unit}: exposure ${m[1]}`);
      assert.ok(Number(m[1]) <= 2.5, `${unit} rated ${m[1]}`);
      assert.equal(r.status, 0, `${unit}: --threshold=25`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
