// What every dashboard end-to-end file shares: the binary and browser to use, a `pinpipe serve`
// of its own on a free loopback port, a headless chromium, and the clean-up.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';

export const BIN = process.env.PINPIPE_BIN || resolve('../../build/pinpipe');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const ARTIFACTS = process.env.UI_E2E_ARTIFACTS || '/tmp/pinpipe-ui-e2e';

export const sleep = ms => new Promise(r => setTimeout(r, ms));

const freePort = () => new Promise((ok, fail) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
  s.on('error', fail);
});

// `pinpipe serve` over dataDir with the scheduler off and each of `sets` as a --set; resolves
// with the process and its base URL once /healthz answers (or after 10 s: the tests then say why).
export async function startServer(dataDir, sets = []) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(BIN, ['--data-dir', dataDir, '--port', String(port), '--set', 'scheduler.enabled=false',
    ...sets.flatMap(s => ['--set', s]), 'serve'], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${base}/healthz`)).ok) break; } catch { /* not up yet */ }
    await sleep(100);
  }
  return { server, base };
}

// Playwright gives each launch a fresh profile.
export const launchBrowser = () => chromium.launch({ executablePath: CHROMIUM, headless: true, args: [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'] });

export async function stopAll({ browser, server, dataDir }) {
  if (browser) await browser.close();
  if (server) { server.kill('SIGTERM'); await new Promise(r => server.once('exit', r)); }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

// A new page at `hash` of the dashboard, once it has loaded, with its console errors collected.
export async function openPageIn(browser, base, hash) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', e => errors.push(String(e)));
  await page.goto(`${base}/ui${hash}`);
  await page.waitForSelector('[data-loaded]', { timeout: 10000 });
  return { page, errors };
}

// fn()'s first truthy value, polled every 250 ms; fails the test after `tries` polls.
export async function waitUntil(what, fn, tries = 120) {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v) return v;
    await sleep(250);
  }
  assert.fail(`timed out waiting for ${what}`);
}

// A Kinesis call (AWS JSON 1.1) that must succeed; its parsed answer.
export async function kinesisCall(base, op, body) {
  const r = await fetch(`${base}/`, { method: 'POST', body: JSON.stringify(body),
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `Kinesis_20131202.${op}` } });
  const text = await r.text();
  assert.equal(r.status, 200, text);
  return text ? JSON.parse(text) : {};
}

// A JSON request to the server: its status and parsed answer (null when empty).
export async function callJson(base, method, path, body, headers) {
  const r = await fetch(base + path, { method, headers: Object.assign({ 'content-type': 'application/json' }, headers || {}),
    body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}
