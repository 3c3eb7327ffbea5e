// tests/integration/docs-ui.test.mjs: the docs UIs in a real browser
// (node:test + playwright-core driving Debian's chromium).
//
//   ACLOUD_BASE_URL=https://127.0.0.1:8443 ACLOUD_API_KEY=<demo key> \
//   ACLOUD_TEST_OUT=/tmp/out node --test tests/integration/docs-ui.test.mjs
//
// Opens /api/docs through nginx, authorizes with the key in Swagger UI's
// Authorize dialog, runs "Try it out" on GET /api/v1/users/me and checks the
// 200 profile (validated against the OpenAPI document); opens /api/redoc and
// checks that it lists every operation.  Screenshots go to ACLOUD_TEST_OUT
// (default: a new directory under /tmp).  Skips without ACLOUD_BASE_URL or
// without chromium (CHROMIUM, default /usr/bin/chromium).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { documentedRoutes, loadSpec, validateResponse } from './lib/openapi.mjs';

const BASE = process.env.ACLOUD_BASE_URL?.replace(/\/$/, '');
const KEY = process.env.ACLOUD_API_KEY;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SKIP = !BASE || !KEY ? 'ACLOUD_BASE_URL and ACLOUD_API_KEY not set'
  : !fs.existsSync(CHROMIUM) ? `${CHROMIUM} not installed` : false;
const TIMEOUT = 30000;

let context;
let profileDir;
let outDir;

before(async () => {
  if (SKIP) return;
  outDir = process.env.ACLOUD_TEST_OUT ?? fs.mkdtempSync(path.join(os.tmpdir(), 'acloud-docs-ui-'));
  fs.mkdirSync(outDir, { recursive: true });
  profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'acloud-chromium-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 1000 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await context?.close();
  if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
  if (outDir) console.log(`# screenshots in ${outDir}`);
});

// The docs pages run under a strict Content-Security-Policy (nginx): every
// violation Chromium reports on the console is collected, and a page that
// needed something the policy refuses fails its test.
// One refusal is wanted: ReDoc's "powered by" logo is an image on
// cdn.redoc.ly, and the docs make no requests to other sites.
const WANTED_REFUSALS = [/^Loading the image 'https:\/\/cdn\.redoc\.ly\/[^']*' violates .*"img-src /];

function watchCsp(page) {
  const violations = [];
  page.on('console', (msg) => {
    const text = msg.text();
    if (/Content Security Policy/i.test(text) && !WANTED_REFUSALS.some((re) => re.test(text))) violations.push(text);
  });
  return violations;
}

async function fetchSpec(page) {
  const res = await page.request.get(`${BASE}/openapi.json`);
  assert.equal(res.status(), 200);
  const file = path.join(outDir, 'openapi.json');
  fs.writeFileSync(file, await res.body());
  return loadSpec(file);
}

test('Swagger UI at /api/docs authorizes and runs GET /api/v1/users/me', { skip: SKIP }, async () => {
  const page = await context.newPage();
  const violations = watchCsp(page);
  const spec = await fetchSpec(page);
  await page.goto(`${BASE}/api/docs`);
  await page.waitForSelector('.opblock', { timeout: TIMEOUT });
  assert.equal(await page.locator('.opblock').count(), documentedRoutes(spec).length);

  await page.click('.auth-wrapper button.authorize');
  await page.fill('.auth-container input', KEY);
  await page.click('.auth-btn-wrapper button.authorize');
  await page.click('.auth-btn-wrapper button.btn-done');
  await page.screenshot({ path: path.join(outDir, 'swagger-authorized.png') });

  const op = page.locator('#operations-users-get_users_me');
  await op.locator('.opblock-summary').first().click();
  const wanted = op.locator('button.execute');
  await wanted.waitFor({ timeout: TIMEOUT });
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/v1/users/me'), { timeout: TIMEOUT }),
    wanted.click(),
  ]);
  assert.equal(response.status(), 200, 'the API answered the browser with 200');
  const status = op.locator('.live-responses-table tr.response td.response-col_status').first();
  await status.waitFor({ timeout: TIMEOUT });
  assert.match(await status.innerText(), /^\s*200/);
  const bodyText = await op.locator('.live-responses-table tr.response td.response-col_description pre').first().innerText();
  const profile = JSON.parse(bodyText);
  validateResponse(spec, 'GET', '/api/v1/users/me', 200, 'application/json', profile);
  assert.equal(typeof profile.id, 'string');
  await op.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(outDir, 'swagger-users-me.png'), fullPage: false });
  assert.deepEqual(violations, [], 'no Content-Security-Policy violations');
  await page.close();
});

test('ReDoc at /api/redoc lists every operation', { skip: SKIP }, async () => {
  const page = await context.newPage();
  const violations = watchCsp(page);
  const spec = await fetchSpec(page);
  await page.goto(`${BASE}/api/redoc`);
  await page.waitForSelector('[data-section-id^="operation/"]', { timeout: TIMEOUT });
  const ids = await page.locator('[data-section-id^="operation/"]').evaluateAll(
    (els) => els.map((e) => e.getAttribute('data-section-id')));
  const expected = documentedRoutes(spec).map((r) => `operation/${spec.paths[r.path][r.method.toLowerCase()].operationId}`);
  assert.deepEqual([...new Set(ids)].sort(), expected.sort());
  await page.screenshot({ path: path.join(outDir, 'redoc.png') });
  assert.deepEqual(violations, [], 'no Content-Security-Policy violations');
  await page.close();
});
