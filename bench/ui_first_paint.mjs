// Overview first paint (issue 20 §5: ≤ 200 ms with 100 topics and 1,000 DAG runs): a fresh
// `pinpipe serve` gets 100 topics (one REST produce each) and 1,000 finished runs of the
// 5-task batch DAG in its run history (written straight into <data>/state/runs.db by
// bench/ui_seed_runs.py, after the server created the schema), then headless chromium
// (playwright-core from tests/ui-e2e, Debian's chromium) loads /ui#/overview in a fresh
// context (cold cache) RUNS times. Per load: First Contentful Paint, and "content" = the
// first frame after the overview's cards, group table and last run are in the DOM
// (#page-overview[data-loaded]); from navigation start.
// Usage: node bench/ui_first_paint.mjs BIN   (RUNS, default 7; prints name=value lines;
// PAINT_DETAIL=1 also prints each load's resource timings to stderr)
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '../tests/ui-e2e/package.json'));
const { chromium } = require('playwright-core');

const BIN = process.argv[2] || join(here, '../build/pinpipe');
const RUNS = Number(process.env.RUNS || 7);
const TOPICS = 100, DAG_RUNS = 1000;
const sleep = ms => new Promise(r => setTimeout(r, ms));
const freePort = () => new Promise((ok, fail) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
  s.on('error', fail);
});

const dataDir = mkdtempSync(join(tmpdir(), 'pinpipe-ui-paint-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = spawn(BIN, ['--data-dir', dataDir, '--port', String(port), '--set', 'scheduler.enabled=false',
  '--set', 'kafka.enabled=false', 'serve'], { stdio: ['ignore', 'ignore', 'ignore'] });
let browser;
try {
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${base}/healthz`)).ok) break; } catch { /* not up yet */ }
    await sleep(100);
  }
  for (let i = 0; i < TOPICS; i++) {
    const r = await fetch(`${base}/topics/bench.t${String(i).padStart(3, '0')}`, { method: 'POST',
      headers: { 'content-type': 'application/vnd.kafka.json.v2+json' }, body: JSON.stringify({ records: [{ value: { i } }] }) });
    if (!r.ok) throw new Error(`produce: ${r.status} ${await r.text()}`);
  }
  // The dashboard opens (and creates) the run history on first use; then the runs go in.
  await (await fetch(`${base}/ui/api/dags?limit=1`)).json();
  execFileSync('python3', [join(here, 'ui_seed_runs.py'), join(dataDir, 'state', 'runs.db'), String(DAG_RUNS)], { stdio: 'inherit' });
  const dags = await (await fetch(`${base}/ui/api/dags?limit=2000`)).json();
  const overview = await (await fetch(`${base}/ui/api/overview`)).json();
  if (dags.runs.length !== DAG_RUNS || overview.topics !== TOPICS || !overview.last_run) {
    throw new Error(`seeding: ${dags.runs.length} runs, ${overview.topics} topics, last run ${JSON.stringify(overview.last_run)}`);
  }
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: [
    '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const fcp = [], content = [];
  for (let i = 0; i < RUNS + 1; i++) {  // the first load warms the server's page cache and the browser; not counted
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await ctx.addInitScript(() => {
      // The first frame painted after the overview's content is in the DOM.
      new MutationObserver((_, obs) => {
        if (document.querySelector('#page-overview[data-loaded] .card')) {
          obs.disconnect();
          requestAnimationFrame(() => setTimeout(() => { window.__contentMs = performance.now(); }, 0));
        }
      }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-loaded'] });
    });
    const page = await ctx.newPage();
    await page.goto(`${base}/ui#/overview`);
    await page.waitForFunction(() => window.__contentMs !== undefined, null, { timeout: 10000 });
    const m = await page.evaluate(() => ({ content: window.__contentMs,
      fcp: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime,
      res: [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')].map(r =>
        `${r.name.replace(/^.*\/ui/, '')} ${r.startTime.toFixed(0)}-${r.responseEnd.toFixed(0)}`) }));
    if (process.env.PAINT_DETAIL) console.error(m.content.toFixed(0), m.res.join(' | '));
    await ctx.close();
    if (i === 0) continue;
    fcp.push(m.fcp);
    content.push(m.content);
  }
  const median = a => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
  const f = x => x.toFixed(1);
  console.log(`topics=${TOPICS} dag_runs=${DAG_RUNS} loads=${RUNS}`);
  console.log(`fcp_median_ms=${f(median(fcp))} fcp_max_ms=${f(Math.max(...fcp))}`);
  console.log(`content_median_ms=${f(median(content))} content_max_ms=${f(Math.max(...content))}`);
  console.log(`content_ms=${content.map(f).join(',')}`);
} finally {
  if (browser) await browser.close();
  server.kill('SIGTERM');
  await new Promise(r => server.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
}
