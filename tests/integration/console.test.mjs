// console.test.mjs: the web console at /console/ in headless Chromium
// (playwright-core driving Debian's chromium, as docs-ui.test.mjs does),
// under a strict Content-Security-Policy the test imposes on every page.
//
// Enters the demo key, submits the harmonic oscillator ODE, sees it
// compile, runs the compiled circuit on a simulator, sees the states
// change without a reload, sees the plot drawn, downloads the CSV and
// compares it with GET /result.  Screenshots of each step go to
// ACLOUD_TEST_OUT.  Skips without ACLOUD_BASE_URL or chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const BASE = process.env.ACLOUD_BASE_URL?.replace(/\/$/, '');
const KEY = process.env.ACLOUD_API_KEY;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SKIP = !BASE || !KEY ? 'ACLOUD_BASE_URL and ACLOUD_API_KEY not set'
  : !fs.existsSync(CHROMIUM) ? `${CHROMIUM} not installed` : false;
const TIMEOUT = 60000;
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
  + "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

let context;
let profileDir;
let outDir;

before(async () => {
  if (SKIP) return;
  outDir = process.env.ACLOUD_TEST_OUT ?? fs.mkdtempSync(path.join(os.tmpdir(), 'acloud-console-'));
  outDir = path.join(outDir, 'console');
  fs.mkdirSync(outDir, { recursive: true });
  profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'acloud-chromium-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    ignoreHTTPSErrors: true,
    acceptDownloads: true,
    viewport: { width: 1400, height: 1000 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // The policy another layer (nginx) may add: the console must work under it.
  await context.route(`${BASE}/console/**`, async (route) => {
    const res = await route.fetch();
    await route.fulfill({ response: res, headers: { ...res.headers(), 'content-security-policy': CSP } });
  });
});

after(async () => {
  await context?.close();
  if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
  if (outDir) console.log(`# screenshots in ${outDir}`);
});

async function apiGet(page, p) {
  const res = await page.request.get(`${BASE}${p}`, { headers: { authorization: `Bearer ${KEY}` } });
  assert.equal(res.status(), 200, p);
  return res.json();
}

// Pixels of the plot canvas that differ from its top-left (background) one.
function plotPixels(page) {
  return page.evaluate(() => {
    const c = document.querySelector('#plot canvas');
    if (!c || !c.width) return 0;
    const ctx = c.getContext('2d');
    const { data } = ctx.getImageData(0, 0, c.width, c.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 0 && (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2] || data[i + 3] !== data[3])) n++;
    }
    return n;
  });
}

test('console: key, compile, run on a simulator, live states, plot, CSV download', { skip: SKIP, timeout: 180000 }, async () => {
  const page = await context.newPage();
  const violations = [];
  const errors = [];
  page.on('console', (m) => { if (/Content.Security.Policy|Refused/i.test(m.text())) violations.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  const shot = (name) => page.screenshot({ path: path.join(outDir, `${name}.png`), fullPage: true });

  await page.goto(`${BASE}/console/`);
  await page.getByLabel('API key').fill(KEY);
  await page.getByRole('button', { name: 'Use key' }).click();
  await page.locator('#profile-name').waitFor({ timeout: TIMEOUT });
  assert.match(await page.locator('#profile-name').innerText(), /alice/);
  await page.locator('#devices tr[data-device="sim-1"]').waitFor({ timeout: TIMEOUT });
  assert.equal(await page.evaluate(() => localStorage.length), 0, 'the key is not in localStorage');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('acloud.key')), KEY);
  await page.locator('#live', { hasText: 'live updates on' }).waitFor({ timeout: TIMEOUT });
  // A marker that a reload would lose.
  await page.evaluate(() => { window.acloudNoReload = true; });
  await shot('1-key-entered');

  // Compile the harmonic oscillator (the README's ODE is the form's default).
  assert.match(await page.getByLabel('ODE source').inputValue(), /x' = -y/);
  await page.getByLabel('Backend').selectOption('LUCIDAC');
  await page.getByRole('button', { name: 'Submit compile' }).click();
  await page.locator('#task-state[data-state="succeeded"]').waitFor({ timeout: TIMEOUT });
  const cid = await page.locator('#task-id').innerText();
  // The history follows from the task's event stream (see the run below).
  await page.locator('#task-history li', { hasText: 'succeeded' }).waitFor({ timeout: TIMEOUT });
  assert.match(await page.locator('#task-history').innerText(), /queued[\s\S]*inprogress[\s\S]*succeeded/);
  await shot('2-compiled');

  // Run it on sim-1 from the run form; the list row follows it live.
  await page.locator(`#run-compile option[value="${cid}"]`).waitFor({ state: 'attached', timeout: TIMEOUT });
  await page.getByLabel('Compile task', { exact: true }).selectOption(cid);
  await page.locator('#run-form').getByLabel('Device').selectOption('sim-1');
  await page.getByLabel('Op time (s)').fill('0.001');
  await page.getByLabel('Sample rate (1/s)').fill('10000');
  await page.getByRole('button', { name: 'Submit run' }).click();
  await page.waitForFunction((c) => {
    const id = document.querySelector('#task-id')?.textContent;
    return id && id !== c;
  }, cid, { timeout: TIMEOUT });
  const rid = await page.locator('#task-id').innerText();
  await page.locator(`#tasks tr[data-task="${rid}"] td.state`, { hasText: 'succeeded' }).waitFor({ timeout: TIMEOUT });
  await page.locator('#task-state[data-state="succeeded"]').waitFor({ timeout: TIMEOUT });
  // The state comes from GET /tasks/{id} when the run finished before the
  // page opened it; the history follows from the task's event stream.
  await page.locator('#task-history li', { hasText: 'succeeded' }).waitFor({ timeout: TIMEOUT });
  const history = await page.locator('#task-history li').allInnerTexts();
  assert.deepEqual(history.map((h) => h.split(' ')[0]), ['queued', 'inprogress', 'succeeded']);
  assert.ok((await page.locator('#task-log').innerText()).length > 0, 'the log was streamed');
  assert.equal(await page.evaluate(() => window.acloudNoReload), true, 'no reload happened');
  await shot('3-run-succeeded');

  // The plot: one series per channel, drawn on the canvas.
  await page.locator('#plot canvas').waitFor({ timeout: TIMEOUT });
  await page.waitForFunction(() => !document.querySelector('#download-csv').disabled);
  const pixels = await plotPixels(page);
  assert.ok(pixels > 500, `the plot has ${pixels} drawn pixels`);
  await page.locator('#plot').scrollIntoViewIfNeeded();
  await shot('4-plot');

  // The CSV download equals GET /result (time axis from the sample rate).
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
  const csv = fs.readFileSync(await download.path(), 'utf8');
  fs.writeFileSync(path.join(outDir, 'result.csv'), csv);
  const result = await apiGet(page, `/api/v1/tasks/${rid}/result`);
  const rows = csv.trim().split('\n');
  assert.deepEqual(rows[0].split(','), ['t', ...result.map((_, i) => `channel_${i}`)]);
  assert.equal(rows.length - 1, Math.max(...result.map((c) => c.length)));
  rows.slice(1).forEach((row, i) => {
    const cells = row.split(',').map(Number);
    assert.ok(Math.abs(cells[0] - i / 10000) < 1e-12);
    result.forEach((ch, c) => assert.equal(cells[c + 1], ch[i]));
  });

  // An API error is shown as the server words it, by field for 422.
  await page.locator('#run-form').getByLabel('Name (optional)').fill('x'.repeat(300));
  await page.getByRole('button', { name: 'Submit run' }).click();
  await page.locator('#run-form .form-error li').first().waitFor({ timeout: TIMEOUT });
  assert.match(await page.locator('#run-form .form-error').innerText(), /name/);
  await shot('5-validation-error');
  assert.deepEqual(violations, []);
  assert.deepEqual(errors, []);
  await page.close();
});
