// Accessibility of the main pages with axe-core (pinned in package.json): each page is loaded
// with seeded data (topics, a consumer group, Kinesis shards, a finished DAG run with its
// Delta tables and analytics), axe-core's script is injected into it and every violation of
// impact "serious" or "critical" fails the test, in the light and the dark colour scheme.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTIFACTS, BIN, callJson, launchBrowser, startServer, stopAll } from './harness.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const TOPIC = 'pinterest.pin';
let server, base, browser, dataDir, hashes;

async function call(method, path, body, headers) {
  const r = await callJson(base, method, path, body, headers);
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pinpipe-ui-axe-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  execFileSync(BIN, ['--data-dir', dataDir, 'batch', 'gen-raw', '--interactions', '200', '--records-per-object', '50'],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  ({ server, base } = await startServer(dataDir, ['kafka.enabled=false', 'dag.sink_wait_s=0']));
  await call('POST', `/topics/${TOPIC}`, { records: Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: { index: i } })) },
    { 'content-type': 'application/vnd.kafka.json.v2+json' });
  const v2 = { 'content-type': 'application/vnd.kafka.v2+json' };
  await call('POST', '/consumers/axe', { name: 'c1', format: 'json' }, v2);
  await call('POST', '/consumers/axe/instances/c1/offsets', { offsets: [{ topic: TOPIC, partition: 0, offset: 1 }] }, v2);
  const kinesis = (op, body) => call('POST', '/', body, { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `Kinesis_20131202.${op}` });
  await kinesis('CreateStream', { StreamName: 'axe-stream', ShardCount: 1 });
  // A finished DAG run: Delta tables, analytics results and the run's grid, Gantt, graph and log.
  const csrf = (await call('GET', '/ui/api/session')).csrf;
  await call('POST', '/ui/api/dags/pinterest_batch/trigger', { date: '2026-11-21' }, { 'x-csrf-token': csrf });
  for (let i = 0; i < 600; i++) {
    const run = (await call('GET', '/ui/api/dags')).runs.find(r => r.logical_date === '2026-11-21');
    if (run && run.state !== 'running') { assert.equal(run.state, 'success'); break; }
    await new Promise(r => setTimeout(r, 200));
  }
  const tables = (await call('GET', '/ui/api/delta')).tables;
  const analytics = await call('GET', '/ui/api/analytics');
  hashes = [['overview', '#/overview'], ['topics', `#/topics?topic=${TOPIC}`], ['messages', `#/messages?topic=${TOPIC}`],
    ['produce', '#/produce'], ['groups', '#/groups?group=axe'], ['sink', '#/sink'], ['streams', '#/streams?stream=axe-stream'],
    ['stream', '#/stream'], ['dags', '#/dags?task=load'], ['delta', `#/delta?table=${encodeURIComponent(tables[0])}`],
    ['analytics', `#/analytics?date=${analytics.date}&name=top_user_by_country`],
    ['analytics-map', `#/analytics?date=${analytics.date}&name=category_by_country`], ['lake', '#/lake'],
    ['trace', `#/trace?topic=${TOPIC}&partition=0&offset=1`]];
  browser = await launchBrowser();
});

after(() => stopAll({ browser, server, dataDir }));

async function audit(colorScheme) {
  const found = [];
  for (const [name, hash] of hashes) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme });
    await page.goto(`${base}/ui${hash}`);
    await page.waitForSelector('[data-loaded]', { timeout: 10000 });
    await page.addScriptTag({ path: AXE });
    const violations = await page.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ['violations'] });
      return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.failureSummary.split('\n').slice(1, 2).join('')) }));
    });
    for (const v of violations) found.push(`${name} (${colorScheme}): ${v.id} [${v.impact}] ${v.help}\n    ${v.nodes.join('\n    ')}`);
    await page.close();
  }
  return found;
}

test('axe finds no serious or critical violation on the main pages (light)', async () => {
  const found = await audit('light');
  assert.deepEqual(found, [], found.join('\n'));
});

test('axe finds no serious or critical violation on the main pages (dark)', async () => {
  const found = await audit('dark');
  assert.deepEqual(found, [], found.join('\n'));
});

test('the audit sees a planted violation (a button without a name, grey on grey text)', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${base}/ui#/overview`);
  await page.waitForSelector('[data-loaded]');
  await page.evaluate(() => document.getElementById('main').append(Object.assign(document.createElement('button'), { id: 'planted' }),
    Object.assign(document.createElement('p'), { textContent: 'faint', style: 'color:#bbb;background:#ccc' })));
  await page.addScriptTag({ path: AXE });
  const ids = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id).sort());
  assert.deepEqual(ids, ['button-name', 'color-contrast']);
  await page.close();
});
