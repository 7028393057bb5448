// Pinned screenshots of every page, compared with the PNGs in pinned/ allowing font
// anti-aliasing to differ (≤ 0.3% of the pixels off by more than 48 levels).
//
// The server gets fixed data: 10 records on each REST topic, a consumer group's committed
// offset, a Kinesis stream of 12 records with fixed partition keys (read by the streaming job),
// the sink's objects (flush size 5) and one DAG run over them for a fixed logical date. What is
// legitimately live is marked `data-volatile` in the markup (rates, times, "x s ago", batch
// counts, run ids, charts and sparklines of live series): the test stops the page's timers and
// live feed, blanks each volatile element's text to one character (so its width — and the
// layout around it — is fixed) and masks it, as the connection dot, with a fixed-colour box.
// Headings, labels, tables, states and static values are all compared.
//
// After an intended change of the look: UPDATE_PINNED=1 node --test pinned.test.mjs rewrites
// them (then review the new PNGs before committing).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTIFACTS, kinesisCall, launchBrowser, sleep, startServer, stopAll, waitUntil } from './harness.mjs';
import { comparePng, decodePng } from './pixels.mjs';

const PINNED = new URL('./pinned/', import.meta.url).pathname;
const TOLERANCE = 0.003;
const DATE = '2026-11-23';
const STREAM = 'streaming-pinterest-pin';
// Every page of the nav, and the pages' main sub-views.
const PAGES = [['overview', '#/overview'], ['topics', '#/topics'], ['topic', '#/topics?topic=pinterest.pin'],
  ['messages', '#/messages?topic=pinterest.pin'], ['produce', '#/produce'], ['rest', '#/rest'], ['groups', '#/groups'], ['group', '#/groups?group=pinned'],
  ['sink', '#/sink'], ['streams', '#/streams'], ['stream', '#/stream'], ['dags', '#/dags'], ['delta', '#/delta'],
  ['analytics', '#/analytics'], ['lake', '#/lake'], ['trace-form', '#/trace'],
  ['trace', '#/trace?topic=pinterest.pin&partition=0&offset=7']];
let server, base, browser, dataDir;

const getJson = async path => (await fetch(base + path)).json();

async function post(path, body, type) {
  const r = await fetch(base + path, { method: 'POST', headers: { 'content-type': type }, body: JSON.stringify(body) });
  const text = await r.text();
  assert.ok(r.ok, `${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : {};
}
const kinesis = (op, body) => kinesisCall(base, op, body);

const until = (what, fn, tries = 240) => waitUntil(what, fn, tries);

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pinpipe-ui-pinned-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ server, base } = await startServer(dataDir, ['kafka.enabled=false', 'sink.flush_size=5']));
  const n = [...Array(10).keys()];
  const json = 'application/vnd.kafka.json.v2+json';
  await post('/topics/pinterest.pin', { records: n.map(i => ({ key: `k${i}`, value: { index: i, unique_id: `u${i}`, title: `pin ${i}`,
    description: 'd', poster_name: 'p', follower_count: '5k', tag_list: 'a', is_image_or_video: 'image', image_src: 's', downloaded: 1,
    save_location: 'Local save in /data/art', category: i % 3 ? 'art' : 'travel' } })) }, json);
  await post('/topics/pinterest.geo', { records: n.map(i => ({ value: { ind: i, timestamp: '2020-01-01 00:00:00', latitude: 1.0,
    longitude: 2.0, country: i % 2 ? 'Aruba' : 'Chile' } })) }, json);
  await post('/topics/pinterest.user', { records: n.map(i => ({ value: { ind: i, first_name: 'A', last_name: 'B', age: 20 + i,
    date_joined: '2016-01-01 00:00:00' } })) }, json);
  // A consumer group with a committed offset (the REST Proxy commits offset + 1): lag 10 - 4 = 6.
  const ct = 'application/vnd.kafka.v2+json';
  await post('/consumers/pinned', { name: 'c1', format: 'json' }, ct);
  await post('/consumers/pinned/instances/c1/offsets', { offsets: [{ topic: 'pinterest.pin', partition: 0, offset: 3 }] }, ct);
  await kinesis('CreateStream', { StreamName: STREAM, ShardCount: 2 });
  const put = await kinesis('PutRecords', { StreamName: STREAM, Records: Array.from({ length: 12 }, (_, i) => ({
    PartitionKey: `p${i}`, Data: Buffer.from(JSON.stringify({ index: 100 + i, unique_id: `s${i}`, title: `stream pin ${i}`,
      category: 'art', follower_count: '5k' })).toString('base64') })) });
  assert.equal(put.FailedRecordCount, 0);
  // The DAG run for DATE (its load waits for the sink to land every record).
  const csrf = (await getJson('/ui/api/session')).csrf;
  const t = await fetch(`${base}/ui/api/dags/pinterest_batch/trigger`, { method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ date: DATE }) });
  assert.equal(t.status, 202, await t.text());
  const run = await until('the DAG run', async () => (await getJson('/ui/api/dags')).runs.find(r => r.logical_date === DATE &&
    ['success', 'failed', 'skipped'].includes(r.state)));
  assert.equal(run.state, 'success', JSON.stringify(run));
  // Everything settled: the sink and the streaming job caught up, the group's lag sampled,
  // then the per-second rates back to zero (card states follow them).
  await until('the sink', async () => { const s = await getJson('/ui/api/sink');
    return s.partitions.length === 3 && s.partitions.every(p => p.committed === 10 && p.log_end === 10); });
  await until('the streaming job', async () => { const s = await getJson('/ui/api/stream');
    return s.job && s.job.records === 12 && s.partitions.length === 2 && s.partitions.every(p => p.lag_records === 0 && p.committed === p.end); });
  await until('the group lag', async () => (await getJson('/ui/api/overview')).groups.some(g => g.group === 'pinned' && g.lag === 6));
  await sleep(2500);
  browser = await launchBrowser();
});

after(() => stopAll({ browser, server, dataDir }));

// The page at `hash`, its live parts stopped, blanked and masked; `change` runs before the shot.
async function shoot(hash, change) {
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 600 }, colorScheme: 'light', deviceScaleFactor: 1,
    locale: 'en-US', timezoneId: 'UTC' });
  // No live feed, and the page's polling timers can be stopped once it has rendered.
  await ctx.addInitScript(() => {
    const ids = [], setI = window.setInterval.bind(window);
    window.setInterval = (...a) => { const id = setI(...a); ids.push(id); return id; };
    window.__pinnedFreeze = () => ids.forEach(id => clearInterval(id));
    window.EventSource = class { addEventListener() {} close() {} };
  });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  await page.goto(`${base}/ui${hash}`);
  await page.waitForSelector('[data-loaded]', { timeout: 10000 });
  await page.evaluate(() => {
    window.__pinnedFreeze();
    for (const e of document.querySelectorAll('[data-volatile]')) {
      if (e instanceof SVGElement) e.replaceChildren();
      else if (!e.children.length) e.textContent = '#';
    }
  });
  if (change) await page.evaluate(change);
  const shot = await page.screenshot({ fullPage: true, animations: 'disabled', caret: 'hide',
    mask: [page.locator('[data-volatile]'), page.locator('#live')] });
  await ctx.close();
  assert.deepEqual(errors, [], hash);
  return shot;
}

function compareWithPinned(name, shot) {
  writeFileSync(join(ARTIFACTS, `pinned-${name}.png`), shot);
  const file = join(PINNED, `${name}.png`);
  if (process.env.UPDATE_PINNED === '1' || !existsSync(file)) {
    mkdirSync(PINNED, { recursive: true });
    writeFileSync(file, shot);
    if (process.env.UPDATE_PINNED !== '1') assert.fail(`no pinned ${file}: written now, review and commit it`);
    return null;
  }
  return comparePng(shot, readFileSync(file));
}

for (const [name, hash] of PAGES) {
  test(`the ${name} page looks as pinned`, async t => {
    const d = compareWithPinned(name, await shoot(hash));
    if (d) {
      t.diagnostic(`${name}: ${d.differing} of ${d.total} pixels differ`);
      assert.ok(d.ratio <= TOLERANCE, `${name}: ${d.differing} of ${d.total} pixels differ (${(100 * d.ratio).toFixed(2)}% > ${100 * TOLERANCE}%)${d.size ? ' ' + d.size : ''}; ` +
        `actual in ${join(ARTIFACTS, `pinned-${name}.png`)}`);
    }
  });
}

test('the comparison sees a real change and tolerates none in the same image', () => {
  const file = join(PINNED, 'produce.png');
  const png = readFileSync(file);
  assert.equal(comparePng(png, png).differing, 0);
  const { width } = decodePng(png);
  assert.equal(width, 1000);
  // Every two pages differ by far more than the tolerance.
  for (let i = 0; i < PAGES.length; i++) {
    for (let j = i + 1; j < PAGES.length; j++) {
      const d = comparePng(readFileSync(join(PINNED, `${PAGES[i][0]}.png`)), readFileSync(join(PINNED, `${PAGES[j][0]}.png`)));
      assert.ok(d.ratio > TOLERANCE, `${PAGES[i][0]} vs ${PAGES[j][0]}: ${JSON.stringify(d)}`);
    }
  }
});

test('a layout change on a masked page is caught', async () => {
  // The topics page masks each topic's rate and "last produced"; its table left in place but
  // invisible (the same page size: the pixels must differ) ...
  const invisible = await shoot('#/topics', () => { document.querySelector('#page-topics table').style.visibility = 'hidden'; });
  writeFileSync(join(ARTIFACTS, 'pinned-topics-changed.png'), invisible);
  const d = comparePng(invisible, readFileSync(join(PINNED, 'topics.png')));
  assert.ok(!d.size && d.ratio > TOLERANCE, JSON.stringify(d));
  // ... or the overview's group table taken out of the layout (the page is shorter). The
  // tolerance is a share of the page: the same one-row table only made invisible on the tall
  // overview changes ~0.13% of its pixels, under it.
  const gone = await shoot('#/overview', () => { document.querySelector('#page-overview table').style.display = 'none'; });
  assert.ok(comparePng(gone, readFileSync(join(PINNED, 'overview.png'))).ratio > TOLERANCE);
});
