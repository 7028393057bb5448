// End-to-end tests of the Delta page (detail, a typed and paged data preview, time travel with
// its state in the URL) and of the DAG page's graph, task logs and backfill form. Its own server
// over a lake with a generated demo table and raw objects. Screenshots go to $UI_E2E_ARTIFACTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTIFACTS, BIN, launchBrowser, openPageIn, startServer, stopAll } from './harness.mjs';

let server, base, browser, dataDir, demo;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pinpipe-ui-delta-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  // A Delta table with 3 appends of 30 rows and a final overwrite; raw objects for DAG runs.
  demo = JSON.parse(execFileSync(BIN, ['--data-dir', dataDir, 'lake', 'write-demo-table', join(dataDir, 'lake', 'demo'),
    '--appends', '3', '--rows', '30'], { encoding: 'utf8' }));
  execFileSync(BIN, ['--data-dir', dataDir, 'batch', 'gen-raw', '--interactions', '200', '--records-per-object', '50'],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  // analyze fails its first attempt and is retried 2 s later: a task that runs long enough for
  // its log to be tailed (the other tasks are not affected).
  process.env.PINPIPE_TEST_FAIL_TASK = 'analyze:1';
  ({ server, base } = await startServer(dataDir, ['kafka.enabled=false', 'dag.sink_wait_s=0', 'dag.retries=1', 'dag.retry_delay_ms=2000']));
  delete process.env.PINPIPE_TEST_FAIL_TASK;
  browser = await launchBrowser();
});

after(() => stopAll({ browser, server, dataDir }));

const openPage = hash => openPageIn(browser, base, hash);

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
  // Time travel by timestamp: version 1's commit time resolves to the newest version committed
  // at or before it — version 1, or a later one committed within the same millisecond.
  const hist = (await (await fetch(`${base}/ui/api/delta/table?path=demo`)).json()).history;
  const v1 = hist.find(h => h.version === 1);
  const asOf = String(Math.max(...hist.filter(h => h.timestamp <= v1.timestamp).map(h => h.version)));
  await page.goto(`${base}/ui#/delta?table=demo&ts=${v1.timestamp}`);
  await page.waitForFunction(v => document.getElementById('delta-shown-version')?.textContent === v, asOf);
  assert.equal(await page.locator('#delta-preview tbody tr').count(), (await snapshot({ version: Number(asOf) })).rows.length);
  assert.deepEqual(errors, []);
  await page.close();
});

async function csrf() { return (await (await fetch(`${base}/ui/api/session`)).json()).csrf; }

test('the DAG page draws the graph, tails a task log and backfills a validated date range', async () => {
  const { page, errors } = await openPage('#/dags');
  // Backfill: the form refuses an end before the start, plans a dry run, then creates the runs.
  await page.fill('#backfill-from', '2026-11-12');
  await page.fill('#backfill-to', '2026-11-10');
  await page.click('#backfill-plan-button');
  await page.locator('#backfill-plan .error', { hasText: 'before the start date' }).waitFor();
  await page.fill('#backfill-from', '2026-01-01');
  await page.fill('#backfill-to', '2026-12-31');
  await page.click('#backfill-plan-button');
  await page.locator('#backfill-plan .error', { hasText: 'too many runs' }).waitFor();
  await page.fill('#backfill-from', '2026-11-10');
  await page.fill('#backfill-to', '2026-11-11');
  await page.click('#backfill-plan-button');
  await page.waitForSelector('#backfill-dates li');
  assert.deepEqual(await page.locator('#backfill-dates li').allInnerTexts(), ['2026-11-10', '2026-11-11']);
  assert.equal(await page.locator('#backfill-count').innerText(), '2');
  assert.deepEqual((await (await fetch(`${base}/ui/api/dags`)).json()).runs, [], 'a dry run creates no run');
  await page.screenshot({ path: join(ARTIFACTS, 'dags-backfill-plan.png'), fullPage: true });
  await page.click('#backfill-create');
  await page.waitForSelector('#backfill-started');
  // Both runs appear and succeed; the page's latest run shows in the graph with its states.
  const runs = async () => (await (await fetch(`${base}/ui/api/dags`)).json()).runs;
  const deadline = Date.now() + 120000;
  let done = [];
  while (Date.now() < deadline) {
    done = (await runs()).filter(r => r.trigger === 'backfill' && ['success', 'failed'].includes(r.state));
    if (done.length === 2) break;
    await new Promise(r => setTimeout(r, 500));
  }
  assert.deepEqual(done.map(r => r.logical_date).sort(), ['2026-11-10', '2026-11-11']);
  assert.ok(done.every(r => r.state === 'success'), JSON.stringify(done.map(r => r.state)));
  await page.waitForFunction(() => document.querySelectorAll('#dag-graph g.node.success').length === 5 &&
    document.getElementById('last-run-state')?.textContent === 'success', null, { timeout: 30000 });
  // The graph: one node per task, one edge per dependency (load → 3 cleans → analyze).
  const graph = await (await fetch(`${base}/ui/api/dags/pinterest_batch/graph`)).json();
  assert.equal(await page.locator('#dag-graph g.node').count(), graph.tasks.length);
  const edges = await page.locator('#dag-graph path.edge').evaluateAll(es => es.map(e => e.dataset.from + '>' + e.dataset.to).sort());
  assert.deepEqual(edges, graph.tasks.flatMap(t => t.upstream.map(u => u + '>' + t.task_id)).sort());
  // The task log: clicking a node shows its lines; the state is in the URL.
  await page.click('#dag-graph g.node[data-task="analyze"]');
  await page.waitForFunction(() => document.getElementById('task-log-status')?.dataset.done === '1' && /^analyze:/.test(document.getElementById('task-log-status').textContent));
  assert.match(page.url(), /task=analyze/);
  const lines = await page.locator('#task-log .log-line').allInnerTexts();
  assert.match(lines[0], /attempt 1 of \d+ started/);
  assert.match(lines.at(-1), /succeeded in/);
  await page.screenshot({ path: join(ARTIFACTS, 'dags-graph-log.png'), fullPage: true });
  // The refused "too many runs" plan is the one failed request.
  assert.deepEqual(errors.filter(e => !/status of 400/.test(e)), []);
  await page.close();
});

test('a task log follows new lines while the task runs', async () => {
  // analyze fails its first attempt and waits 2 s for its retry: its log, open from the start,
  // must grow while the task runs and end with the outcome.
  const { page, errors } = await openPage('#/dags?task=analyze');
  await page.fill('input[name=date]', '2026-11-13');
  await page.click('form[aria-label="Trigger a DAG run"] button[type=submit]');
  await page.waitForFunction(() => /analyze: (pending|running|up_for_retry), following/.test(document.getElementById('task-log-status')?.textContent || '') &&
    document.querySelector('#dag-grid th[title*="2026-11-13"]'), null, { timeout: 30000, polling: 50 });
  const during = await page.locator('#task-log .log-line').count();
  await page.waitForFunction(() => document.getElementById('task-log-status')?.dataset.done === '1', null, { timeout: 90000 });
  const lines = await page.locator('#task-log .log-line').allInnerTexts();
  assert.ok(lines.length > during, `no line arrived after the first view (${during} then ${lines.length})`);
  assert.ok(lines.some(l => /attempt 1 failed after .*injected failure/.test(l)), lines.join(' | '));
  assert.ok(lines.some(l => /up for retry in 2\.000 s/.test(l)), lines.join(' | '));
  assert.match(lines.at(-1), /\[2\] succeeded in/);
  assert.match(await page.locator('#task-log-status').innerText(), /^analyze: success/);
  // Each line once, in order (the tail asks only for lines after the last it has).
  const seqs = await page.locator('#task-log .log-line').evaluateAll(ls => ls.map(l => Number(l.dataset.seq)));
  assert.deepEqual(seqs, seqs.map((_, i) => i + 1));
  await page.screenshot({ path: join(ARTIFACTS, 'dags-log-tail.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});
