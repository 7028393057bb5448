// End-to-end test of the record trace: a record produced over REST, landed by the sink and
// cleaned by a DAG run, followed from the message browser's "trace this record" link to its
// Delta data file. Its own server (sink.flush_size=5, so objects rotate at once).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTIFACTS, launchBrowser, sleep, startServer, stopAll } from './harness.mjs';

const DATE = '2026-11-23';

let server, base, browser, dataDir;

const getJson = async path => (await fetch(base + path)).json();

async function produce(topic, values) {
  const r = await fetch(`${base}/topics/${topic}`, { method: 'POST', headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
    body: JSON.stringify({ records: values.map(value => ({ value })) }) });
  assert.equal(r.status, 200, await r.text());
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pinpipe-ui-trace-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ server, base } = await startServer(dataDir, ['kafka.enabled=false', 'sink.flush_size=5']));
  const n = [...Array(10).keys()];
  await produce('pinterest.pin', n.map(i => ({ index: i, unique_id: `u${i}`, title: `pin ${i}`, description: 'd', poster_name: 'p',
    follower_count: '5k', tag_list: 'a', is_image_or_video: 'image', image_src: 's', downloaded: 1,
    save_location: 'Local save in /data/art', category: 'art' })));
  await produce('pinterest.geo', n.map(i => ({ ind: i, timestamp: '2020-01-01 00:00:00', latitude: 1.0, longitude: 2.0, country: 'Aruba' })));
  await produce('pinterest.user', n.map(i => ({ ind: i, first_name: 'A', last_name: 'B', age: 30, date_joined: '2016-01-01 00:00:00' })));
  // A DAG run for DATE (its load waits for the sink to land the 10 records of each topic).
  const csrf = (await getJson('/ui/api/session')).csrf;
  const t = await fetch(`${base}/ui/api/dags/pinterest_batch/trigger`, { method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ date: DATE }) });
  assert.equal(t.status, 202, await t.text());
  let run;
  for (let i = 0; i < 240 && !run; i++) {
    run = (await getJson('/ui/api/dags')).runs.find(r => r.logical_date === DATE && ['success', 'failed', 'skipped'].includes(r.state));
    if (!run) await sleep(250);
  }
  assert.equal(run && run.state, 'success', JSON.stringify(run));
  browser = await launchBrowser();
});

after(() => stopAll({ browser, server, dataDir }));

test('the record trace resolves a record to its Delta file', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', e => errors.push(String(e)));
  await page.goto(`${base}/ui#/messages?topic=pinterest.pin&partition=0&from=offset&arg=7&limit=1`);
  await page.waitForSelector('[data-loaded]', { timeout: 10000 });
  await page.click('#messages tr.record');
  await page.click('text=trace this record');
  await page.waitForSelector('#page-trace[data-loaded] #hop-run', { timeout: 10000 });
  for (const hop of ['record', 'object', 'delta', 'run']) {
    assert.equal(await page.getAttribute(`#hop-${hop}`, 'data-state'), 'done', await page.locator('main').innerText());
  }
  assert.match(await page.locator('#hop-record').innerText(), /"index": ?7/);
  // The object link names the object holding offsets 5–9; it holds the record.
  const key = await page.locator('#hop-object a').innerText();
  assert.match(key, /pinterest\.pin\+0\+0*5\.json$/);
  const lines = readFileSync(join(dataDir, 'lake', key), 'utf8').split('\n').filter(Boolean).map(l => JSON.parse(l));
  assert.ok(lines.some(v => v.index === 7), key);
  // The Delta data file is shown and exists in the table directory.
  const files = await page.locator('#hop-delta li.delta-file').allInnerTexts();
  assert.equal(files.length, 1, files.join(','));
  assert.ok(existsSync(join(dataDir, 'lake', 'delta', 'pin', files[0])), files[0]);
  // ... with the record's row in it (the pin's index is the clean row's ind).
  assert.match(await page.locator('#delta-row').innerText(), /^row \d+ \(ind 7\)/);
  assert.match(await page.locator('#hop-run').innerText(), /success/);
  await page.screenshot({ path: join(ARTIFACTS, 'trace-resolved.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});
