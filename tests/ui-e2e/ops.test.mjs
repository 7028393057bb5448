// End-to-end tests of the dashboard's operations: the consumer-group offset reset form (a dry
// run shown before executing), the sink's pause / resume buttons and the DAG page's Gantt chart. Its own server, so the seeded state of dashboard.test.mjs is
// untouched. Screenshots go to $UI_E2E_ARTIFACTS (default /tmp/pinpipe-ui-e2e).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTIFACTS, BIN, callJson, launchBrowser, openPageIn, startServer, stopAll } from './harness.mjs';

const TOPIC = 'ops.pin';  // not a sink topic: the lake holds only the seeded raw objects
const V2 = { 'content-type': 'application/vnd.kafka.v2+json' };

let server, base, browser, dataDir;


const call = (method, path, body, headers) => callJson(base, method, path, body, headers);

async function committed(group) {
  const g = (await call('GET', '/ui/api/groups')).body.groups.find(g => g.group === group);
  return g ? g.partitions.map(p => p.committed) : [];
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pinpipe-ui-ops-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  // Raw objects of the three topics in the lake, so the daily DAG has input (Gantt test).
  execFileSync(BIN, ['--data-dir', dataDir, 'batch', 'gen-raw', '--interactions', '200', '--records-per-object', '50'],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  ({ server, base } = await startServer(dataDir, ['kafka.enabled=false', 'dag.sink_wait_s=0']));
  const p = await fetch(`${base}/topics/${TOPIC}`, { method: 'POST', headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
    body: JSON.stringify({ records: Array.from({ length: 8 }, (_, i) => ({ value: { index: i } })) }) });
  assert.equal(p.status, 200);
  browser = await launchBrowser();
});

after(() => stopAll({ browser, server, dataDir }));

const openPage = hash => openPageIn(browser, base, hash);

test('the offset reset form shows the dry-run plan, then executes it', async () => {
  // A group that committed offset 6 (the REST Proxy stores offset + 1) and has no live member.
  const g = '/consumers/ops-reset';
  assert.equal((await call('POST', g, { name: 'c1', format: 'json' }, V2)).status, 200);
  assert.equal((await call('POST', `${g}/instances/c1/offsets`, { offsets: [{ topic: TOPIC, partition: 0, offset: 5 }] }, V2)).status, 200);
  assert.equal((await call('DELETE', `${g}/instances/c1`, undefined, V2)).status, 204);
  assert.deepEqual(await committed('ops-reset'), [6]);

  const { page, errors } = await openPage('#/groups?group=ops-reset');
  assert.equal(await page.locator('#reset-execute').isDisabled(), true);  // nothing planned yet
  await page.selectOption('select[name=reset-strategy]', 'to-offset');
  await page.fill('input[name=reset-value]', '2');
  await page.click('form[aria-label="Reset offsets"] button[type=submit]');
  await page.waitForSelector('#reset-plan table.reset-plan');
  const plan = await page.locator('#reset-plan table.reset-plan tbody tr').first().innerText();
  assert.deepEqual(plan.split('\t').map(s => s.trim()), [TOPIC, '0', '6', '2', '8', '6']);
  assert.match(await page.locator('#reset-plan').innerText(), /Dry run/);
  assert.deepEqual(await committed('ops-reset'), [6], 'the dry run changed nothing');
  await page.screenshot({ path: join(ARTIFACTS, 'groups-reset-plan.png'), fullPage: true });

  // Editing an input invalidates the plan: execute needs a fresh preview.
  await page.fill('input[name=reset-value]', '3');
  assert.equal(await page.locator('#reset-execute').isDisabled(), true);
  await page.fill('input[name=reset-value]', '2');
  await page.click('form[aria-label="Reset offsets"] button[type=submit]');
  await page.waitForFunction(() => !document.getElementById('reset-execute').disabled);
  await page.click('#reset-execute');
  await page.locator('#reset-plan', { hasText: 'Offsets reset.' }).waitFor({ timeout: 5000 });
  assert.deepEqual(await committed('ops-reset'), [2]);

  // A live member: the preview is refused with the reason, and the page lists the member.
  assert.equal((await call('POST', g, { name: 'c2', format: 'json' }, V2)).status, 200);
  await page.click('form[aria-label="Reset offsets"] button[type=submit]');
  await page.locator('#reset-plan .error', { hasText: 'active member' }).waitFor({ timeout: 5000 });
  assert.equal(await page.locator('#reset-execute').isDisabled(), true);
  assert.deepEqual(errors.filter(e => !e.includes('409')), []);
  await page.close();
  const again = await openPage('#/groups?group=ops-reset');
  assert.match(await again.page.locator('#group-members').innerText(), /rest:c2/);
  await again.page.close();
});

test('the sink page pauses and resumes the connector', async () => {
  const status = async () => (await call('GET', '/connectors/pinpipe-s3-sink/status')).body;
  const { page, errors } = await openPage('#/sink');
  assert.equal(await page.locator('#sink-state').innerText(), 'RUNNING');
  await page.click('#sink-pause');
  await page.locator('#sink-state', { hasText: 'PAUSED' }).waitFor({ timeout: 5000 });
  assert.equal((await status()).connector.state, 'PAUSED');
  await page.screenshot({ path: join(ARTIFACTS, 'sink-paused.png'), fullPage: true });
  await page.click('#sink-resume');
  await page.locator('#sink-state', { hasText: 'RUNNING' }).waitFor({ timeout: 5000 });
  assert.equal((await status()).connector.state, 'RUNNING');
  assert.match(await page.locator('#sink-msg').innerText(), /Resumed/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the DAG page draws a Gantt bar for every task of a finished run', async () => {
  const dags = (await call('GET', '/ui/api/dags')).body.dags;
  assert.ok(dags.length > 0);
  const csrf = (await call('GET', '/ui/api/session')).body.csrf;
  assert.equal((await call('POST', `/ui/api/dags/${dags[0]}/trigger`, {}, { 'x-csrf-token': csrf })).status, 202);
  let run;
  for (let i = 0; i < 600; i++) {
    run = (await call('GET', '/ui/api/dags?limit=1')).body.runs[0];
    if (run && run.state !== 'running') break;
    await new Promise(r => setTimeout(r, 100));
  }
  assert.ok(run && run.state === 'success', JSON.stringify(run));
  const started = run.tasks.filter(t => t.start_us > 0);
  assert.equal(started.length, run.tasks.length);
  const { page, errors } = await openPage(`#/dags?run=${run.id}`);
  await page.waitForSelector('#dag-gantt rect.bar');
  assert.equal(await page.locator('#dag-gantt rect.bar').count(), started.length);
  // One bar per started task, in the task's state, each with a positive width, none before the run's start.
  const bars = await page.$$eval('#dag-gantt rect.bar', rs => rs.map(r => ({ cls: r.getAttribute('class'),
    x: Number(r.getAttribute('x')), w: Number(r.getAttribute('width')), title: r.querySelector('title').textContent })));
  for (const t of started) {
    const b = bars.find(b => b.title.startsWith(t.task_id + ':'));
    assert.ok(b, `no bar for ${t.task_id}`);
    assert.equal(b.cls, 'bar ' + t.state);
    assert.ok(b.w > 0 && b.x >= 170, JSON.stringify(b));
  }
  // Bars follow the tasks' start order.
  const byStart = started.slice().sort((a, b) => a.start_us - b.start_us).map(t => t.task_id);
  const byX = bars.slice().sort((a, b) => a.x - b.x).map(b => b.title.split(':')[0]);
  assert.equal(byX[0], byStart[0]);
  await page.screenshot({ path: join(ARTIFACTS, 'dags-gantt.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});
