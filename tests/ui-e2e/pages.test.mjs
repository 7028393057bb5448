// End-to-end checks of the dashboard views added for issue 20's missing items, on a server of
// their own: the REST Proxy page, the overview's sink freshness and stream latency cards, a
// consumer group's member assignments and lag in time, the sink's open and last objects, the
// Kinesis iterator ages and the streaming job's latency histograms.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTIFACTS, kinesisCall, launchBrowser, openPageIn, startServer, stopAll, waitUntil } from './harness.mjs';

const TOPIC = 'pinterest.pin';
const STREAM = 'streaming-pinterest-pin';
const V2 = 'application/vnd.kafka.v2+json';
let server, base, browser, dataDir;

async function call(method, path, body, type) {
  const r = await fetch(base + path, { method, headers: type ? { 'content-type': type } : {}, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  return { status: r.status, body: json };
}
const kinesis = (op, body) => kinesisCall(base, op, body);
const until = (what, fn, tries = 120) => waitUntil(what, fn, tries);

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pinpipe-ui-pages-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ server, base } = await startServer(dataDir, ['kafka.enabled=false', 'sink.flush_size=5',
    'sink.rotate_schedule_interval_ms=600000', 'log.default_partitions=1']));
  // 12 records in one request: the sink cuts [0,5) and [5,10); [10,12) stays open.
  const produced = await call('POST', `/topics/${TOPIC}`, { records: Array.from({ length: 12 }, (_, i) => ({ value: { index: i } })) },
    'application/vnd.kafka.json.v2+json');
  assert.equal(produced.status, 200);
  assert.equal((await call('GET', '/topics/no-such-topic')).status, 404);
  // A subscribed REST consumer (a coordinator member) that committed offset 3 (stored as 4).
  assert.equal((await call('POST', '/consumers/pages', { name: 'reader', format: 'json', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' }, V2)).status, 200);
  assert.equal((await call('POST', '/consumers/pages/instances/reader/subscription', { topics: [TOPIC] }, V2)).status, 204);
  await until('the member to read', async () => {
    const r = await fetch(`${base}/consumers/pages/instances/reader/records?timeout=300`, { headers: { accept: 'application/vnd.kafka.json.v2+json' } });
    return r.ok && (await r.json()).length > 0;
  });
  assert.equal((await call('POST', '/consumers/pages/instances/reader/offsets', { offsets: [{ topic: TOPIC, partition: 0, offset: 3 }] }, V2)).status, 200);
  // A Kinesis stream the streaming job reads, and a GetRecords caller 5 records into it.
  await kinesis('CreateStream', { StreamName: STREAM, ShardCount: 1 });
  await kinesis('PutRecords', { StreamName: STREAM, Records: Array.from({ length: 10 }, (_, i) => ({
    PartitionKey: `p${i}`, Data: Buffer.from(JSON.stringify({ index: 100 + i, title: `stream pin ${i}` })).toString('base64') })) });
  const it = await kinesis('GetShardIterator', { StreamName: STREAM, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' });
  const got = await kinesis('GetRecords', { ShardIterator: it.ShardIterator, Limit: 5 });
  assert.equal(got.Records.length, 5);
  await until('the sink', async () => (await call('GET', '/ui/api/sink')).body.partitions.some(p => p.topic === TOPIC && p.committed === 10));
  await until('the streaming job', async () => { const s = (await call('GET', '/ui/api/stream')).body;
    return s.job && s.job.records === 10 && s.partitions.every(p => p.lag_records === 0); });
  browser = await launchBrowser();
});

after(() => stopAll({ browser, server, dataDir }));

const openPage = hash => openPageIn(browser, base, hash);
const rowTexts = async (page, sel) => (await page.locator(`${sel} tbody tr`).allInnerTexts()).map(t => t.split('\t').map(s => s.trim()));

test('the REST Proxy page shows requests by route and status, latencies and rejections', async () => {
  const { page, errors } = await openPage('#/rest');
  const rows = await rowTexts(page, 'table.rest-routes');
  const produce = rows.find(r => r[0] === 'POST' && r[1] === '/topics/{topic}');
  assert.ok(produce, JSON.stringify(rows));
  assert.equal(produce[2], '1');  // requests
  assert.equal(produce[4], '1');  // 2xx
  const getTopic = rows.find(r => r[0] === 'GET' && r[1] === '/topics/{topic}');
  assert.equal(getTopic[5], '1');  // 4xx
  assert.equal(getTopic[7], '404×1');
  assert.match(produce[8], /^[\d.,]+$/);  // p50 ms
  assert.ok(!rows.some(r => r[1].startsWith('/ui')), 'the dashboard routes are hidden by default');
  const rejections = await rowTexts(page, 'table.rest-rejections');
  assert.deepEqual(rejections.find(r => r[0] === '404'), ['404', 'not found', '1']);
  assert.equal(await page.locator('table.rest-routes svg.spark').count(), rows.length * 2);
  // The dashboard's own routes on request, kept in the URL.
  await page.check('#rest-show-ui');
  await page.waitForFunction(() => [...document.querySelectorAll('table.rest-routes td')].some(td => td.textContent.startsWith('/ui/api')));
  assert.match(page.url(), /#\/rest\?ui=1$/);
  await page.screenshot({ path: join(ARTIFACTS, 'rest.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the overview has sink freshness and stream latency cards with sparklines', async () => {
  const { page, errors } = await openPage('#/overview');
  for (const key of ['sink.lag_ms', 'stream.latency_p50_ms', 'stream.latency_p99_ms']) {
    const card = page.locator(`.card[data-key="${key}"]`);
    assert.equal(await card.count(), 1, key);
    assert.equal(await card.locator('svg.spark').count(), 1, key);
    assert.match(await card.getAttribute('class'), /card (ok|warn|bad|idle)/);
  }
  // Records 10 and 11 wait in the open object: the sink's lag in time is their age, > 0.
  await until('the sink lag card', async () => {
    await page.reload();
    await page.waitForSelector('[data-loaded]');
    const v = await page.locator('.card[data-key="sink.lag_ms"] .value').innerText();
    return v !== '–' && Number(v.replace(/,/g, '')) > 0;
  }, 40);
  assert.equal(await page.locator('.card[data-key="sink.lag_ms"] .label').innerText(), 'Sink freshness (lag)');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a consumer group shows its members\' assignments and the lag in time', async () => {
  const { page, errors } = await openPage('#/groups?group=pages');
  const members = await rowTexts(page, 'table.group-assignments');
  assert.equal(members.length, 1);
  assert.equal(members[0][0], 'rest');
  assert.equal(members[0][2], 'reader');
  assert.equal(members[0][4], `${TOPIC}-0`);
  const parts = await rowTexts(page, 'table.group-partitions');
  assert.equal(parts.length, 1);
  assert.deepEqual(parts[0].slice(0, 5), [TOPIC, '0', '4', '12', '8']);
  assert.match(parts[0][5], /^[\d,.]+ ms$/);
  assert.equal(parts[0][6], 'reader');
  await page.screenshot({ path: join(ARTIFACTS, 'group-assignments.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the sink page shows the open object, its next rotation and the last objects', async () => {
  const { page, errors } = await openPage('#/sink');
  assert.match(await page.locator('#sink-rotation').innerText(), /flush\.size 5 records, rotate\.schedule\.interval\.ms 600,000/);
  const open = (await rowTexts(page, 'table.sink-open')).find(r => r[0] === TOPIC);
  assert.equal(open[2], '10');  // from offset
  assert.equal(open[3], '2');   // records buffered
  assert.match(open[4], /^\d+ B$/);
  assert.match(open[6], /^3 more records or at \d{4}-\d\d-\d\d /);
  const recent = await rowTexts(page, 'table.sink-recent');
  assert.equal(recent.length, 2);
  assert.match(recent[0][0], new RegExp(`${TOPIC.replace('.', '\\.')}\\+0\\+0000000005\\.json$`));
  assert.deepEqual(recent.map(r => r[3]), ['5 – 9', '0 – 4']);
  assert.deepEqual(recent.map(r => r[1]), ['5', '5']);
  await page.screenshot({ path: join(ARTIFACTS, 'sink-objects.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the Kinesis streams page shows the iterator age per shard and reader', async () => {
  const { page, errors } = await openPage(`#/streams?stream=${STREAM}`);
  const readers = await page.locator('table.shards ul.readers li').allInnerTexts();
  assert.ok(readers.some(r => /^GetRecords: [\d,.]+ ms · /.test(r)), JSON.stringify(readers));
  assert.ok(readers.some(r => /^stream job: 0 ms$/.test(r)), JSON.stringify(readers));
  const api = (await call('GET', '/ui/api/streams')).body.streams[0].shards[0];
  assert.equal(api.iterator_age_ms, Math.max(...api.readers.map(r => r.millis_behind)));
  await page.screenshot({ path: join(ARTIFACTS, 'streams-iterator-age.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the streaming job page draws its batch latency histograms', async () => {
  const { page, errors } = await openPage('#/stream');
  const job = (await call('GET', '/ui/api/stream')).body.job;
  const charts = page.locator('#stream-histograms svg.histogram');
  assert.equal(await charts.count(), 2);
  for (let i = 0; i < 2; i++) {
    const bars = charts.nth(i).locator('rect');
    assert.equal(await bars.count(), job.histograms.commit_latency.counts.length);
    const counts = await bars.evaluateAll(rs => rs.map(r => Number(r.getAttribute('data-count'))));
    assert.equal(counts.reduce((a, b) => a + b, 0), job.batches);
  }
  await page.screenshot({ path: join(ARTIFACTS, 'stream-histograms.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});
