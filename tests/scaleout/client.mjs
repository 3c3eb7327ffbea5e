// client.mjs: the client host of tests/scaleout and bench/scaleout.sh.
// Sends COUNT run-task creations (POST /api/v1/tasks/run) through the
// front host with CONCURRENCY requests in flight, and writes one line per
// request to OUT as it ends: "seq status task_id start_s end_s" (status 0:
// no HTTP answer; task_id "-" without a 201).  Bounded in count and time:
// it stops sending after MAX_SECONDS, and every request has a 10 s timeout.
// Each run's input is unique (an integrator's initial condition taken from
// OFFSET + seq), so the command device can count executions per input.
//   node client.mjs BASE KEY COUNT CONCURRENCY MAX_SECONDS OFFSET OUT DEVICES
import https from 'node:https';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';

const [base, key, countArg, concArg, maxArg, offsetArg, out, devicesArg] = process.argv.slice(2);
const count = Number(countArg);
const concurrency = Number(concArg);
const deadline = Date.now() + Number(maxArg) * 1000;
const offset = Number(offsetArg);
const devices = devicesArg.split(',');
const url = new URL('/api/v1/tasks/run', base);
const agent = new https.Agent({ keepAlive: true, maxSockets: concurrency,
  ca: process.env.ACLOUD_CA_CERT ? readFileSync(process.env.ACLOUD_CA_CERT) : undefined });
const BACKOFF_MS = 100; // after a failure, so an outage does not eat the whole budget

function body(seq) {
  const ic = (offset + seq + 1) * 1e-6;
  const elements = [{ k: 10000, ic }, ...Array(7).fill({ k: 10000, ic: 0 })];
  return JSON.stringify({
    device_name: devices[seq % devices.length], op_time: 0.001, sample_rate: 1000,
    circuit: { '/0': { '/M0': { elements }, '/M1': {} }, adc_channels: [0] },
  });
}

function post(seq) {
  const data = body(seq);
  return new Promise((resolve) => {
    const start = Date.now();
    const req = https.request(url, {
      method: 'POST', agent, timeout: 10000,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json',
        'content-length': Buffer.byteLength(data) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let id = '-';
        if (res.statusCode === 201) {
          try { id = JSON.parse(text).id; } catch { id = '-'; }
        }
        resolve({ seq, status: res.statusCode, id, start, end: Date.now() });
      });
      res.on('error', () => resolve({ seq, status: 0, id: '-', start, end: Date.now() }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ seq, status: 0, id: '-', start, end: Date.now() }));
    req.end(data);
  });
}

let next = 0;
async function lane() {
  while (next < count && Date.now() < deadline) {
    const r = await post(next++);
    appendFileSync(out, `${r.seq} ${r.status} ${r.id} ${r.start / 1000} ${r.end / 1000}\n`);
    if (r.status !== 201) await new Promise((ok) => setTimeout(ok, BACKOFF_MS));
  }
}

writeFileSync(out, '');
const t0 = Date.now();
await Promise.all(Array.from({ length: concurrency }, lane));
agent.destroy();
process.stdout.write(`sent ${next} in ${((Date.now() - t0) / 1000).toFixed(2)} s\n`);
