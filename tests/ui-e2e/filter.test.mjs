// End-to-end test of the message browser's value filter: typed into the search form, run by
// the server, and only the matching records shown. Its own server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTIFACTS, launchBrowser, startServer, stopAll } from './harness.mjs';

let server, base, browser, dataDir;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pinpipe-ui-filter-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ server, base } = await startServer(dataDir, ['kafka.enabled=false', 'sink.enabled=false']));
  // travel at offsets 0, 4, 8; "Paris" in the title at 1 and 9.
  const values = [...Array(12).keys()].map(i => ({ i, category: i % 4 === 0 ? 'travel' : 'food', title: i % 8 === 1 ? `Paris ${i}` : `home ${i}` }));
  const r = await fetch(`${base}/topics/filt`, { method: 'POST', headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
    body: JSON.stringify({ records: values.map(value => ({ value })) }) });
  assert.equal(r.status, 200, await r.text());
  browser = await launchBrowser();
});

after(() => stopAll({ browser, server, dataDir }));

const offsets = page => page.locator('#messages tr.record td:nth-child(2)').allInnerTexts();

test('a value filter typed in the search form shows only the matching records', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', e => errors.push(String(e)));
  await page.goto(`${base}/ui#/messages?topic=filt&from=beginning`);
  await page.waitForSelector('[data-loaded]', { timeout: 10000 });
  assert.equal((await offsets(page)).length, 12);

  await page.selectOption('#search-form select[name=filter_mode]', 'field');
  await page.fill('#search-form input[name=filter]', 'category=travel');
  await page.click('#search-form button[type=submit]');
  await page.waitForFunction(() => /scanned 12 of 12/.test(document.querySelector('#messages-status').textContent), null, { timeout: 10000 });
  assert.deepEqual(await offsets(page), ['0', '4', '8']);
  assert.match(await page.textContent('#messages-status'), /^3 records/);
  for (const v of await page.locator('#messages tr.record td:nth-child(5)').allInnerTexts()) assert.match(v, /"category":"travel"/);
  // The state is in the URL: a reload shows the same rows, and each row has its permalink.
  assert.match(page.url(), /filter=category%3Dtravel/);
  await page.screenshot({ path: join(ARTIFACTS, 'messages-filter.png'), fullPage: true });
  await page.reload();
  await page.waitForFunction(() => /scanned/.test(document.querySelector('#messages-status')?.textContent || ''), null, { timeout: 10000 });
  assert.deepEqual(await offsets(page), ['0', '4', '8']);
  await page.click('#messages tr.record >> nth=1');
  assert.match(await page.getAttribute('#messages a:text("permalink") >> nth=1', 'href'), /from=offset&arg=4&limit=1/);

  // A bounded scan: 5 records per request, "Continue" appends the next page's matches.
  await page.fill('#search-form input[name=max_scan]', '5');
  await page.click('#search-form button[type=submit]');
  await page.waitForFunction(() => /scanned 5 of 12/.test(document.querySelector('#messages-status').textContent), null, { timeout: 10000 });
  assert.deepEqual(await offsets(page), ['0', '4']);
  assert.match(await page.textContent('#messages-status'), /continue for more/);
  await page.click('#search-more');
  await page.waitForFunction(() => /scanned 10 of 12/.test(document.querySelector('#messages-status').textContent), null, { timeout: 10000 });
  assert.deepEqual(await offsets(page), ['0', '4', '8']);
  await page.click('#search-more');
  await page.waitForFunction(() => /scanned 12 of 12/.test(document.querySelector('#messages-status').textContent), null, { timeout: 10000 });
  assert.deepEqual(await offsets(page), ['0', '4', '8']);
  assert.equal(await page.isHidden('#search-more'), true);
  await page.fill('#search-form input[name=max_scan]', '');

  // A substring, case-folded unless asked.
  await page.selectOption('#search-form select[name=filter_mode]', 'contains');
  await page.fill('#search-form input[name=filter]', 'paris');
  await page.click('#search-form button[type=submit]');
  await page.waitForFunction(() => /^2 records/.test(document.querySelector('#messages-status').textContent), null, { timeout: 10000 });
  assert.deepEqual(await offsets(page), ['1', '9']);
  await page.check('#search-form input[name=case_sensitive]');
  await page.click('#search-form button[type=submit]');
  await page.waitForFunction(() => /^0 records/.test(document.querySelector('#messages-status').textContent), null, { timeout: 10000 });
  assert.deepEqual(await offsets(page), []);

  // A bad filter shows the server's message.
  await page.selectOption('#search-form select[name=filter_mode]', 'field');
  await page.fill('#search-form input[name=filter]', 'category');
  await page.click('#search-form button[type=submit]');
  await page.waitForSelector('text=name=value', { timeout: 10000 });
  assert.deepEqual(errors.filter(e => !/400/.test(e)), []);
  await page.close();
});
