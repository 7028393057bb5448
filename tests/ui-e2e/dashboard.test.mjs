// End-to-end test of the web dashboard: the real binary with seeded data, driven by
// playwright-core in Debian's chromium (headless). Screenshots of every page go to
// $UI_E2E_ARTIFACTS (default /tmp/pinpipe-ui-e2e).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { ARTIFACTS, BIN, launchBrowser, startServer, stopAll } from './harness.mjs';

const PAGES = ['overview', 'topics', 'messages', 'produce', 'rest', 'groups', 'sink', 'streams', 'stream', 'dags', 'delta', 'analytics', 'lake', 'trace'];
const TOPIC = 'pinterest.pin';
const STREAM = 'streaming-pinterest-pin';  // a Kinesis stream the streaming job reads
let kinesisAcked = {};  // shard id -> records acknowledged

let server, base, browser, dataDir;


// A Kinesis operation over AWS JSON 1.1 (no SigV4: pinpipe checks signatures only when keys are set).
async function kinesis(op, body) {
  const r = await fetch(`${base}/`, { method: 'POST', body: JSON.stringify(body),
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `Kinesis_20131202.${op}` } });
  const text = await r.text();
  assert.equal(r.status, 200, text);
  return text ? JSON.parse(text) : {};  // CreateStream answers with an empty body
}

async function produce(topic, records) {
  const r = await fetch(`${base}/topics/${topic}`, { method: 'POST',
    headers: { 'content-type': 'application/vnd.kafka.json.v2+json' }, body: JSON.stringify({ records }) });
  const text = await r.text();
  assert.equal(r.status, 200, text);
  return JSON.parse(text);
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pinpipe-ui-e2e-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  // Raw objects of the three topics in the lake, so the daily DAG triggered from the page has
  // input whether or not the sink has rotated yet: the run must end in success.
  execFileSync(BIN, ['--data-dir', dataDir, 'batch', 'gen-raw', '--interactions', '200', '--records-per-object', '50'],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  ({ server, base } = await startServer(dataDir, ['dag.sink_wait_s=0']));
  await produce(TOPIC, Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: { index: i, title: `pin ${i}` } })));
  // A consumer group with committed offsets: the REST Proxy commits the given offset + 1
  // (the next to read), so its lag is 20 - 6 = 14.
  const g = `${base}/consumers/e2e`;
  const ct = { 'content-type': 'application/vnd.kafka.v2+json' };
  await fetch(g, { method: 'POST', headers: ct, body: JSON.stringify({ name: 'c1', format: 'json' }) });
  await fetch(`${g}/instances/c1/offsets`, { method: 'POST', headers: ct,
    body: JSON.stringify({ offsets: [{ topic: TOPIC, partition: 0, offset: 5 }] }) });
  await kinesis('CreateStream', { StreamName: STREAM, ShardCount: 2 });
  const put = await kinesis('PutRecords', { StreamName: STREAM, Records: Array.from({ length: 12 }, (_, i) => ({
    PartitionKey: `p${i}`, Data: Buffer.from(JSON.stringify({ index: 100 + i, title: `stream pin ${i}` })).toString('base64') })) });
  assert.equal(put.FailedRecordCount, 0);
  for (const r of put.Records) kinesisAcked[r.ShardId] = (kinesisAcked[r.ShardId] || 0) + 1;
  browser = await launchBrowser();
});

after(() => stopAll({ browser, server, dataDir }));

// A small axe-style check: the rules a keyboard or screen-reader user hits first.
function a11yProblems() {
  const out = [];
  if (!document.documentElement.lang) out.push('html has no lang');
  if (document.querySelectorAll('main h1').length !== 1) out.push('main needs exactly one h1');
  for (const c of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    if (!c.closest('label') && !c.getAttribute('aria-label') && !(c.id && document.querySelector(`label[for="${c.id}"]`))) {
      out.push(`unlabelled ${c.tagName.toLowerCase()} ${c.name || ''}`);
    }
  }
  for (const b of document.querySelectorAll('button, a[href]')) {
    if (!b.textContent.trim() && !b.getAttribute('aria-label')) out.push(`${b.tagName.toLowerCase()} without text`);
  }
  for (const svg of document.querySelectorAll('main svg')) {
    if (!svg.getAttribute('aria-label') && svg.getAttribute('aria-hidden') !== 'true') out.push('svg without a label');
  }
  return out;
}

async function openPage(hash) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', e => errors.push(String(e)));
  page.on('requestfailed', r => { if (!r.url().includes('/ui/api/events')) errors.push('request failed: ' + r.url()); });
  const started = Date.now();
  await page.goto(`${base}/ui${hash}`);
  await page.waitForSelector('[data-loaded]', { timeout: 10000 });
  return { page, errors, loadMs: Date.now() - started };
}

test('every page loads without a console error', async () => {
  const times = {};
  for (const p of PAGES) {
    const { page, errors, loadMs } = await openPage(`#/${p}`);
    times[p] = loadMs;
    assert.equal(await page.locator('.error').count(), 0, `${p}: ${await page.locator('main').innerText()}`);
    await page.screenshot({ path: join(ARTIFACTS, `${p}.png`), fullPage: true });
    assert.deepEqual(await page.evaluate(a11yProblems), [], `${p}: accessibility`);
    assert.deepEqual(errors, [], `${p} logged errors`);
    await page.close();
  }
  console.log('# page load (ms, to data-loaded):', JSON.stringify(times));
  // Dark mode follows the system: the same page with prefers-color-scheme: dark.
  const dark = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' });
  await dark.goto(`${base}/ui#/overview`);
  await dark.waitForSelector('[data-loaded]');
  const bg = await dark.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(17, 20, 23)');
  await dark.screenshot({ path: join(ARTIFACTS, 'overview-dark.png'), fullPage: true });
  await dark.close();
});

test('the overview shows cards with live values and the group lag', async () => {
  const { page, errors } = await openPage('#/overview');
  await page.waitForSelector('.card[data-key="ingest.records"]');
  const groups = await page.locator('#page-overview table').first().innerText();
  assert.match(groups, /e2e/);
  assert.match(groups, /\t14\t/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('topics list the seeded topic with its records and group lag', async () => {
  const { page } = await openPage(`#/topics?topic=${TOPIC}`);
  const text = await page.locator('main').innerText();
  assert.match(text, new RegExp(TOPIC.replace('.', '\\.')));
  assert.match(text, /e2e: 14/);
  assert.match(text, /High watermark/);
  await page.close();
});

test('the message browser shows newest records with pretty JSON', async () => {
  const { page, errors } = await openPage(`#/messages?topic=${TOPIC}&from=offset&arg=3&limit=2&partition=0`);
  const rows = page.locator('#messages tr.record');
  assert.equal(await rows.count(), 2);
  assert.match(await rows.first().innerText(), /"index":3/);
  await rows.first().click();
  assert.match(await page.locator('#messages pre').first().innerText(), /"title": "pin 3"/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the message search finds a key from the index and says how much it scanned', async () => {
  const { page, errors } = await openPage(`#/messages?topic=${encodeURIComponent(TOPIC)}&key=k7`);
  await page.locator('#messages tr.record').first().waitFor({ timeout: 5000 });
  assert.equal(await page.locator('#messages tr.record').count(), 1);
  assert.match(await page.locator('#messages tr.record td:nth-child(4)').innerText(), /k7/);
  const m = (await page.locator('#messages-status').innerText()).match(/scanned (\d+) of (\d+) records/);
  assert.ok(m, await page.locator('#messages-status').innerText());
  assert.ok(Number(m[1]) >= 1 && Number(m[1]) <= Number(m[2]) && Number(m[2]) >= 20, m[0]);
  // The form searches too (state in the URL).
  await page.fill('#search-form input[name=key]', 'k3');
  await page.click('#search-form button[type=submit]');
  await page.waitForFunction(() => location.hash.includes('key=k3'));
  await page.locator('#messages tr.record td:nth-child(4)', { hasText: 'k3' }).waitFor({ timeout: 5000 });
  await page.screenshot({ path: join(ARTIFACTS, 'messages-search.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the live tail shows a produced record within 1 s', async () => {
  const { page, errors } = await openPage(`#/messages?topic=${TOPIC}&tail=1`);
  await page.waitForSelector('#tail-info');
  await page.waitForTimeout(500);  // the feed is connected and parked
  const marker = `tail-${Date.now()}`;
  const t0 = Date.now();
  await produce(TOPIC, [{ value: { marker } }]);
  await page.locator('#tail tr.record', { hasText: marker }).waitFor({ timeout: 5000 });
  const ms = Date.now() - t0;
  console.log(`# live tail latency: ${ms} ms`);
  await page.screenshot({ path: join(ARTIFACTS, 'live-tail.png') });
  assert.ok(ms <= 1000, `the record took ${ms} ms to show`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the produce form round-trips through the log', async () => {
  const { page, errors } = await openPage(`#/produce?topic=${TOPIC}`);
  const marker = `form-${Date.now()}`;
  await page.fill('textarea[name=value]', JSON.stringify({ marker, n: 1 }));
  await page.fill('input[name=key]', 'form-key');
  await page.click('form button[type=submit]');
  const offset = Number(await page.locator('#produced-offset').innerText());
  assert.ok(offset >= 20);
  // What the log holds at that offset, read back through the API the browser uses.
  const api = await (await fetch(`${base}/ui/api/topics/${TOPIC}/messages?partition=0&from=offset&arg=${offset}&limit=1`)).json();
  assert.equal(api.records[0].value.text, JSON.stringify({ marker, n: 1 }));
  assert.equal(api.records[0].key.text, '"form-key"');
  await page.click('#produce-result a');
  await page.waitForSelector('#messages tr.record');
  assert.match(await page.locator('#messages').innerText(), new RegExp(marker));
  await page.screenshot({ path: join(ARTIFACTS, 'produce-result.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

test('overview first paint (reported, not asserted)', async () => {
  const { page, loadMs } = await openPage('#/overview');
  const fcp = await page.evaluate(() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime);
  const nav = await page.evaluate(() => { const n = performance.getEntriesByType('navigation')[0]; return n ? n.domContentLoadedEventEnd : null; });
  console.log(`# overview: first contentful paint ${Math.round(fcp)} ms, DOMContentLoaded ${Math.round(nav)} ms, data loaded ${loadMs} ms`);
  assert.ok(fcp > 0);
  await page.close();
});

test('the Kinesis streams page shows the shards and their positions', async () => {
  const { page, errors } = await openPage(`#/streams?stream=${STREAM}`);
  const rows = page.locator(`section[data-stream="${STREAM}"] table.shards tbody tr`);
  assert.equal(await rows.count(), 2);
  for (let i = 0; i < 2; i++) {
    const cells = await rows.nth(i).locator('td').allInnerTexts();
    const shard = `shardId-00000000000${i}`;
    assert.equal(cells[0], shard);
    assert.equal(cells[1], 'open');
    assert.equal(cells[2], i === 0 ? '0.0 % – 50.0 %' : '50.0 % – 100.0 %');
    // Position = the shard's log end = the records PutRecords acknowledged on it.
    assert.equal(Number(cells[5]), kinesisAcked[shard] || 0, cells.join(' | '));
  }
  await page.screenshot({ path: join(ARTIFACTS, 'streams-shards.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the streaming job page shows every shard committed up to its log end', async () => {
  const { page, errors } = await openPage('#/stream');
  // The page refreshes every 2 s; the job commits the 12 records within a batch or two.
  await page.waitForFunction((stream) => {
    const rows = [...document.querySelectorAll('table.stream-partitions tbody tr')]
      .map(tr => [...tr.querySelectorAll('td')].map(td => td.textContent)).filter(c => c[0] === stream);
    return rows.length === 2 && rows.every(c => c[3] === c[4] && c[5] === '0');
  }, STREAM, { timeout: 15000 });
  const rows = await page.locator('table.stream-partitions tbody tr', { hasText: STREAM }).all();
  for (const row of rows) {
    const c = await row.locator('td').allInnerTexts();
    assert.equal(Number(c[3]), kinesisAcked[c[2]] || 0, c.join(' | '));
  }
  assert.match(await page.locator('.card[data-key="records"]').innerText(), /\d/);
  assert.equal(await page.locator('svg.chart').count(), 4);
  await page.screenshot({ path: join(ARTIFACTS, 'stream-job.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a DAG trigger shows task states until the run succeeds', async () => {
  const { page, errors } = await openPage('#/dags');
  await page.click('form[aria-label="Trigger a DAG run"] button[type=submit]');
  await page.locator('#page-dags p', { hasText: 'Started' }).waitFor({ timeout: 5000 });
  await page.waitForSelector('#dag-grid td.cell', { timeout: 10000 });
  // The page polls every second while the run is active; wait for a final state.
  await page.waitForFunction(() => {
    const s = document.getElementById('last-run-state');
    return s && ['success', 'failed', 'skipped'].includes(s.textContent);
  }, null, { timeout: 60000 });
  const taskStates = await page.locator('#page-dags > div > table:not(.grid) tbody td:nth-child(2)').allInnerTexts();
  // The lake holds the seeded raw objects: the run has input and must succeed.
  assert.equal(await page.locator('#last-run-state').innerText(), 'success', taskStates.join(','));
  assert.ok(taskStates.length >= 2, 'the latest run lists its tasks');
  assert.ok(taskStates.every(t => t === 'success'), taskStates.join(','));
  assert.ok(await page.locator('#dag-grid tbody td.cell.success').count() >= taskStates.length, 'the grid shows the task states');
  await page.screenshot({ path: join(ARTIFACTS, 'dags-run.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('after a run: Delta tables, analytics and lake pages show what it wrote', async () => {
  const tables = (await (await fetch(`${base}/ui/api/delta`)).json()).tables;
  const analytics = await (await fetch(`${base}/ui/api/analytics`)).json();
  const shots = [['lake-root', '#/lake']];
  if (tables.length) shots.push(['delta-table', `#/delta?table=${encodeURIComponent(tables[0])}`]);
  if (analytics.results.length) shots.push(['analytics-result', `#/analytics?date=${analytics.date}&name=${analytics.results[0].name}`]);
  for (const [name, hash] of shots) {
    const { page, errors } = await openPage(hash);
    assert.equal(await page.locator('.error').count(), 0, `${name}: ${await page.locator('main').innerText()}`);
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    assert.deepEqual(errors, [], `${name} logged errors`);
    await page.close();
  }
});
