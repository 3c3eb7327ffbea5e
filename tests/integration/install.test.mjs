// install.test.mjs: what `make install` puts in place is what a server
// needs.  The data part is installed into a DESTDIR and compared with the
// source tree: every migration (an installed server migrated with fewer
// would lack tables the programs use), the console with its uPlot, and every
// nginx file the templates include; then the installed migrations bring a
// fresh database to the schema the running stack has.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BUILD, ROOT, STATE, psql } from './lib/api.mjs';

const dest = mkdtempSync(path.join(tmpdir(), 'acloud-install-'));
after(() => {
  rmSync(dest, { recursive: true, force: true });
  psql('DROP DATABASE IF EXISTS acloud_installed', 'postgres');
});

execFileSync('make', ['-C', BUILD, '-s', `DESTDIR=${dest}`, 'install-data'], { stdio: 'ignore' });
const pkgdata = execFileSync('find', [dest, '-type', 'd', '-path', '*/share/acloud'], { encoding: 'utf8' }).trim().split('\n')[0];
const sorted = (names) => [...names].sort();

test('every migration of sql/ is installed', () => {
  const source = readdirSync(`${ROOT}/sql`).filter((f) => f.endsWith('.sql'));
  assert.deepEqual(sorted(readdirSync(`${pkgdata}/sql`)), sorted(source));
});

test('the console is installed where acloud-locations.conf expects it, with uPlot', () => {
  assert.deepEqual(sorted(readdirSync(`${pkgdata}/console/www`)), sorted(readdirSync(`${ROOT}/console/www`)));
  for (const f of ['uPlot.esm.js', 'uPlot.min.css']) {
    assert.ok(existsSync(`${pkgdata}/console/node_modules/uplot/dist/${f}`), `uplot/dist/${f}`);
  }
  const locations = readFileSync(`${pkgdata}/nginx/acloud-locations.conf.in`, 'utf8');
  assert.match(locations, /alias @CONSOLE_DIR@\/www\//);
  assert.match(locations, /alias @CONSOLE_DIR@\/node_modules\/uplot\/dist\//);
});

test('every nginx file an installed template includes is installed', () => {
  const installed = new Set(readdirSync(`${pkgdata}/nginx`));
  for (const file of installed) {
    const text = readFileSync(`${pkgdata}/nginx/${file}`, 'utf8');
    for (const [, name] of text.matchAll(/include @NGINX_DIR@\/([\w.-]+);/g)) {
      assert.ok(installed.has(name) || installed.has(`${name}.in`), `${file} includes ${name}, not installed`);
    }
  }
});

test('the installed migrations bring a fresh database to the running schema', () => {
  psql('DROP DATABASE IF EXISTS acloud_installed', 'postgres');
  psql('CREATE DATABASE acloud_installed OWNER acloud', 'postgres');
  psql('ALTER SCHEMA public OWNER TO acloud', 'acloud_installed');
  const sock = `${STATE}/pg/sock`;
  const port = process.env.ACLOUD_TEST_PG_PORT ?? '54339';
  execFileSync(`${BUILD}/acloud-admin`, ['migrate', '--database', `host=${sock} port=${port} dbname=acloud_installed user=acloud`,
    '--sql-dir', `${pkgdata}/sql`], { stdio: 'ignore' });
  const versions = (db) => psql('SELECT string_agg(version::text, \',\' ORDER BY version) FROM schema_migrations', db);
  assert.equal(versions('acloud_installed'), versions('acloud'));
  const tables = (db) => psql("SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'", db);
  assert.equal(tables('acloud_installed'), tables('acloud'));
});
