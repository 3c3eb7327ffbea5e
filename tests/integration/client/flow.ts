// tests/integration/client/flow.ts: a client written only from the OpenAPI
// document.  client.test.mjs generates `./api.d.ts` from the served
// /openapi.json with openapi-typescript, type-checks this file against it
// with tsc, and runs it against the stack:
//   compile (LUCIDAC) -> wait -> run the compiled circuit on sim-1 -> wait
//   -> download the measurement list and check it; then a batch of two runs
//   with tags and an Idempotency-Key (sent twice: one creation, the same
//   answer), found again by a tag search.
// Prints one JSON line with what it saw; exits non-zero on any failure.
import createClient from 'openapi-fetch';
import type { components, paths } from './api';

type TaskState = components['schemas']['TaskState'];
type MeasurementList = components['schemas']['MeasurementList'];

const BASE = process.env.ACLOUD_BASE_URL ?? 'https://127.0.0.1:8443';
const KEY = process.env.ACLOUD_API_KEY ?? '';
const DEVICE = process.env.ACLOUD_SIM_DEVICE ?? 'sim-1';
const TERMINAL: TaskState[] = ['succeeded', 'failed', 'cancelled'];

const client = createClient<paths>({ baseUrl: BASE, headers: { Authorization: `Bearer ${KEY}` } });

// x'' = -x with x(0) = 0.5: x(t) = 0.5 cos t, one time unit being 100 us.
const SOURCE = "# harmonic oscillator\nx' = -y\ny' = x\nx(0) = 0.5\nmeasure x, y\n";
const OP_TIME = 0.001;
const SAMPLE_RATE = 10000;

function fail(what: string, detail: unknown): never {
  throw new Error(`${what}: ${JSON.stringify(detail)}`);
}

async function waitTerminal(id: string, timeoutMs: number): Promise<TaskState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { data, error } = await client.GET('/api/v1/tasks/{task_id}/status', {
      params: { path: { task_id: id } },
    });
    if (!data) fail(`status of ${id}`, error);
    if (TERMINAL.includes(data.state)) return data.state;
    if (Date.now() > deadline) fail(`task ${id} not done in time`, data);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function taskLog(id: string): Promise<string> {
  const { data } = await client.GET('/api/v1/tasks/{task_id}/log', {
    params: { path: { task_id: id } }, parseAs: 'text',
  });
  return data ?? '';
}

async function main(): Promise<void> {
  const compiled = await client.POST('/api/v1/tasks/compile', {
    body: { backend: 'LUCIDAC', source: SOURCE, name: 'generated client: compile' },
  });
  if (compiled.response.status !== 201 || !compiled.data) fail('compile', compiled.error);
  const compileId = compiled.data.id;
  const compileState = await waitTerminal(compileId, 60000);
  if (compileState !== 'succeeded') fail(`compile ${compileState}`, await taskLog(compileId));

  const apb = await client.GET('/api/v1/tasks/{task_id}/result', {
    params: { path: { task_id: compileId } }, parseAs: 'arrayBuffer',
  });
  if (!apb.data || apb.data.byteLength === 0) fail('compile result', apb.error);

  const run = await client.POST('/api/v1/tasks/run', {
    body: {
      device_name: DEVICE, compile_task_id: compileId, op_time: OP_TIME,
      sample_rate: SAMPLE_RATE, name: 'generated client: run',
    },
  });
  if (run.response.status !== 201 || !run.data) fail('run', run.error);
  const runId = run.data.id;
  const runState = await waitTerminal(runId, 60000);
  if (runState !== 'succeeded') fail(`run ${runState}`, await taskLog(runId));

  const result = await client.GET('/api/v1/tasks/{task_id}/result', {
    params: { path: { task_id: runId } },
  });
  if (!result.data) fail('run result', result.error);
  const channels = result.data as MeasurementList;
  const samples = Math.round(OP_TIME * SAMPLE_RATE);
  if (channels.length !== 2) fail('channel count', channels.length);
  for (const ch of channels) if (ch.length !== samples) fail('sample count', ch.length);
  channels[0].forEach((v, k) => {
    if (Math.abs(v - 0.5 * Math.cos(k)) > 0.02) fail(`x at sample ${k}`, { got: v, want: 0.5 * Math.cos(k) });
  });

  const deleted = await client.DELETE('/api/v1/tasks/{task_id}', { params: { path: { task_id: runId } } });
  if (deleted.response.status !== 204) fail('delete', deleted.error);

  const sweep = `sweep-${compileId.slice(0, 8)}`;
  const runs: components['schemas']['RunTaskRequest'][] = [0.001, 0.002].map((opTime) => ({
    device_name: DEVICE, compile_task_id: compileId, op_time: opTime, sample_rate: SAMPLE_RATE,
    tags: [sweep, `op_time=${opTime}`],
  }));
  const idempotency = { 'Idempotency-Key': `flow-${sweep}` };
  const batch = await client.POST('/api/v1/tasks/batch', { body: { runs }, params: { header: idempotency } });
  if (batch.response.status !== 201 || !batch.data) fail('batch', batch.error);
  const again = await client.POST('/api/v1/tasks/batch', { body: { runs }, params: { header: idempotency } });
  if (!again.data || again.response.headers.get('Idempotent-Replayed') !== 'true') fail('batch replay', again.error);
  const batchIds = batch.data.tasks.map((t) => t.id);
  if (JSON.stringify(again.data.tasks.map((t) => t.id)) !== JSON.stringify(batchIds)) fail('replayed ids', again.data);
  const found = await client.POST('/api/v1/tasks/search', { body: { tags: [sweep], limit: 50, offset: 0 } });
  if (!found.data) fail('tag search', found.error);
  const foundIds = found.data.items.map((t) => t.id).sort();
  if (JSON.stringify(foundIds) !== JSON.stringify([...batchIds].sort())) fail('tag search ids', found.data);
  for (const id of batchIds) await waitTerminal(id, 60000);
  console.log(JSON.stringify({ compileId, runId, apbBytes: apb.data.byteLength, channels: channels.length, samples, batch: batchIds.length }));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
