// spawn.test.mjs: acloud-api as a spawned FastCGI application, the way a
// web server in shared hosting starts it: spawn-fcgi creates the listening
// socket and execs acloud-api with it on fd 0; cgi-fcgi (libfcgi's own
// client) sends real FastCGI requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { BUILD, STATE, KEYS, childrenOf, sleep, waitFor } from './lib/api.mjs';

function fcgi(sock, env) {
  const out = execFileSync('cgi-fcgi', ['-bind', '-connect', sock], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  const [head, ...body] = out.split('\r\n\r\n');
  return { status: Number(/^Status: (\d+)/m.exec(head)?.[1]), head, body: body.join('\r\n\r\n') };
}

test('spawned by a web server with the socket on fd 0: serves, restarts workers, stops on SIGTERM', async () => {
  const sock = `${STATE}/run/spawned.sock`;
  rmSync(sock, { force: true });
  const child = spawn('spawn-fcgi', ['-s', sock, '-n', '--', `${BUILD}/acloud-api`, '-c', `${STATE}/etc/acloud.yml`, '-w', '2'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  try {
    // the master's start-up line may reach us after its workers exist
    await waitFor(() => existsSync(sock) && childrenOf(child.pid).length === 2 && /listening/.test(stderr), { timeout: 10000 });
    assert.match(stderr, /listening on inherited fd 0 with 2 workers/);
    const health = fcgi(sock, { REQUEST_METHOD: 'GET', DOCUMENT_URI: '/health' });
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body), { status: 'healthy', database: true });
    const me = fcgi(sock, { REQUEST_METHOD: 'GET', REQUEST_URI: '/api/v1/users/me', HTTP_AUTHORIZATION: `Bearer ${KEYS.alice}` });
    assert.equal(me.status, 200);
    assert.equal(JSON.parse(me.body).id, 'alice');
    const denied = fcgi(sock, { REQUEST_METHOD: 'GET', REQUEST_URI: '/api/v1/users/me?x=1' });
    assert.equal(denied.status, 403);

    const [first] = childrenOf(child.pid);
    process.kill(first, 'SIGKILL');
    await waitFor(() => { const c = childrenOf(child.pid); return c.length === 2 && !c.includes(first); }, { timeout: 5000 });
    assert.equal(fcgi(sock, { REQUEST_METHOD: 'GET', DOCUMENT_URI: '/health' }).status, 200);

    const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await sleep(50);
  }
  assert.match(stderr, /stopped/);
});

// A TCP listener, inherited on fd 0 (spawn-fcgi -a/-p) or opened from
// `api.listen`: what an API host behind a front nginx uses.
async function serveTcp(args, port, expectListening) {
  const child = spawn(args[0], args.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  try {
    await waitFor(() => childrenOf(child.pid).length >= 2 && expectListening.test(stderr), { timeout: 10000 });
    const health = fcgi(`127.0.0.1:${port}`, { REQUEST_METHOD: 'GET', DOCUMENT_URI: '/health' });
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body), { status: 'healthy', database: true });
    const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await sleep(50);
  }
}

test('spawned with an inherited TCP socket on fd 0: serves FastCGI over TCP', async () => {
  const port = 20000 + (process.pid % 20000);
  await serveTcp(['spawn-fcgi', '-a', '127.0.0.1', '-p', String(port), '-n', '--', `${BUILD}/acloud-api`,
    '-c', `${STATE}/etc/acloud.yml`, '-w', '2'], port, /listening on inherited fd 0 with 2 workers/);
});

test('api.listen in acloud.yml: listens on that TCP address with the configured backlog', async () => {
  const port = 20001 + (process.pid % 20000);
  const config = `${STATE}/etc/acloud-tcp.yml`;
  const base = readFileSync(`${STATE}/etc/acloud.yml`, 'utf8');
  writeFileSync(config, base.replace(/^api:\n/m, `api:\n  listen: "127.0.0.1:${port}"\n  backlog: 16\n`));
  try {
    await serveTcp([`${BUILD}/acloud-api`, '-c', config, '-w', '2'], port,
      new RegExp(`listening on 127\\.0\\.0\\.1:${port} with 2 workers`));
  } finally {
    rmSync(config, { force: true });
  }
});
