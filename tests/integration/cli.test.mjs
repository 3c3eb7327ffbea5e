// cli.test.mjs: acloud, the command-line client, against the test stack:
// the README life cycle with acloud only (its CSV equal to GET /result),
// an ODE file run in one command, every exit code from a real answer, the
// progress display under a pseudo-terminal, a server restart during
// `wait`, and the installed man page.  The key must never show in any
// output of acloud.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { api, KEYS, BASE, BUILD, ROOT, STATE, pidOf, sleep, waitFor } from './lib/api.mjs';

const ACLOUD = `${BUILD}/acloud`;
const LIMITED = 'ac_test_clilimited_666666666666';
const dir = mkdtempSync('/tmp/acloud-cli-');
after(() => rmSync(dir, { recursive: true, force: true }));

const ODE = `${dir}/oscillator.ode`;
writeFileSync(ODE, "# harmonic oscillator\nx' = -y\ny' = x\nx(0) = 0.5\nmeasure x, y\n");
const CIRCUIT = `${dir}/circuit.json`;
writeFileSync(CIRCUIT, JSON.stringify({
  '/0': { '/U': { outputs: [1, 0] }, '/C': { elements: [1, -1] }, '/I': { outputs: [[0], [1]] },
    '/M0': { elements: [{ k: 10000, ic: -0.5 }, { k: 10000, ic: 0 }] }, '/M1': {} },
  adc_channels: [0, 1],
}));

function envFor(key, extra = {}) {
  const env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: dir, ACLOUD_URL: BASE,
    ACLOUD_CA_FILE: process.env.NODE_EXTRA_CA_CERTS, ...extra };
  delete env.ACLOUD_PROFILE;
  if (key) env.ACLOUD_KEY = key; else delete env.ACLOUD_KEY;
  return env;
}

function noKeyIn(...texts) {
  for (const t of texts) for (const k of [...Object.values(KEYS), LIMITED]) assert.ok(!t.includes(k), 'acloud printed a key');
}

function cli(args, { key = KEYS.alice, env = {}, input } = {}) {
  const r = spawnSync(ACLOUD, args, { env: envFor(key, env), input, encoding: 'utf8', timeout: 180000 });
  noKeyIn(r.stdout, r.stderr);
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function parseCsv(text) {
  const lines = text.trimEnd().split('\n');
  return { header: lines[0], rows: lines.slice(1).map((l) => l.split(',').map(Number)) };
}

// The CSV holds exactly the numbers of GET /result, t = k / sample_rate.
function assertCsvIs(csvText, result, sampleRate) {
  const { header, rows } = parseCsv(csvText);
  assert.equal(header, ['t', ...result.map((_, c) => `ch${c}`)].join(','));
  assert.equal(rows.length, result[0].length);
  rows.forEach((row, k) => {
    assert.equal(row[0], k / sampleRate);
    result.forEach((ch, c) => assert.equal(row[c + 1], ch[k], `sample ${k} of channel ${c}`));
  });
}

test('the README life cycle with acloud only: compile -> run -> result; CSV equal to GET /result', async () => {
  const compiled = cli(['compile', ODE, '--backend', 'LUCIDAC', '--wait', '-o', `${dir}/osc.apb`, '--name', 'cli oscillator']);
  assert.equal(compiled.code, 0, compiled.err);
  const cid = compiled.out.trim();
  assert.match(cid, /^[0-9a-f-]{36}$/);
  assert.deepEqual(readFileSync(`${dir}/osc.apb`), (await api('GET', `/api/v1/tasks/${cid}/result`, { key: KEYS.alice })).buf);

  const created = cli(['run', '--compile-task', cid, '--device', 'sim-1', '--op-time', '0.001', '--sample-rate', '10000']);
  assert.equal(created.code, 0, created.err);
  const rid = created.out.trim();
  const waited = cli(['wait', rid, '--timeout', '60']);
  assert.equal(waited.code, 0, waited.err);
  assert.match(waited.err, new RegExp(`task ${rid}: succeeded`));

  const csv = cli(['result', rid]);
  assert.equal(csv.code, 0, csv.err);
  const result = (await api('GET', `/api/v1/tasks/${rid}/result`, { key: KEYS.alice })).json;
  assert.equal(result.length, 2);
  assertCsvIs(csv.out, result, 10000);
  const asJson = cli(['result', rid, '--format', 'json', '-o', `${dir}/r.json`]);
  assert.equal(asJson.code, 0);
  assert.deepEqual(JSON.parse(readFileSync(`${dir}/r.json`, 'utf8')), result);

  const status = cli(['status', rid]);
  assert.equal(status.code, 0);
  assert.match(status.out, /succeeded/);
  assert.deepEqual(JSON.parse(cli(['status', rid, '--json']).out).state, 'succeeded');
  assert.match(cli(['log', rid]).out, /running on device sim-1/);
  assert.ok(JSON.parse(cli(['tasks', '--json', '--limit', '5']).out).some((t) => t.id === rid));
  const found = JSON.parse(cli(['search', '--json', '--state', 'succeeded', '--type', 'run', '--device', 'sim-1']).out);
  assert.ok(found.items.some((t) => t.id === rid));
  assert.equal(cli(['delete', rid, cid]).code, 0);
  assert.equal(cli(['status', rid]).code, 4);
});

test('acloud run oscillator.ode --device sim-1 --wait: compile, run and CSV in one command', async () => {
  const r = cli(['run', ODE, '--device', 'sim-1', '--op-time', '0.001', '--wait']);
  assert.equal(r.code, 0, r.err);
  const { header, rows } = parseCsv(r.out);
  assert.equal(header, 't,ch0,ch1');
  assert.equal(rows.length, 10);
  assert.deepEqual(rows[0], [0, 0.5, 0]);
  assert.ok(Math.abs(rows[1][1] - 0.5 * Math.cos(1)) < 1e-5);
  // not a terminal: plain progress lines, the compile's and the run's
  assert.match(r.err, /: queued|: inprogress|: succeeded/);
  assert.ok(!r.err.includes('\x1b['), 'no terminal control codes when stderr is not a tty');
  // the JSON circuit and the APB file run the same way
  const j = cli(['run', CIRCUIT, '--device', 'sim-2', '--op-time', '0.001', '--wait', '--format', 'json', '--quiet']);
  assert.equal(j.code, 0, j.err);
  assert.equal(j.err, '', '--quiet prints nothing');
  const apb = cli(['run', `${ROOT}/tests/data/harmonic_pb.apb`, '--device', 'sim-2', '--op-time', '0.001', '--wait', '-q']);
  assert.equal(apb.code, 0, apb.err);
  assert.equal(parseCsv(apb.out).rows.length, 10);
});

test('exit codes from real answers: 0 1 2 3 4 5 6, errors worded as the server words them', async () => {
  assert.equal(cli(['me']).code, 0);
  // 2: usage, and a 422 printed as field: message lines
  assert.equal(cli(['run', ODE]).code, 2);
  assert.equal(cli(['frobnicate']).code, 2);
  const invalid = cli(['run', CIRCUIT, '--device', 'sim-1', '--op-time', '20']);
  assert.equal(invalid.code, 2);
  assert.match(invalid.err, /^op_time: Input should be less than or equal to 10$/m);
  // 3: key missing, unknown, disabled
  const missing = cli(['me'], { key: null });
  assert.equal(missing.code, 3);
  assert.match(missing.err, /no API key/);
  const unknown = cli(['me'], { key: 'ac_not_a_key_000000' });
  assert.equal(unknown.code, 3);
  assert.match(unknown.err, /^acloud: Invalid API key$/m);
  assert.equal(cli(['devices'], { key: KEYS.carol }).code, 3);
  const keyFile = `${dir}/key`;
  writeFileSync(keyFile, `${KEYS.bob}\n`);
  assert.equal(cli(['run', CIRCUIT, '--device', 'sim-3', '--key-file', keyFile], { key: null }).code, 3, 'device not in bob\'s list');
  // 4: unknown task, unknown device
  const gone = cli(['status', '00000000-0000-4000-8000-000000000000']);
  assert.equal(gone.code, 4);
  assert.match(gone.err, /^acloud: Task not found$/m);
  assert.equal(cli(['run', CIRCUIT, '--device', 'sim-9']).code, 4);
  // 5: rate limited, with when to retry
  assert.equal(cli(['run', CIRCUIT, '--device', 'sim-3', '--op-time', '0.001'], { key: LIMITED }).code, 0);
  const limited = cli(['run', CIRCUIT, '--device', 'sim-3', '--op-time', '0.001'], { key: LIMITED });
  assert.equal(limited.code, 5);
  assert.match(limited.err, /Rate limit exceeded for SIMULATOR: 1 run tasks per hour/);
  assert.match(limited.err, /retry in \d+ s/);
  // 1: the task failed on its device
  const failed = cli(['run', CIRCUIT, '--device', 'fail-1', '--op-time', '0.001', '--wait']);
  assert.equal(failed.code, 1, failed.err);
  assert.match(failed.err, /task [0-9a-f-]{36} failed/);
  assert.equal(failed.out, '');
  // 6: no server
  const down = cli(['me', '--url', 'https://127.0.0.1:9'], { env: { ACLOUD_URL: '' } });
  assert.equal(down.code, 6);
  assert.match(down.err, /cannot reach the server/);
  // TLS is verified: without the CA the self-signed certificate is refused; -k accepts it
  assert.equal(cli(['me'], { env: { ACLOUD_CA_FILE: '' } }).code, 6);
  assert.equal(cli(['me', '-k'], { env: { ACLOUD_CA_FILE: '' } }).code, 0);
});

test('profiles: acloud config set, the key read from stdin and never shown', () => {
  const env = { ACLOUD_URL: '', ACLOUD_CA_FILE: '' };
  assert.equal(cli(['config', 'set', 'url', BASE], { key: null, env }).code, 0);
  assert.equal(cli(['config', 'set', 'cacert', process.env.NODE_EXTRA_CA_CERTS], { key: null, env }).code, 0);
  assert.equal(cli(['config', 'set', 'key', KEYS.alice], { key: null, env }).code, 2, 'no key in argv');
  assert.equal(cli(['config', 'set', 'key'], { key: null, env, input: `${KEYS.alice}\n` }).code, 0);
  const show = cli(['config', 'show'], { key: null, env });
  assert.match(show.out, /key = \(set, not shown\)/);
  const me = cli(['me', '--json'], { key: null, env });
  assert.equal(me.code, 0, me.err);
  assert.equal(JSON.parse(me.out).id, 'alice');
  assert.equal(cli(['me', '-p', 'other'], { key: null, env }).code, 3);
  rmSync(`${dir}/acloud`, { recursive: true, force: true });
});

test('--wait on a terminal: one status line updated in place, state changes and log lines', () => {
  const cmd = `${ACLOUD} run ${ODE} --device sim-4 --op-time 5 --sample-rate 100 --wait -o ${dir}/pty.csv`;
  const r = spawnSync('script', ['-qfec', cmd, '/dev/null'], { env: envFor(KEYS.alice), encoding: 'utf8', timeout: 180000 });
  noKeyIn(r.stdout);
  assert.equal(r.status, 0, r.stdout);
  assert.ok(r.stdout.includes('\r\x1b[K'), 'the line is redrawn in place');
  for (const state of ['queued|inprogress', 'inprogress', 'succeeded']) assert.match(r.stdout, new RegExp(`task [0-9a-f]{8}: (${state})`));
  assert.match(r.stdout, /compiling for LUCIDAC/);
  assert.match(r.stdout, /running on device sim-4/);
  assert.match(r.stdout, /progress 50%/);
  assert.equal(parseCsv(readFileSync(`${dir}/pty.csv`, 'utf8')).rows.length, 500);
});

function startNginx() {
  execFileSync('nginx', ['-q', '-p', `${STATE}/nginx`, '-c', `${STATE}/nginx/nginx.conf`, '-e', `${STATE}/logs/nginx-error.log`]);
}

test('a server restart during wait is survived', async () => {
  const ids = [];
  for (let i = 0; i < 3; i++) {
    const r = cli(['run', CIRCUIT, '--device', 'sim-3', '--op-time', '10', '--sample-rate', '100', '-q']);
    assert.equal(r.code, 0, r.err);
    ids.push(r.out.trim());
  }
  const child = spawn(ACLOUD, ['wait', ids[2], '--timeout', '300'], { env: envFor(KEYS.alice) });
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  await sleep(300);
  const nginx = pidOf('nginx');
  process.kill(nginx, 'SIGTERM');
  try {
    await waitFor(async () => { try { process.kill(nginx, 0); return false; } catch { return true; } }, { timeout: 10000 });
    await assert.rejects(api('GET', '/health'), 'the server is really down');
    await sleep(2000);
    assert.equal(child.exitCode, null, 'wait still waits while the server is away');
  } finally {
    startNginx();
  }
  await waitFor(async () => (await api('GET', '/health')).status === 200, { timeout: 10000 });
  assert.equal(await exited, 0, err);
  noKeyIn(err);
  assert.match(err, new RegExp(`task ${ids[2]}: succeeded`));
});

test('make install puts acloud, its man page and bash completion in place; man acloud works', () => {
  const dest = `${dir}/destdir`;
  execFileSync('make', ['-C', BUILD, '-s', `DESTDIR=${dest}`, 'install-binPROGRAMS', 'install-man', 'install-dist_bashcompletionDATA'], { stdio: 'ignore' });
  const find = (name) => execFileSync('find', [dest, '-name', name], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  const [page] = find('acloud.1');
  assert.ok(page && page.includes('/man/man1/'), `man page installed: ${page}`);
  const text = execFileSync('man', ['-l', page], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '100' } });
  assert.match(text, /EXIT STATUS/);
  for (const code of [0, 1, 2, 3, 4, 5, 6]) assert.match(text, new RegExp(`^\\s+${code}\\s+\\S`, 'm'), `exit code ${code}`);
  assert.ok(find('acloud').some((p) => p.endsWith('/bin/acloud')));
  const [completion] = find('acloud').filter((p) => p.includes('bash-completion/completions'));
  assert.ok(completion, 'bash completion installed');
  const words = execFileSync('bash', ['-c', `source ${completion}; COMP_WORDS=(acloud ru); COMP_CWORD=1; _acloud; echo "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
  assert.equal(words.trim(), 'run');
});
