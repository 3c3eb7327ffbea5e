// tests/integration/openapi.test.mjs: self-test of the OpenAPI document and
// of the validator in lib/openapi.mjs (node:test; no server needed).
//
//   OPENAPI_JSON=/path/to/openapi.json node --test tests/integration/openapi.test.mjs
//
// Checks that the document lists exactly the routes of the API, that every
// example in it validates against its schema, and that the validator rejects
// what it must (undocumented status or content type, wrong bodies, headers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  loadSpec, validateResponse, validateRequestBody, documentedRoutes, findOperation, schemaErrors,
} from './lib/openapi.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const specPath = process.env.OPENAPI_JSON ?? path.join(root, 'docs', 'openapi.json');
const spec = loadSpec(specPath);

const EXPECTED_ROUTES = [
  'GET /health',
  'GET /api/v1/system/status',
  'GET /api/v1/users/me',
  'GET /api/v1/devices',
  'GET /api/v1/devices/{device_name}/entity',
  'POST /api/v1/tasks/compile',
  'POST /api/v1/tasks/run',
  'POST /api/v1/tasks/batch',
  'GET /api/v1/tasks',
  'POST /api/v1/tasks/search',
  'GET /api/v1/tasks/{task_id}',
  'GET /api/v1/tasks/{task_id}/status',
  'GET /api/v1/tasks/{task_id}/log',
  'GET /api/v1/tasks/{task_id}/result',
  'POST /api/v1/tasks/{task_id}/cancel',
  'DELETE /api/v1/tasks/{task_id}',
  'GET /api/v1/tasks/{task_id}/events',
  'GET /api/v1/events',
  'GET /api/v1/devices/{device_name}',
  'PUT /api/v1/devices/{device_name}/maintenance',
  'POST /api/v1/devices/{device_name}/session',
  'POST /api/v1/reservations',
  'GET /api/v1/reservations',
  'GET /api/v1/reservations/{reservation_id}',
  'DELETE /api/v1/reservations/{reservation_id}',
  'GET /metrics',
];

const TASK_ID = '0b7e6a52-9f3c-4a8e-8d21-5c6f7a8b9c0d';
const SUMMARY = {
  id: TASK_ID,
  type: 'run',
  state: 'queued',
  name: null,
  device_name: 'sim-1',
  device_class: 'SIMULATOR',
  created_at: '2025-05-01T12:00:01.123456Z',
  updated_at: '2025-05-01T12:00:01.123456Z',
  tags: [],
};

function operations() {
  return documentedRoutes(spec).map(({ method, path: p }) => ({
    method, path: p, op: spec.paths[p][method.toLowerCase()],
  }));
}

function deref(obj) {
  while (obj?.$ref) {
    obj = obj.$ref.slice(2).split('/').reduce((o, k) => o[k.replace(/~1/g, '/')], spec);
  }
  return obj;
}

function mediaExamples(media) {
  const out = [];
  if ('example' in media) out.push(['example', media.example]);
  for (const [name, ex] of Object.entries(media.examples ?? {})) out.push([name, deref(ex).value]);
  return out;
}

test('documentedRoutes lists exactly the 26 operations of the API', () => {
  const got = documentedRoutes(spec).map((r) => `${r.method} ${r.path}`).sort();
  assert.deepEqual(got, [...EXPECTED_ROUTES].sort());
});

test('operation ids are unique snake_case; servers are relative', () => {
  const ids = operations().map((o) => o.op.operationId);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
  assert.deepEqual(spec.servers.map((s) => s.url), ['/']);
});

test('bearer auth everywhere but /health, and every authenticated operation documents 403', () => {
  assert.equal(spec.components.securitySchemes.bearerAuth.scheme, 'bearer');
  assert.deepEqual(spec.security, [{ bearerAuth: [] }]);
  for (const { method, path: p, op } of operations()) {
    if (p === '/health') {
      assert.deepEqual(op.security, [], 'health needs no auth');
    } else {
      assert.equal(op.security, undefined, `${method} ${p} overrides security`);
      assert.ok(op.responses['403'], `${method} ${p} lacks 403`);
    }
  }
});

test('every {task_id} operation documents 404 and 422', () => {
  for (const { method, path: p, op } of operations()) {
    if (!p.includes('{task_id}')) continue;
    assert.ok(op.responses['404'] && op.responses['422'], `${method} ${p}`);
  }
});

test('every response example validates against its schema', () => {
  let checked = 0;
  for (const { method, path: p, op } of operations()) {
    for (const [status, ref] of Object.entries(op.responses)) {
      const response = deref(ref);
      for (const [mediaType, media] of Object.entries(response.content ?? {})) {
        for (const [name, value] of mediaExamples(media)) {
          assert.doesNotThrow(() => validateResponse(spec, method, p, Number(status), mediaType, value),
            `${method} ${p} ${status} ${mediaType} example ${name}`);
          checked++;
        }
      }
    }
  }
  assert.ok(checked >= 30, `only ${checked} response examples`);
});

test('every request example validates against its schema', () => {
  let checked = 0;
  for (const { method, path: p, op } of operations()) {
    for (const [mediaType, media] of Object.entries(deref(op.requestBody)?.content ?? {})) {
      for (const [name, value] of mediaExamples(media)) {
        assert.doesNotThrow(() => validateRequestBody(spec, method, p, mediaType, value),
          `${method} ${p} request example ${name}`);
        checked++;
      }
    }
  }
  assert.ok(checked >= 5, `only ${checked} request examples`);
});

test('schema examples validate', () => {
  let checked = 0;
  for (const [name, schema] of Object.entries(spec.components.schemas)) {
    for (const value of schema.examples ?? []) {
      assert.deepEqual(schemaErrors(spec, name, value), [], `schema ${name}`);
      checked++;
    }
  }
  assert.ok(checked >= 1);
});

test('parameter and header examples match their schemas', async () => {
  const { default: Ajv2020 } = await import('ajv/dist/2020.js');
  const { default: addFormats } = await import('ajv-formats');
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  const things = [
    ...Object.values(spec.components.parameters),
    ...operations().flatMap((o) => o.op.parameters ?? []),
    ...Object.values(spec.components.headers),
    ...operations().flatMap((o) => Object.values(o.op.responses).flatMap((r) => Object.values(deref(r).headers ?? {}))),
  ].map(deref).filter((t) => 'example' in t);
  assert.ok(things.length >= 5);
  for (const t of things) {
    assert.ok(ajv.validate(t.schema, t.example), `${t.name ?? t.description}: ${ajv.errorsText()}`);
  }
});

test('validateResponse accepts good responses and resolves concrete paths', () => {
  assert.equal(validateResponse(spec, 'get', '/health', 200, 'application/json', { status: 'healthy', database: true }).operationId, 'get_health');
  assert.equal(validateResponse(spec, 'GET', `/api/v1/tasks/${TASK_ID}`, 404, 'application/json; charset=utf-8', '{"detail":"Task not found"}').operationId, 'get_task');
  assert.equal(findOperation(spec, 'POST', '/api/v1/tasks/search').operation.operationId, 'search_tasks');
  assert.equal(findOperation(spec, 'GET', `/api/v1/tasks/${TASK_ID}/status?x=1`).operation.operationId, 'get_task_status');
  validateResponse(spec, 'GET', '/api/v1/tasks?limit=1', 200, 'application/json', [SUMMARY], { 'X-Total-Count': '7' });
  validateResponse(spec, 'DELETE', `/api/v1/tasks/${TASK_ID}`, 204, null, '');
  validateResponse(spec, 'GET', `/api/v1/tasks/${TASK_ID}/log`, 200, 'text/plain; charset=utf-8', 'line one\n');
  validateResponse(spec, 'GET', `/api/v1/tasks/${TASK_ID}/result`, 200, 'application/octet-stream', new Uint8Array([1, 2]));
  validateResponse(spec, 'GET', `/api/v1/tasks/${TASK_ID}/result`, 200, 'application/json', [[0.5, 0.25], [0, 1e-3]]);
  validateResponse(spec, 'POST', '/api/v1/tasks/run', 429, 'application/json', { detail: 'limit' }, new Headers({ 'retry-after': '12' }));
  validateResponse(spec, 'POST', '/api/v1/tasks/run', 422, 'application/json',
    { detail: [{ loc: ['body', 'op_time'], msg: 'too big', type: 'less_than_equal', input: 11 }] });
});

test('validateResponse rejects what is not documented or does not match', () => {
  const throwsWith = (fn, re) => assert.throws(fn, (e) => { assert.match(e.message, re); return true; });
  throwsWith(() => validateResponse(spec, 'GET', '/health', 404, 'application/json', { detail: 'x' }),
    /GET \/health \(get_health\): status 404 is not documented \(documented: 200, 503\)/);
  throwsWith(() => validateResponse(spec, 'GET', '/nope', 200, 'application/json', {}), /no such operation/);
  throwsWith(() => validateResponse(spec, 'PUT', '/health', 200, 'application/json', {}), /no such operation/);
  throwsWith(() => validateResponse(spec, 'GET', '/health', 200, 'text/html', '<html>'),
    /content type 'text\/html' is not documented/);
  throwsWith(() => validateResponse(spec, 'GET', '/health', 200, 'application/json', { status: 'fine', database: true }),
    /\/status must be equal to one of the allowed values/);
  const { id, ...noId } = SUMMARY;
  assert.ok(id);
  throwsWith(() => validateResponse(spec, 'GET', '/api/v1/tasks', 200, 'application/json', [noId], { 'X-Total-Count': '1' }),
    /\/0 must have required property 'id'/);
  throwsWith(() => validateResponse(spec, 'GET', '/api/v1/tasks', 200, 'application/json', [SUMMARY], {}),
    /required header X-Total-Count is missing/);
  throwsWith(() => validateResponse(spec, 'GET', '/api/v1/tasks', 200, 'application/json', [{ ...SUMMARY, created_at: 'yesterday' }], { 'X-Total-Count': '1' }),
    /must match format "date-time"/);
  throwsWith(() => validateResponse(spec, 'POST', '/api/v1/tasks/run', 429, 'application/json', { detail: 'x' }, {}),
    /Retry-After is missing/);
  throwsWith(() => validateResponse(spec, 'DELETE', `/api/v1/tasks/${TASK_ID}`, 204, null, '{}'), /documented without a body/);
  throwsWith(() => validateResponse(spec, 'GET', '/api/v1/users/me', 200, 'application/json', '{oops'), /body is not JSON/);
  throwsWith(() => validateResponse(spec, 'POST', '/api/v1/tasks/run', 422, 'application/json', { detail: 'bad' }),
    /\/detail must be array/);
});

test('request schemas forbid unknown fields and demand exactly one circuit source', () => {
  const run = { device_name: 'sim-1', compile_task_id: TASK_ID };
  validateRequestBody(spec, 'POST', '/api/v1/tasks/run', 'application/json', run);
  assert.throws(() => validateRequestBody(spec, 'POST', '/api/v1/tasks/run', 'application/json', { ...run, circuit_apb: 'AAAA' }));
  assert.throws(() => validateRequestBody(spec, 'POST', '/api/v1/tasks/run', 'application/json', { device_name: 'sim-1' }));
  assert.throws(() => validateRequestBody(spec, 'POST', '/api/v1/tasks/run', 'application/json', { ...run, extra: 1 }));
  assert.throws(() => validateRequestBody(spec, 'POST', '/api/v1/tasks/run', 'application/json', { ...run, op_time: 0 }));
  assert.throws(() => validateRequestBody(spec, 'POST', '/api/v1/tasks/run', 'application/json', { ...run, sample_rate: 1000001 }));
  validateRequestBody(spec, 'POST', '/api/v1/tasks/search', 'application/json', {});
  assert.throws(() => validateRequestBody(spec, 'POST', '/api/v1/tasks/search', 'application/json', { owner: 'x' }));
  assert.throws(() => validateRequestBody(spec, 'POST', '/api/v1/tasks/search', 'application/json', { limit: 0 }));
  assert.throws(() => validateRequestBody(spec, 'POST', '/api/v1/tasks/compile', 'application/json', { backend: 'LUCIDAC' }));
  assert.throws(() => validateRequestBody(spec, 'GET', '/api/v1/tasks', 'application/json', {}), /takes no body/);
});

test('the lucipy Lorenz circuit fixture is a valid Circuit', { skip: !fs.existsSync(path.join(root, '..', 'shared', 'fixtures', 'circuits', 'lorenz_config.json')) }, () => {
  const circuit = JSON.parse(fs.readFileSync(path.join(root, '..', 'shared', 'fixtures', 'circuits', 'lorenz_config.json'), 'utf8'));
  assert.deepEqual(schemaErrors(spec, 'Circuit', circuit), []);
  assert.deepEqual(schemaErrors(spec, 'Circuit', { ...circuit, adc_channels: [0, 1, 2, null] }), []);
  assert.notDeepEqual(schemaErrors(spec, 'Circuit', { ...circuit, adc_channels: [16] }), []);
  assert.notDeepEqual(schemaErrors(spec, 'Circuit', { '/0': { ...circuit['/0'], '/C': { elements: [2] } } }), []);
  assert.notDeepEqual(schemaErrors(spec, 'Circuit', { '/3': circuit['/0'] }), []);
});
