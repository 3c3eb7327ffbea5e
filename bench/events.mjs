// bench/events.mjs: acloud-events' figures, run by bench/events.sh against
// a bench stack.
//
// 1. Latency from the committing transaction to the subscriber: one task
//    stream through nginx; 1 000 log lines, each INSERTed (autocommit) by a
//    psql session once the previous one has arrived; latency = arrival time
//    minus the row's `at` (the transaction's start, so the figure includes
//    the INSERT and its commit).  Same machine, same clock.  Measured twice:
//    with synchronous_commit on (the WAL flush of the commit counts) and
//    off (only the path from the commit to the subscriber).
// 2. Memory per idle subscriber: RSS of acloud-events (and of nginx's
//    workers) before and after N raw subscribers to GET /api/v1/events.
// The API is TLS only: base is the https address, and the stack's
// certificate comes in NODE_EXTRA_CA_CERTS (fetch) and is read for the raw
// subscribers.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import tls from 'node:tls';

const [base, key, pgSock, pgPort, state, nSubs = '2000'] = process.argv.slice(2);
const EVENTS = 1000;

const psql = spawn('runuser', ['-u', 'postgres', '--', 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1',
  '-h', pgSock, '-p', pgPort, '-d', 'acloud'], { stdio: ['pipe', 'inherit', 'inherit'] });
const sql = (s) => psql.stdin.write(`${s}\n`);

function micros(iso) { // "2025-05-01T12:00:01.123456Z" -> epoch microseconds
  const [whole, frac] = iso.replace('Z', '').split('.');
  return Date.parse(`${whole}Z`) * 1000 + Number((frac ?? '0').padEnd(6, '0'));
}
const nowMicros = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

async function latency(syncCommit) {
  const id = randomUUID();
  sql(`SET synchronous_commit = ${syncCommit ? 'on' : 'off'};`);
  sql(`BEGIN; INSERT INTO tasks (id, user_id, type, device_name, device_class, queue, priority, state)
       VALUES ('${id}', 'alice', 'run', 'bench', 'SIMULATOR', 'device:bench-${id}', 1, 'inprogress');
       INSERT INTO task_history (task_id, state) VALUES ('${id}', 'inprogress'); COMMIT;`);
  await new Promise((r) => setTimeout(r, 500));
  const res = await fetch(`${base}/api/v1/tasks/${id}/events`, {
    headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' },
  });
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const lat = [];
  let buf = '';
  let sent = 0;
  const next = () => { sent++; sql(`INSERT INTO task_log (task_id, line) VALUES ('${id}', 'bench ${sent}');`); };
  next();
  while (lat.length < EVENTS) {
    const { value, done } = await reader.read();
    if (done) throw new Error('stream closed');
    const now = nowMicros();
    buf += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      if (!block.includes('event: log')) continue;
      const data = JSON.parse(block.split('\n').find((l) => l.startsWith('data: ')).slice(6));
      lat.push((now - micros(data.at)) / 1000);
      if (sent < EVENTS) next();
    }
  }
  sql(`DELETE FROM tasks WHERE id = '${id}';`);
  await reader.cancel();
  lat.sort((a, b) => a - b);
  return { p50: pct(lat, 0.5), p99: pct(lat, 0.99), max: lat.at(-1) };
}

const rss = (pid) => Number(fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);
const children = (pid) => fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
  try { return fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')[1] === String(pid); } catch { return false; }
}).map(Number);

const CA = fs.readFileSync(process.env.NODE_EXTRA_CA_CERTS);

function subscriber(port) {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: CA });
    s.on('error', reject);
    s.on('secureConnect', () => s.write(`GET /api/v1/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${key}\r\n\r\n`));
    s.once('data', (d) => (String(d).startsWith('HTTP/1.1 200') ? resolve(s) : reject(new Error(String(d)))));
  });
}

async function memory(n) {
  const events = Number(fs.readFileSync(`${state}/run/acloud-events.pid`, 'utf8'));
  const nginx = Number(fs.readFileSync(`${state}/run/nginx.pid`, 'utf8'));
  const nginxRss = () => children(nginx).reduce((a, p) => a + rss(p), 0);
  const before = [rss(events), nginxRss()];
  const socks = [];
  for (let i = 0; i < n; i += 100) {
    socks.push(...await Promise.all(Array.from({ length: Math.min(100, n - i) }, () => subscriber(Number(new URL(base).port)))));
  }
  await new Promise((r) => setTimeout(r, 1000));
  const after = [rss(events), nginxRss()];
  for (const s of socks) s.destroy();
  return { subscribers: n, events_kib: (after[0] - before[0]) / n, nginx_kib: (after[1] - before[1]) / n };
}

const lat = await latency(true);
const latAsync = await latency(false);
const mem = await memory(Number(nSubs));
psql.stdin.end();
console.log(JSON.stringify({ latency_ms: lat, latency_async_commit_ms: latAsync, memory_per_subscriber: mem }));
