// routes.test.mjs: the router's table and the OpenAPI document list the
// same operations, in both directions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { BUILD, SPEC } from './lib/api.mjs';
import { documentedRoutes } from './lib/openapi.mjs';

test('every routed operation is documented and every documented one is routed', () => {
  const routed = execFileSync(`${BUILD}/acloud-api`, ['-r'], { encoding: 'utf8' })
    .trim().split('\n').map((l) => l.trim()).sort();
  const documented = documentedRoutes(SPEC).map((r) => `${r.method} ${r.path}`).sort();
  assert.ok(routed.length >= 15);
  assert.deepEqual(routed, documented);
});
