// routes.test.mjs: the router's table and the OpenAPI document list the
// same operations, in both directions.  The event streams are routed by
// acloud-events (nginx sends them there), the rest by acloud-api.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { BUILD, SPEC } from './lib/api.mjs';
import { documentedRoutes } from './lib/openapi.mjs';

test('every routed operation is documented and every documented one is routed', () => {
  const routes = (program) => execFileSync(`${BUILD}/${program}`, ['-r'], { encoding: 'utf8' })
    .trim().split('\n').map((l) => l.trim());
  const routed = [...routes('acloud-api'), ...routes('acloud-events')].sort();
  const documented = documentedRoutes(SPEC).map((r) => `${r.method} ${r.path}`).sort();
  assert.ok(routed.length >= 15);
  assert.deepEqual(routed, documented);
});
