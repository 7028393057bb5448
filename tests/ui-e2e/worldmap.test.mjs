// Q1 on the analytics page's world map, on its own server: a batch result
// (reports/<date>/category_by_country.csv, as `analyze` writes it) over every country of the
// shared dataset; the map colours each country by its category, lists the shapeless ones
// beside, and the page logs no console error. Screenshot: $UI_E2E_ARTIFACTS/analytics-worldmap.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ARTIFACTS, launchBrowser, startServer, stopAll } from './harness.mjs';

const GEO = resolve('../../../shared/data/pinterest-db/geolocation_data.csv');
const DATE = '2026-12-01';
const CATS = ['travel', 'art', 'quotes', 'education', 'diy-and-crafts', 'tattoos'];

let server, base, browser, dataDir, countries;


before(async () => {
  countries = existsSync(GEO)
    ? [...new Set(readFileSync(GEO, 'utf8').trim().split('\n').slice(1).map(l => l.slice(l.lastIndexOf(',') + 1)))].sort()
    : ['Albania', 'Bouvet Island (Bouvetoya)', 'France', 'Korea', 'Libyan Arab Jamahiriya', 'Saint Barthelemy'];
  dataDir = mkdtempSync(join(tmpdir(), 'pinpipe-ui-e2e-map-'));
  mkdirSync(join(dataDir, 'reports', DATE), { recursive: true });
  const q = s => (/[",]/.test(s) ? '"' + s.replaceAll('"', '""') + '"' : s);
  writeFileSync(join(dataDir, 'reports', DATE, 'category_by_country.csv'),
    'country,category,category_count\n' + countries.map((c, i) => `${q(c)},${CATS[i % CATS.length]},${10 + i}`).join('\n') + '\n');
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ server, base } = await startServer(dataDir));
  browser = await launchBrowser();
});

after(() => stopAll({ browser, server, dataDir }));

test('the analytics page draws Q1 on a world map coloured by category', async () => {
  const geo = await (await fetch(`${base}/ui/api/worldmap`)).json();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', e => errors.push(String(e)));
  await page.goto(`${base}/ui#/analytics?date=${DATE}&name=category_by_country`);
  await page.waitForSelector('[data-loaded]', { timeout: 10000 });
  assert.equal(await page.locator('.error').count(), 0, await page.locator('main').innerText());
  const shaped = new Set(geo.countries.filter(c => c.shaped).map(c => c.name));
  const onMap = countries.filter(c => shaped.has(c));
  const off = countries.filter(c => !shaped.has(c));
  if (geo.shapes.length) {
    const svg = page.locator('svg.worldmap');
    assert.equal(await svg.getAttribute('role'), 'img');
    assert.match(await svg.getAttribute('aria-label'), new RegExp(`${onMap.length} countries coloured by category`));
    const paths = await page.$$eval('svg.worldmap path[data-category]', ps => ps.map(p => ({
      country: p.getAttribute('data-country'), category: p.getAttribute('data-category'), fill: p.getAttribute('fill'),
      title: p.querySelector('title').textContent })));
    assert.equal(paths.length, onMap.length);
    // Each category's fill is the legend's swatch; the tooltip names country, category, count.
    const legend = Object.fromEntries(await page.$$eval('ul.legend li', lis => lis.map(li =>
      [li.childNodes[1].textContent, li.querySelector('.swatch').style.background])));
    const rgb = hex => `rgb(${parseInt(hex.slice(1, 3), 16)}, ${parseInt(hex.slice(3, 5), 16)}, ${parseInt(hex.slice(5, 7), 16)})`;
    for (const p of paths) {
      const i = countries.indexOf(p.country);
      assert.equal(p.category, CATS[i % CATS.length], p.country);
      assert.equal(rgb(p.fill), legend[p.category], p.country);
      assert.equal(p.title, `${p.country}: ${p.category} (${10 + i} pins)`);
    }
  }
  // The shapeless ones are listed beside the map, not dropped.
  const listed = await page.$$eval('table.shapeless tbody tr td:first-child', tds => tds.map(t => t.textContent));
  assert.deepEqual(listed.sort(), off.sort());
  if (existsSync(GEO)) assert.ok(listed.includes('Bouvet Island (Bouvetoya)'));
  await page.screenshot({ path: join(ARTIFACTS, 'analytics-worldmap.png'), fullPage: true });
  await page.locator('svg.worldmap').screenshot({ path: join(ARTIFACTS, 'analytics-worldmap-map.png') }).catch(() => {});
  assert.deepEqual(errors, []);
  await page.close();
});

test('the live view draws Q1 from GET /analytics/<name> on the same map', async () => {
  const live = await (await fetch(`${base}/analytics/category_by_country`)).json();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', e => errors.push(String(e)));
  await page.goto(`${base}/ui#/analytics?view=live&name=category_by_country`);
  await page.waitForSelector('[data-loaded]', { timeout: 10000 });
  assert.equal(await page.locator('.error').count(), 0, await page.locator('main').innerText());
  assert.match(await page.locator('#page-analytics h2').first().innerText(), /category_by_country \(live\)/);
  const geo = await (await fetch(`${base}/ui/api/worldmap`)).json();
  if (geo.shapes.length) {
    // No batch run and nothing streamed here: every shape is drawn, none has data yet.
    assert.equal(await page.locator('svg.worldmap path').count(), geo.shapes.length);
    const shaped = new Set(geo.countries.filter(c => c.shaped).map(c => c.name));
    assert.equal(await page.locator('svg.worldmap path[data-category]').count(), new Set(live.rows.map(r => r.country).filter(c => shaped.has(c))).size);
  }
  await page.screenshot({ path: join(ARTIFACTS, 'analytics-worldmap-live.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});
