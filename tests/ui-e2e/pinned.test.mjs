// Pinned screenshots: pages whose content is deterministic on a fresh server (no topics, no
// runs) are compared with the PNGs in pinned/, allowing font anti-aliasing to differ (≤ 0.3% of
// the pixels off by more than 48 levels). The connection dot is masked. After an intended
// change of the look: UPDATE_PINNED=1 node --test pinned.test.mjs rewrites them (then review
// the new PNGs before committing).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTIFACTS, launchBrowser, startServer, stopAll } from './harness.mjs';
import { comparePng, decodePng } from './pixels.mjs';

const PINNED = new URL('./pinned/', import.meta.url).pathname;
const TOLERANCE = 0.003;
let server, base, browser, dataDir;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pinpipe-ui-pinned-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ server, base } = await startServer(dataDir, ['kafka.enabled=false', 'sink.enabled=false', 'stream.enabled=false']));
  browser = await launchBrowser();
});

after(() => stopAll({ browser, server, dataDir }));

for (const [name, hash] of [['produce', '#/produce'], ['trace-form', '#/trace']]) {
  test(`the ${name} page looks as pinned`, async () => {
    const ctx = await browser.newContext({ viewport: { width: 1000, height: 600 }, colorScheme: 'light', deviceScaleFactor: 1,
      locale: 'en-US', timezoneId: 'UTC' });
    const page = await ctx.newPage();
    await page.goto(`${base}/ui${hash}`);
    await page.waitForSelector('[data-loaded]', { timeout: 10000 });
    const shot = await page.screenshot({ animations: 'disabled', caret: 'hide', mask: [page.locator('#live')] });
    await ctx.close();
    writeFileSync(join(ARTIFACTS, `pinned-${name}.png`), shot);
    const file = join(PINNED, `${name}.png`);
    if (process.env.UPDATE_PINNED === '1' || !existsSync(file)) {
      mkdirSync(PINNED, { recursive: true });
      writeFileSync(file, shot);
      if (process.env.UPDATE_PINNED !== '1') assert.fail(`no pinned ${file}: written now, review and commit it`);
      return;
    }
    const d = comparePng(shot, readFileSync(file));
    assert.ok(d.ratio <= TOLERANCE, `${name}: ${d.differing} of ${d.total} pixels differ (${(100 * d.ratio).toFixed(2)}% > ${100 * TOLERANCE}%)${d.size ? ' ' + d.size : ''}; ` +
      `actual in ${join(ARTIFACTS, `pinned-${name}.png`)}`);
  });
}

test('the comparison sees a real change and tolerates none in the same image', () => {
  const file = join(PINNED, 'produce.png');
  const png = readFileSync(file);
  assert.equal(comparePng(png, png).differing, 0);
  const { width, height } = decodePng(png);
  assert.ok(width === 1000 && height === 600);
  // The other page differs from it by far more than the tolerance.
  const other = comparePng(png, readFileSync(join(PINNED, 'trace-form.png')));
  assert.ok(other.ratio > TOLERANCE, JSON.stringify(other));
});
