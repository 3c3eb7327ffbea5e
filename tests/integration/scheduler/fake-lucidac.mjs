// A fake LUCIDAC for the scheduler tests: the JSON-lines protocol of
// contract section 7 with lucipy Emulation's quirks (start_run reply
// without id, rows of 8 values whatever num_channels says), plus modes that
// misbehave on purpose.  Prints its port on stdout, logs every request
// type to LOGFILE.
//   node fake-lucidac.mjs MODE LOGFILE
// MODE: good | drop | garbage | silent | error | runerror | hang | slow
import fs from 'node:fs';
import net from 'node:net';

const [mode, logfile] = process.argv.slice(2);
const mac = '04-E9-E5-14-74-BF';
const note = (s) => fs.appendFileSync(logfile, s + '\n');

function session(sock) {
  let buf = '';
  const send = (o) => { if (!sock.destroyed) sock.write(JSON.stringify(o) + '\n'); };
  const reply = (m, msg) => send({ id: m.id, type: m.type, code: 0, msg });
  const error = (m, text) => send({ id: m.id, type: m.type, code: -2, error: text, msg: {} });

  function run(m) {
    const cfg = m.msg.config, daq = m.msg.daq_config, runId = m.msg.id;
    const n = Math.round((cfg.op_time / 1e9) * daq.sample_rate);
    const rows = Array.from({ length: n }, (_, k) => Array.from({ length: 8 }, (_, c) => c + k / 1000));
    const data = (chunk) => send({ type: 'run_data', msg: { id: runId, entity: [mac, '0'], data: chunk } });
    send({ type: 'start_run', msg: {}, code: 0 });
    switch (mode) {
      case 'garbage': sock.write('this is not json\n'); return;
      case 'runerror': send({ type: 'run_state_change', msg: { id: runId, old: 'NEW', new: 'ERROR' } }); return;
      case 'drop': data(rows.slice(0, 1)); setTimeout(() => sock.destroy(), 50); return;
      case 'hang': return;
      case 'slow': {
        const t = setInterval(() => data([rows[0]]), 200);
        sock.on('close', () => clearInterval(t));
        return;
      }
    }
    send({ type: 'log', msg: 'run starting' });
    for (let i = 0; i < n; i += 100) data(rows.slice(i, i + 100));
    send({ type: 'run_state_change', msg: { id: runId, t: 0, old: 'OP', new: 'DONE' } });
  }

  function handle(line) {
    let m;
    try { m = JSON.parse(line); } catch { note('unparsable ' + line); return; }
    note(m.type);
    switch (m.type) {
      case 'get_entities': return reply(m, { entities: { [mac]: { '/0': { class: 1 } } } });
      case 'ping': return error(m, 'ping is not supported');
      case 'set_circuit':
        if (mode === 'silent') return;
        if (mode === 'error') return error(m, 'circuit rejected: lane 40 does not exist');
        if (!Array.isArray(m.msg.entity) || m.msg.entity[0] !== mac) return error(m, 'wrong carrier');
        if (typeof m.msg.config !== 'object') return error(m, 'no config');
        return reply(m, {});
      case 'start_run': return run(m);
      case 'stop_run': note('stopped'); sock.destroy(); return;
      default: return error(m, 'unknown type');
    }
  }

  sock.setEncoding('utf8');
  sock.on('error', () => {});
  sock.on('data', (d) => {
    buf += d;
    for (let i; (i = buf.indexOf('\n')) >= 0;) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      handle(line);
    }
  });
}

const server = net.createServer(session);
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\n'));
