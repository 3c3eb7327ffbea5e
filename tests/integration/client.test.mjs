// tests/integration/client.test.mjs: proves the OpenAPI document is enough to
// write a client.  Fetches /openapi.json from the running stack, generates
// TypeScript types with openapi-typescript, type-checks client/flow.ts (an
// openapi-fetch client) against them with tsc, and runs it: compile -> wait
// -> run the compiled circuit on sim-1 -> wait -> download and check.
//
//   ACLOUD_BASE_URL=https://127.0.0.1:8443 ACLOUD_API_KEY=<demo key> \
//   [ACLOUD_CA_CERT=cert.pem] [ACLOUD_TEST_OUT=dir] \
//   node --test tests/integration/client.test.mjs
//
// Without ACLOUD_CA_CERT, TLS certificates are not verified (the dev stack's
// is self-signed).  Generated files go to ACLOUD_TEST_OUT/client.  Skips
// without ACLOUD_BASE_URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const testsDir = path.resolve(here, '..');
const BASE = process.env.ACLOUD_BASE_URL?.replace(/\/$/, '');
const KEY = process.env.ACLOUD_API_KEY;
const SKIP = !BASE || !KEY ? 'ACLOUD_BASE_URL and ACLOUD_API_KEY not set' : false;

function tlsEnv() {
  return process.env.ACLOUD_CA_CERT
    ? { NODE_EXTRA_CA_CERTS: process.env.ACLOUD_CA_CERT }
    : { NODE_TLS_REJECT_UNAUTHORIZED: '0' };
}

function run(cmd, args, opts = {}) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  } catch (e) {
    throw new Error(`${path.basename(args[0] ?? cmd)} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

function fetchSpec(outFile) {
  const script = `fetch(process.argv[1]).then(async (r) => {
    if (r.status !== 200) throw new Error('GET /openapi.json: ' + r.status);
    require('fs').writeFileSync(process.argv[2], Buffer.from(await r.arrayBuffer()));
  }).catch((e) => { console.error(e.message); process.exit(1); });`;
  run(process.execPath, ['-e', script, `${BASE}/openapi.json`, outFile],
    { env: { ...process.env, ...tlsEnv() } });
}

function prepareDir() {
  const out = path.join(process.env.ACLOUD_TEST_OUT
    ?? fs.mkdtempSync(path.join(os.tmpdir(), 'acloud-client-')), 'client');
  fs.mkdirSync(out, { recursive: true });
  const link = path.join(out, 'node_modules');
  if (!fs.existsSync(link)) fs.symlinkSync(path.join(testsDir, 'node_modules'), link);
  fs.copyFileSync(path.join(here, 'client', 'flow.ts'), path.join(out, 'flow.ts'));
  fs.writeFileSync(path.join(out, 'package.json'), '{"type": "module", "private": true}\n');
  fs.writeFileSync(path.join(out, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: 'ES2022', moduleResolution: 'bundler', strict: true,
      noUncheckedIndexedAccess: false, skipLibCheck: true, lib: ['ES2022', 'DOM'], types: ['node'],
      outDir: 'js', rootDir: '.',
    },
    files: ['flow.ts', 'api.d.ts'],
  }, null, 2));
  return out;
}

test('a client generated from /openapi.json compiles and runs a circuit', { skip: SKIP, timeout: 180000 }, () => {
  const out = prepareDir();
  fetchSpec(path.join(out, 'openapi.json'));
  run(process.execPath, [path.join(testsDir, 'node_modules', 'openapi-typescript', 'bin', 'cli.js'),
    path.join(out, 'openapi.json'), '-o', path.join(out, 'api.d.ts')]);
  run(process.execPath, [path.join(testsDir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', out]);
  const js = path.join(out, 'js', 'flow.js');
  assert.ok(fs.existsSync(js), 'tsc wrote flow.js');
  const line = run(process.execPath, [js], {
    env: { ...process.env, ...tlsEnv(), ACLOUD_BASE_URL: BASE, ACLOUD_API_KEY: KEY, NODE_NO_WARNINGS: '1' },
  }).trim().split('\n').pop();
  const seen = JSON.parse(line);
  assert.equal(seen.channels, 2);
  assert.ok(seen.apbBytes > 0);
  assert.equal(seen.batch, 2, 'a batch with tags and an Idempotency-Key, replayed once');
});
