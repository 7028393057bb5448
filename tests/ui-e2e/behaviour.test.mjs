// End-to-end tests of the dashboard's behaviour beyond a page loading: the live tail (pause /
// resume, bounded buffer, no jump while the user scrolls), the sink page's errors and restart
// button, the group lag chart, the analytics top-N bars, one SSE connection per tab and every
// view's state in the URL. Its own servers; screenshots go to $UI_E2E_ARTIFACTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTIFACTS, BIN, callJson, launchBrowser, sleep, startServer, stopAll } from './harness.mjs';

const TAIL = 'tail.t';     // not a sink topic
const LAGGY = 'laggy.t';
const V2 = { 'content-type': 'application/vnd.kafka.v2+json' };
const PAGES = ['overview', 'topics', 'messages', 'produce', 'groups', 'sink', 'streams', 'stream', 'dags', 'delta', 'analytics', 'lake', 'trace'];

let server, base, browser, dataDir;

const call = (method, path, body, headers) => callJson(base, method, path, body, headers);
const getJson = async (url) => (await fetch(url)).json();

async function produce(topic, values, at = base) {
  const r = await fetch(`${at}/topics/${topic}`, { method: 'POST', headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
    body: JSON.stringify({ records: values.map(value => ({ value })) }) });
  assert.equal(r.status, 200, await r.text());
}

async function waitFor(fn, ms = 15000, what = 'condition') {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error('timed out waiting for ' + what);
    await sleep(100);
  }
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pinpipe-ui-behaviour-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  // Raw objects of the three topics, so a DAG run writes Delta tables and the eight analytics.
  execFileSync(BIN, ['--data-dir', dataDir, 'batch', 'gen-raw', '--interactions', '300', '--records-per-object', '100'],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  ({ server, base } = await startServer(dataDir, ['kafka.enabled=false', 'dag.sink_wait_s=0']));
  await produce(TAIL, [{ n: -1 }]);
  const dags = (await call('GET', '/ui/api/dags')).body.dags;
  const csrf = (await call('GET', '/ui/api/session')).body.csrf;
  assert.equal((await call('POST', `/ui/api/dags/${dags[0]}/trigger`, {}, { 'x-csrf-token': csrf })).status, 202);
  const run = await waitFor(async () => { const r = (await call('GET', '/ui/api/dags?limit=1')).body.runs[0];
    return r && r.state !== 'running' && r; }, 90000, 'the DAG run');
  assert.equal(run.state, 'success', JSON.stringify(run));
  browser = await launchBrowser();
});

after(() => stopAll({ browser, server, dataDir }));

async function openPage(hash, opts) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', e => errors.push(String(e)));
  if (opts && opts.init) await page.addInitScript(opts.init);
  if (opts && opts.onPage) opts.onPage(page);
  await page.goto(`${base}/ui${hash}`);
  await page.waitForSelector('[data-loaded]', { timeout: 10000 });
  return { page, errors };
}

// ---------- live tail ----------
const tailOffsets = page => page.$$eval('#tail tr.record', rows => rows.map(r => Number(r.children[1].textContent)));
const tailInfo = page => page.locator('#tail-info').innerText();
// The first record row whose bottom is below the top of the scroll box: what the user looks at.
const firstVisible = page => page.evaluate(() => {
  const box = document.getElementById('tail'), top = box.getBoundingClientRect().top;
  const row = [...box.querySelectorAll('tr.record')].find(r => r.getBoundingClientRect().bottom > top + 1);
  return row ? Number(row.children[1].textContent) : null;
});
const atBottom = page => page.evaluate(() => { const b = document.getElementById('tail'); return b.scrollHeight - b.scrollTop - b.clientHeight < 24; });

test('the live tail pauses, resumes with the missed records, stays bounded and does not jump while scrolled', async () => {
  const { page, errors } = await openPage(`#/messages?topic=${TAIL}&tail=1`);
  await page.waitForSelector('#tail-pause');
  await page.waitForSelector('#live.on', { timeout: 20000 });  // the topic's feed answered: records from now on arrive
  let next = 1;  // the log holds offset 0 already; the tail starts at the end
  const put = async n => { await produce(TAIL, Array.from({ length: n }, (_, i) => ({ n: next + i, pad: 'x'.repeat(40) }))); next += n; };
  const seen = async total => waitFor(async () => (await tailInfo(page)).startsWith(`${total} records received`), 15000, `${total} records`);

  await put(3);
  await seen(3);
  assert.deepEqual(await tailOffsets(page), [1, 2, 3]);

  // Paused: records are counted, none is drawn.
  await page.click('#tail-pause');
  assert.equal(await page.locator('#tail-pause').innerText(), 'Resume');
  await put(4);
  await seen(7);
  assert.match(await tailInfo(page), /^7 records received \(paused\)$/);
  assert.deepEqual(await tailOffsets(page), [1, 2, 3]);
  // Resumed: the missed records are drawn, in order.
  await page.click('#tail-pause');
  assert.equal(await page.locator('#tail-pause').innerText(), 'Pause');
  assert.deepEqual(await tailOffsets(page), [1, 2, 3, 4, 5, 6, 7]);
  assert.match(await tailInfo(page), /^7 records received$/);

  // Scrolled up: new records neither move the box nor the rows in view.
  await put(40);
  await seen(47);
  assert.equal(await atBottom(page), true, 'following the tail while at the bottom');
  await page.evaluate(() => { document.getElementById('tail').scrollTop = 100; });
  const topBefore = await firstVisible(page);
  await put(5);
  await seen(52);
  assert.equal(await page.evaluate(() => document.getElementById('tail').scrollTop), 100);
  assert.equal(await firstVisible(page), topBefore);

  // More than the buffer holds: the DOM keeps the newest 500.
  await page.evaluate(() => { const b = document.getElementById('tail'); b.scrollTop = b.scrollHeight; });
  for (let i = 0; i < 3; i++) await put(200);
  await seen(652);
  let offs = await tailOffsets(page);
  assert.equal(offs.length, 500);
  assert.deepEqual(offs, Array.from({ length: 500 }, (_, i) => next - 500 + i));
  assert.equal(await page.locator('#tail tbody tr').count(), 1000, 'a detail row per record row');
  assert.equal(await atBottom(page), true);

  // Scrolled into the middle of a full buffer: old rows leave the top, the rows in view stay.
  await page.evaluate(() => { const b = document.getElementById('tail'); b.scrollTop = b.scrollHeight / 2; });
  const midBefore = await firstVisible(page);
  await put(20);
  await seen(672);
  offs = await tailOffsets(page);
  assert.equal(offs.length, 500);
  assert.equal(offs[499], next - 1);
  assert.equal(await firstVisible(page), midBefore, 'the row in view moved');

  // Paused while more than the buffer holds arrives: on resume the DOM keeps the newest 500.
  await page.evaluate(() => { const b = document.getElementById('tail'); b.scrollTop = b.scrollHeight; });
  const drawn = await tailOffsets(page);
  // Rows built from here on: a pause holds records, and builds at most the 500 it can show.
  await page.evaluate(() => { window.__rows = 0; const make = document.createElement.bind(document);
    document.createElement = (tag, o) => { if (String(tag).toLowerCase() === 'tr') window.__rows++; return make(tag, o); }; });
  await page.click('#tail-pause');
  for (let i = 0; i < 3; i++) await put(200);
  await seen(1272);
  assert.deepEqual(await tailOffsets(page), drawn, 'nothing drawn while paused');
  await page.click('#tail-pause');
  const built = await page.evaluate(() => window.__rows);
  assert.ok(built <= 2 * 500, `${built} table rows built for 600 records held while paused`);
  offs = await tailOffsets(page);
  assert.deepEqual(offs, Array.from({ length: 500 }, (_, i) => next - 500 + i));
  assert.equal(await atBottom(page), true);
  assert.match(await tailInfo(page), /^1272 records received$/);
  await page.screenshot({ path: join(ARTIFACTS, 'live-tail-bounded.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

// ---------- the sink page: errors and restart ----------
test('the sink page shows upload errors and its restart button lands every record once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pinpipe-ui-sinkerr-'));
  // A file where the sink needs pinterest.geo's directory: every upload of the topic fails.
  mkdirSync(join(dir, 'lake', 'topics'), { recursive: true });
  const blocker = join(dir, 'lake', 'topics', 'pinterest.geo');
  writeFileSync(blocker, 'not a directory');
  const s = await startServer(dir, ['kafka.enabled=false', 'sink.flush_size=2', 'sink.rotate_schedule_interval_ms=200',
    'log.default_partitions=1']);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  try {
    await produce('pinterest.geo', Array.from({ length: 5 }, (_, i) => ({ g: i })), s.base);
    const row = async () => (await getJson(`${s.base}/ui/api/sink`)).partitions.find(p => p.topic === 'pinterest.geo');
    await waitFor(async () => { const r = await row(); return r && r.last_error.startsWith('upload failed'); }, 30000, 'the upload error');
    await page.goto(`${s.base}/ui#/sink`);
    await page.waitForSelector('[data-loaded]');
    const cells = async () => page.locator('#page-sink table tbody tr', { hasText: 'pinterest.geo' }).locator('td').allInnerTexts();
    let tds = await cells();
    assert.deepEqual(tds.slice(0, 5), ['pinterest.geo', '0', '0', '5', '5'], tds.join('|'));
    assert.match(tds[9], /^upload failed/);
    // Not "running" in green while nothing lands: the state says the sink is retrying.
    assert.equal(tds[8], 'retrying');
    assert.match(await page.locator('#page-sink table tbody tr', { hasText: 'pinterest.geo' }).locator('span.state').getAttribute('class'), /\bwarn\b/);
    await page.screenshot({ path: join(ARTIFACTS, 'sink-upload-error.png'), fullPage: true });

    rmSync(blocker);
    await page.click('#sink-restart-all');
    await page.locator('#sink-msg', { hasText: 'Restarting every task from its committed offset' }).waitFor({ timeout: 5000 });
    assert.equal(await page.locator('#sink-state').innerText(), 'RUNNING');
    await waitFor(async () => { const r = await row(); return r.committed === 5 && r.last_error === ''; }, 30000, 'the sink to land');
    await page.reload();
    await page.waitForSelector('[data-loaded]');
    tds = await cells();
    assert.deepEqual(tds.slice(0, 5), ['pinterest.geo', '0', '5', '5', '0'], tds.join('|'));
    assert.equal(tds[8], 'running');
    assert.equal(tds[9], '');
    // Each record landed exactly once.
    const objDir = join(dir, 'lake', 'topics', 'pinterest.geo', 'partition=0');
    const landed = readdirSync(objDir).filter(f => f.endsWith('.json')).sort()
      .flatMap(f => readFileSync(join(objDir, f), 'utf8').split('\n').filter(Boolean).map(l => JSON.parse(l).g));
    assert.deepEqual(landed, [0, 1, 2, 3, 4]);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
    await stopAll({ server: s.server, dataDir: dir });
  }
});

test('the sink page shows a failed task and restarts only the failed ones', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pinpipe-ui-sinkfail-'));
  const s = await startServer(dir, ['kafka.enabled=false', 'sink.flush_size=2', 'sink.rotate_schedule_interval_ms=200',
    'log.default_partitions=1', 'sink.errors_tolerance=none']);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  try {
    await produce('pinterest.geo', [{ a: 1 }, { a: 2 }], s.base);
    // A record the sink cannot decode as JSON stops the geo task (errors.tolerance=none).
    const bad = await fetch(`${s.base}/topics/pinterest.geo`, { method: 'POST', headers: { 'content-type': 'application/vnd.kafka.binary.v2+json' },
      body: JSON.stringify({ records: [{ value: Buffer.from('not json {').toString('base64') }] }) });
    assert.equal(bad.status, 200, await bad.text());
    await produce('pinterest.user', [{ u: 1 }], s.base);
    const rows = async () => (await getJson(`${s.base}/ui/api/sink`)).partitions;
    await waitFor(async () => { const r = await rows(); return r.some(p => p.topic === 'pinterest.geo' && p.failed) &&
      r.some(p => p.topic === 'pinterest.user' && p.committed === 1); }, 30000, 'the failed task');
    await page.goto(`${s.base}/ui#/sink`);
    await page.waitForSelector('[data-loaded]');
    const geo = await page.locator('#page-sink table tbody tr', { hasText: 'pinterest.geo' }).locator('td').allInnerTexts();
    assert.deepEqual([geo[2], geo[3], geo[4], geo[8]], ['2', '3', '1', 'failed'], geo.join('|'));
    assert.match(geo[9], /task stopped at offset 2/);
    const user = await page.locator('#page-sink table tbody tr', { hasText: 'pinterest.user' }).locator('td').allInnerTexts();
    assert.equal(user[8], 'running');
    assert.equal(await page.locator('#sink-restart-failed').innerText(), 'Restart failed tasks (1)');
    assert.equal(await page.locator('#sink-restart-failed').isDisabled(), false);
    await page.click('#sink-restart-failed');
    await page.locator('#sink-msg', { hasText: 'Restarting: pinterest.geo-0' }).waitFor({ timeout: 5000 });
    assert.doesNotMatch(await page.locator('#sink-msg').innerText(), /pinterest\.user/);
    // The task re-reads from its committed offset 2 and meets the same record: nothing more lands.
    await waitFor(async () => (await rows()).some(p => p.topic === 'pinterest.geo' && p.failed), 15000, 'the task to fail again');
    const objDir = join(dir, 'lake', 'topics', 'pinterest.geo', 'partition=0');
    const landed = readdirSync(objDir).filter(f => f.endsWith('.json'))
      .flatMap(f => readFileSync(join(objDir, f), 'utf8').split('\n').filter(Boolean).map(l => JSON.parse(l).a));
    assert.deepEqual(landed, [1, 2]);
    await page.screenshot({ path: join(ARTIFACTS, 'sink-failed-task.png'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
    await stopAll({ server: s.server, dataDir: dir });
  }
});

// ---------- the group lag chart ----------
test('the group page charts the lag of a lagging consumer as it grows', async () => {
  await produce(LAGGY, Array.from({ length: 5 }, (_, i) => ({ i })));
  const g = '/consumers/laggy';
  assert.equal((await call('POST', g, { name: 'c1', format: 'json' }, V2)).status, 200);
  assert.equal((await call('POST', `${g}/instances/c1/offsets`, { offsets: [{ topic: LAGGY, partition: 0, offset: 0 }] }, V2)).status, 200);
  const lagHistory = async () => (await getJson(`${base}/ui/api/history?window=3600&names=group.laggy.lag`)).series[0].values;
  await waitFor(async () => (await lagHistory()).filter(v => v === 4).length >= 2, 15000, 'lag 4 in the history');
  await produce(LAGGY, Array.from({ length: 10 }, (_, i) => ({ i })));
  await waitFor(async () => (await lagHistory()).filter(v => v === 14).length >= 2, 15000, 'lag 14 in the history');

  const before = (await lagHistory()).filter(v => v !== null).length;
  const { page, errors } = await openPage('#/groups?group=laggy');
  const chart = page.locator('svg.chart[aria-label="group.laggy.lag"]');
  await chart.waitFor();
  assert.equal(await chart.locator('text').first().textContent(), 'max 14');
  // Back from the chart's points to values: y = 145 - v / max * 144 (plot height 146).
  const values = (await chart.locator('polyline').evaluateAll(ps => ps.map(p => p.getAttribute('points'))))
    .flatMap(pts => pts.split(' ').map(xy => Number(xy.split(',')[1]))).map(y => Math.round((145 - y) * 14 / 144));
  const distinct = values.filter((v, i) => i === 0 || v !== values[i - 1]);
  assert.deepEqual(distinct, [4, 14], values.join(','));
  // The page's points are the history's non-null values.
  const after = (await lagHistory()).filter(v => v !== null).length;
  assert.ok(before <= values.length && values.length <= after, `${values.length} points, ${before}..${after} samples`);
  assert.deepEqual(errors, []);
  await page.close();
});

// ---------- analytics bars ----------
test('analytics results draw their top rows as bars sorted by value, the same rows the table sorts first', async () => {
  const a = await getJson(`${base}/ui/api/analytics`);
  const names = a.results.map(r => r.name).filter(n => n !== 'category_by_country');
  assert.ok(names.length >= 7, names.join(','));
  for (const name of names) {
    const r = await getJson(`${base}/ui/api/analytics/result?date=${a.date}&name=${name}`);
    const { page, errors } = await openPage(`#/analytics?date=${a.date}&name=${name}`);
    const bars = await page.$$eval('.bars', bs => bs.map(b => ({ k: [...b.querySelectorAll('.k')].map(x => x.textContent),
      v: [...b.querySelectorAll('.v')].map(x => x.textContent), w: [...b.querySelectorAll('.bar')].map(x => parseFloat(x.style.width)) })));
    assert.equal(bars.length, 1, `${name}: one bar chart`);
    const { k, v, w } = bars[0];
    assert.equal(k.length, Math.min(15, r.rows.length), name);
    // The value is the result's measure (its last column), not a year or an age group.
    const valueCol = r.columns.length - 1;
    assert.match(await page.locator('#page-analytics p.muted', { hasText: 'Top 15 by' }).innerText(), new RegExp(`Top 15 by ${r.columns[valueCol]}$`));
    const nums = v.map(x => x.endsWith(' M') ? parseFloat(x) * 1e6 : Number(x.replace(/,/g, '')));
    for (let i = 1; i < nums.length; i++) assert.ok(nums[i - 1] >= nums[i], `${name}: bars not sorted: ${v.join(',')}`);
    assert.equal(w[0], 100);
    for (let i = 1; i < w.length; i++) assert.ok(w[i - 1] >= w[i], `${name}: bar widths ${w.join(',')}`);
    const top = r.rows.map(x => Number(x[valueCol])).sort((p, q) => q - p).slice(0, k.length);
    // The bars' numbers are the result's largest values, formatted as the page formats numbers.
    const nf = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
    assert.deepEqual(v, top.map(x => Math.abs(x) >= 1e6 ? (x / 1e6).toFixed(2) + ' M' : nf.format(x)), name);
    // Sorted by its value column (a click: descending), the table's first rows are the bars.
    await page.locator('#page-analytics table th', { hasText: new RegExp(`^${r.columns[valueCol]}$`) }).last().click();
    const table = page.locator('#page-analytics table').last();
    const rows = await table.locator('tbody tr').evaluateAll(trs => trs.map(tr => [...tr.children].map(td => td.textContent)));
    assert.equal(rows.length, r.rows.length);
    const labels = rows.slice(0, k.length).map(cells => cells.filter((_, i) => i !== valueCol).join(' · '));
    assert.deepEqual(k, labels, name);
    if (name === names[0]) await page.screenshot({ path: join(ARTIFACTS, 'analytics-bars.png'), fullPage: true });
    assert.deepEqual(errors, [], name);
    await page.close();
  }
});

// ---------- one SSE connection per tab ----------
test('one tab keeps one SSE connection across every page', async () => {
  let inflight = 0, maxInflight = 0, requests = 0;
  const types = new Set();
  const isFeed = r => r.url().includes('/ui/api/events');
  const done = r => { if (isFeed(r)) inflight--; };
  const { page, errors } = await openPage('#/overview', {
    // Count EventSource objects the page creates.
    init: () => { const ES = window.EventSource; window.__feeds = [];
      window.EventSource = class extends ES { constructor(u, o) { super(u, o); window.__feeds.push(this); } }; },
    onPage: p => {
      p.on('request', r => { if (isFeed(r)) { requests++; inflight++; maxInflight = Math.max(maxInflight, inflight); } });
      p.on('response', r => { if (isFeed(r)) types.add(r.headers()['content-type']); });
      p.on('requestfinished', done);
      p.on('requestfailed', done);
    } });
  for (const p of [...PAGES, ...PAGES.slice().reverse()]) {
    await page.click(`#nav a[href="#/${p}"]`);
    await page.waitForSelector(`#page-${p}[data-loaded]`, { timeout: 10000 });
    await sleep(150);
  }
  await page.waitForSelector('#live.on', { timeout: 20000 });
  const feeds = await page.evaluate(() => window.__feeds.map(f => ({ url: f.url.replace(/^.*\/ui/, '/ui'), state: f.readyState })));
  assert.equal(feeds.length, 1, JSON.stringify(feeds));
  assert.equal(feeds[0].url, '/ui/api/events');
  assert.notEqual(feeds[0].state, 2, 'the feed is open');
  assert.equal(maxInflight, 1, `${maxInflight} feed requests at once`);
  // The live tail swaps the tab's feed for one that also carries the topic's records; stopping
  // it swaps back: one feed open at a time.
  await page.click('#nav a[href="#/messages"]');
  await page.waitForSelector('#page-messages[data-loaded]');
  await page.click('#tail-toggle');
  await page.waitForSelector('#tail-pause');
  await page.click('#tail-toggle');
  await page.waitForFunction(() => window.__feeds.length === 3 && window.__feeds[2].readyState !== 2);
  const open = await page.evaluate(() => window.__feeds.map(f => ({ url: f.url.replace(/^.*\/ui/, '/ui'), open: f.readyState !== 2 })));
  assert.deepEqual(open.map(f => f.open), [false, false, true], JSON.stringify(open));
  assert.match(open[1].url, /\/ui\/api\/events\?topic=/);
  assert.equal(open[2].url, '/ui/api/events');
  assert.ok(requests >= 3);
  assert.deepEqual([...types], ['text/event-stream']);
  assert.deepEqual(errors, []);
  await page.close();
});

// ---------- every view's state in the URL ----------
// Opens `hash`, changes the view with `act`, then opens the page's URL in a new tab: `view`
// (a function of the page) reads the same thing in both.
async function sameViewInANewTab(hash, act, view, expectInUrl) {
  const { page, errors } = await openPage(hash);
  await act(page);
  const seen = await view(page);
  const url = page.url();
  if (expectInUrl) assert.match(decodeURIComponent(url), expectInUrl);
  await page.close();
  const again = await openPage(url.slice(url.indexOf('#')));
  assert.deepEqual(await view(again.page), seen, url);
  assert.deepEqual([...errors, ...again.errors], []);
  await again.page.close();
  return seen;
}

test('every view keeps its state in the URL: a new tab on it shows the same view', async () => {
  const main = p => p.locator('main');
  const loaded = async (p, id) => p.waitForSelector(`#page-${id}[data-loaded]`);
  // Topics: the partitions of a topic.
  await sameViewInANewTab('#/topics', async p => { await p.click(`text=${TAIL}`); await loaded(p, 'topics'); },
    async p => p.locator('h2', { hasText: 'Partitions of' }).innerText(), new RegExp(`topic=${TAIL.replace('.', '\\.')}`));
  // Messages: partition, start offset, limit and the hex view.
  const shown = await sameViewInANewTab(`#/messages?topic=${TAIL}`, async p => {
    await p.fill('input[name=partition]', '0'); await p.selectOption('select[name=from]', 'offset');
    await p.fill('input[name=arg]', '2'); await p.fill('input[name=limit]', '3'); await p.selectOption('select[name=mode]', 'hex');
    await p.click('form[aria-label="Message query"] button[type=submit]');
    await p.waitForFunction(() => document.querySelectorAll('#messages tr.record').length === 3);
    await p.click('#messages tr.record >> nth=0');
  }, async p => { await p.waitForSelector('#messages tr.record');
    return { offsets: await p.$$eval('#messages tr.record', rs => rs.map(r => r.children[1].textContent)),
      mode: await p.inputValue('select[name=mode]') }; }, /from=offset&arg=2&limit=3&mode=hex/);
  assert.deepEqual(shown, { offsets: ['2', '3', '4'], mode: 'hex' });
  // Groups: one group's page.
  await sameViewInANewTab('#/groups', async p => { await p.click('#page-groups a:text-is("laggy")'); await loaded(p, 'groups');
    await p.waitForSelector('h2:has-text("Lag of laggy")'); }, async p => p.locator('h2', { hasText: 'Lag of' }).innerText(), /group=laggy/);
  // DAG runs: the run the Gantt chart shows.
  await sameViewInANewTab('#/dags', async p => {
    await p.waitForSelector('select[name=gantt-run]');
    const runs = await p.$$eval('select[name=gantt-run] option', os => os.map(o => o.value));
    await p.selectOption('select[name=gantt-run]', runs[runs.length - 1]);
    await p.waitForFunction(v => document.querySelector('select[name=gantt-run]').value === v, runs[runs.length - 1]);
  }, async p => { await p.waitForSelector('#dag-gantt'); return { run: await p.inputValue('select[name=gantt-run]'),
    gantt: await p.getAttribute('#dag-gantt', 'aria-label') }; }, /run=\d+/);
  // Delta: a table's schema and history.
  await sameViewInANewTab('#/delta', async p => { await p.click('#page-delta table a >> nth=0'); await p.waitForSelector('#page-delta h2'); },
    async p => (await p.locator('#page-delta h2').allInnerTexts()).join('|'), /table=/);
  // Analytics: a run date's result.
  await sameViewInANewTab('#/analytics', async p => { await p.click('#page-analytics table a:text-is("category_by_year")');
    await p.waitForSelector('#page-analytics h2'); }, async p => ({ h: await p.locator('#page-analytics h2').innerText(),
    date: await p.inputValue('select[name=date]') }), /date=\d{4}-\d\d-\d\d&name=category_by_year/);
  // Analytics, live view: one table of the live view.
  await sameViewInANewTab('#/analytics', async p => { await p.click('#page-analytics a:text-is("live")');
    await p.waitForSelector('#page-analytics[data-loaded] h2'); await p.click('#page-analytics ul.inline a:text-is("category_by_year")');
    await p.waitForSelector('#page-analytics[data-loaded] h2:has-text("category_by_year")'); },
  async p => p.locator('#page-analytics h2').innerText(), /view=live&name=category_by_year/);
  // Kinesis streams: one stream of two.
  for (const name of ['url-a', 'url-b']) {
    const r = await fetch(`${base}/`, { method: 'POST', body: JSON.stringify({ StreamName: name, ShardCount: 1 }),
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.CreateStream' } });
    assert.equal(r.status, 200, await r.text());
  }
  const streams = await sameViewInANewTab('#/streams', async p => { await p.click('#page-streams h2 a:text-is("url-b")');
    await p.waitForFunction(() => document.querySelectorAll('#page-streams section.stream').length === 1); },
  async p => { await p.waitForSelector('#page-streams section.stream');
    return p.$$eval('#page-streams section.stream', ss => ss.map(s => s.dataset.stream)); }, /stream=url-b/);
  assert.deepEqual(streams, ['url-b']);
  // Lake: a prefix, then an object's preview.
  await sameViewInANewTab('#/lake', async p => { await p.click('#page-lake table a >> nth=0'); await loaded(p, 'lake');
    await p.waitForFunction(() => /prefix=/.test(location.hash) && document.querySelector('#page-lake[data-loaded]'));
  }, async p => (await main(p).innerText()).replace(/\s+/g, ' '), /prefix=/);
  // Record trace: the form's record.
  await sameViewInANewTab('#/trace', async p => {
    await p.selectOption('select[name=topic]', TAIL); await p.fill('input[name=partition]', '0'); await p.fill('input[name=offset]', '1');
    await p.click('form[aria-label="Record to trace"] button[type=submit]');
    await p.waitForSelector('#hop-record[data-state=done]', { timeout: 10000 });
  }, async p => { await p.waitForSelector('#hop-record'); return p.locator('#hop-record h2').innerText(); },
  new RegExp(`topic=${TAIL.replace('.', '\\.')}&partition=0&offset=1`));
});
