// api.mjs: the integration tests' client for a running stack, and their
// handle on its PostgreSQL and processes.  The stack is started by
// scripts/dev test, which passes its coordinates in ACLOUD_TEST_* variables.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadSpec, findOperation, validateResponse } from './openapi.mjs';

export const BASE = process.env.ACLOUD_TEST_BASE ?? 'https://127.0.0.1:18443';
export const HTTP_BASE = process.env.ACLOUD_TEST_HTTP_BASE ?? 'http://127.0.0.1:18080';
export const STATE = process.env.ACLOUD_TEST_STATE ?? '.dev-test';
export const ROOT = process.env.ACLOUD_TEST_ROOT ?? '.';
export const BUILD = process.env.ACLOUD_TEST_BUILD ?? 'build';
// Whether the programs under test are the sanitizer build (ASan owns malloc,
// and its quarantine makes resident sizes meaningless).
export const SANITIZED = existsSync(`${BUILD}/acloud-api`) &&
  /asan|ubsan/.test(execFileSync('ldd', [`${BUILD}/acloud-api`], { encoding: 'utf8' }));
export const OUT = process.env.ACLOUD_TEST_OUT ?? `${STATE}/out`;
export const AUTH_FILE = process.env.ACLOUD_TEST_AUTH_FILE ?? `${STATE}/auth.yml`;
export const WORKERS = Number(process.env.ACLOUD_TEST_WORKERS ?? 2);

export const KEYS = {
  alice: 'ac_demo_alice_0123456789',
  bob: 'ac_demo_bob_9876543210',
  carol: 'ac_demo_carol_disabled_000',
  admin: 'ac_demo_admin_5555555555',
};

// Every answer to a documented operation is checked against the OpenAPI
// document (status, content type, schema, required headers), so the
// document cannot drift from the code.  Undocumented paths (404/405 tests)
// are not operations and are skipped.
const SPEC_PATH = process.env.OPENAPI_JSON ?? `${BUILD}/docs/openapi.json`;
export const SPEC = existsSync(SPEC_PATH) ? loadSpec(SPEC_PATH) : null;
if (!SPEC && process.env.ACLOUD_REQUIRE_ALL) throw new Error(`no OpenAPI document at ${SPEC_PATH}`);
export let checkedResponses = 0;

function checkAgainstSpec(method, path, res) {
  if (!SPEC) return;
  const bare = path.split('?')[0];
  try { findOperation(SPEC, method, bare); } catch { return; }
  const headers = Object.fromEntries(res.headers.entries());
  const body = res.json !== undefined ? res.json : (res.buf.length ? res.text : undefined);
  validateResponse(SPEC, method, bare, res.status, res.ctype, body, headers);
  checkedResponses++;
}

export async function api(method, path, { key, body, rawBody, headers = {}, base = BASE, unchecked = false } = {}) {
  const h = { ...headers };
  if (key) h.authorization = `Bearer ${key}`;
  let payload;
  if (rawBody !== undefined) payload = rawBody;
  else if (body !== undefined) { payload = JSON.stringify(body); h['content-type'] ??= 'application/json'; }
  const res = await fetch(base + path, { method, headers: h, body: payload });
  const buf = Buffer.from(await res.arrayBuffer());
  const ctype = res.headers.get('content-type') ?? '';
  let json;
  if (ctype.startsWith('application/json')) json = JSON.parse(buf.toString('utf8'));
  const out = { status: res.status, headers: res.headers, buf, text: buf.toString('utf8'), json, ctype };
  if (!unchecked) checkAgainstSpec(method, path, out);
  return out;
}

const pgSock = process.env.ACLOUD_TEST_PG_SOCK ?? `${STATE}/pg/sock`;
const pgPort = process.env.ACLOUD_TEST_PG_PORT ?? '54339';

// Runs SQL as the superuser and returns the unaligned, tuples-only output.
export function psql(sql, db = 'acloud') {
  return execFileSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', pgSock, '-p', pgPort,
    '-U', 'postgres', '-d', db, '-c', sql], { encoding: 'utf8' }).trim();
}

// The same without blocking the event loop: for tests whose requests must
// stay in flight (a blocked loop lets nginx time the connections out).
export function psqlAsync(sql, db = 'acloud') {
  return new Promise((resolve, reject) => {
    execFile('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', pgSock, '-p', pgPort,
      '-U', 'postgres', '-d', db, '-c', sql], { encoding: 'utf8' },
    (err, out) => (err ? reject(err) : resolve(out.trim())));
  });
}

export function pgCtl(action) {
  execFileSync('runuser', ['-u', 'postgres', '--', '/usr/lib/postgresql/15/bin/pg_ctl', '-D', `${STATE}/pg/data`,
    '-w', '-t', '60', '-l', `${STATE}/logs/postgres.log`, '-m', 'fast',
    '-o', `-p ${pgPort} -k ${pgSock} -c listen_addresses=127.0.0.1 -c max_connections=200`, action],
  { stdio: 'ignore' });
}

export function pidOf(name) {
  return Number(readFileSync(`${STATE}/run/${name}.pid`, 'utf8').trim());
}

export function childrenOf(pid) {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch { return []; }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(fn, { timeout = 10000, interval = 50 } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(interval);
  }
}
