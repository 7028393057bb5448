// The S3 store against s3rver (a real, signature-checking S3 implementation) on loopback:
// `pinpipe serve` with lake.uri=s3://bucket/prefix writes the sink's objects through a small
// fault-injecting proxy (HTTP 500s and dropped connections), and @aws-sdk/client-s3 lists and
// reads them back: the Confluent layout, every record exactly once, multipart above 5 MiB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { S3Client, ListObjectsV2Command, GetObjectCommand } from '@aws-sdk/client-s3';

const BIN = process.env.PINPIPE_BIN;
const noBin = !BIN && 'PINPIPE_BIN is not set';

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Forwards to s3rver; every `every500`-th request gets a 500, every `everyDrop`-th has its
// connection destroyed after s3rver handled it (the answer is lost: the client must retry an
// operation that already happened).
function faultProxy(targetPort, { every500 = 5, everyDrop = 7 } = {}) {
  const stats = { requests: 0, injected500: 0, dropped: 0, multipartInits: 0, parts: 0 };
  const server = http.createServer((req, res) => {
    const n = ++stats.requests;
    if (req.url.includes('uploads')) stats.multipartInits++;
    if (req.url.includes('partNumber=')) stats.parts++;
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (n % every500 === 0) {
        stats.injected500++;
        res.writeHead(500, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0"?><Error><Code>InternalError</Code><Message>injected</Message></Error>');
        return;
      }
      const up = http.request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url,
        headers: req.headers }, (ur) => {
        const body = [];
        ur.on('data', (c) => body.push(c));
        ur.on('end', () => {
          if (n % everyDrop === 0) {
            stats.dropped++;
            req.socket.destroy();
            return;
          }
          res.writeHead(ur.statusCode, ur.headers);
          res.end(Buffer.concat(body));
        });
      });
      up.on('error', () => req.socket.destroy());
      up.end(Buffer.concat(chunks));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, stats, port: server.address().port })));
}

async function startPinpipe(dir, sets, env) {
  const port = await freePort();
  const kafkaPort = await freePort();
  const args = [];
  for (const s of [`data.dir=${dir}`, `http.port=${port}`, `kafka.port=${kafkaPort}`, ...sets]) args.push('--set', s);
  const log = fs.openSync(path.join(dir + '-serve.log'), 'a');
  const proc = spawn(BIN, [...args, 'serve'], { stdio: ['ignore', log, log], env: { ...process.env, ...env } });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { proc, url, dir };
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill('SIGKILL');
  throw new Error('pinpipe serve did not start: ' + fs.readFileSync(dir + '-serve.log', 'utf8'));
}

function stopPinpipe(p) {
  return new Promise((resolve) => {
    p.proc.on('exit', resolve);
    p.proc.kill('SIGTERM');
  });
}

async function produce(url, topic, partition, values) {
  const r = await fetch(`${url}/topics/${topic}`, {
    method: 'POST', headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
    body: JSON.stringify({ records: values.map((value) => ({ value, partition })) }),
  });
  assert.equal(r.status, 200, await r.text());
}

function sinkStatus(dir) {
  const out = execFileSync(BIN, ['--set', `data.dir=${dir}`, 'sink', 'status', '--json'], { encoding: 'utf8' });
  return JSON.parse(out).partitions;
}

async function waitFor(pred, ms = 60000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('timed out');
}

// (No small MaxKeys: s3rver 3.7 builds continuation tokens with a cipher OpenSSL 3 rejects.)
async function listAll(client, Bucket, Prefix) {
  const out = [];
  let ContinuationToken;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix, ContinuationToken }));
    for (const o of page.Contents ?? []) out.push(o);
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  return out;
}

async function getText(client, Bucket, Key) {
  const r = await client.send(new GetObjectCommand({ Bucket, Key }));
  return await r.Body.transformToString();
}

test('the sink writes the Confluent layout to S3 through 500s and dropped connections', { skip: noBin, timeout: 180000 }, async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pinpipe-s3-'));
  const s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: path.join(tmp, 's3rver'),
    configureBuckets: [{ name: 'bucket' }] });
  const { port: s3Port } = await s3.run();
  const proxy = await faultProxy(s3Port);
  const data = path.join(tmp, 'data');
  fs.mkdirSync(data);
  let p;
  try {
    p = await startPinpipe(data, [
      'lake.uri=s3://bucket/lake/raw', `s3.endpoint=http://127.0.0.1:${proxy.port}`,
      's3.region=us-east-1', 'sink.flush_size=25', 'sink.rotate_schedule_interval_ms=500',
      'log.default_partitions=2', 's3.multipart_threshold_bytes=5242880', 's3.part_size_bytes=5242880',
    ], { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
    const want = new Map();  // "t/p" -> values in order
    for (let i = 0; i < 40; i++) {
      for (const [topic, part] of [['pinterest.pin', 0], ['pinterest.pin', 1], ['pinterest.geo', 0]]) {
        const vals = Array.from({ length: 1 + (i % 4) }, (_, j) => ({ i, j, topic, s: 'é'.repeat(j) }));
        await produce(p.url, topic, part, vals);
        const k = `${topic}/${part}`;
        want.set(k, [...(want.get(k) ?? []), ...vals.map((v) => JSON.stringify(v))]);
      }
    }
    // Big enough for a multipart upload: 25 records (flush.size) of 300 KB, one ~7.5 MB object.
    const big = Array.from({ length: 25 }, (_, i) => ({ i, pad: 'x'.repeat(300000) }));
    for (let i = 0; i < big.length; i += 5) await produce(p.url, 'pinterest.user', 0, big.slice(i, i + 5));

    await waitFor(() => {
      const st = sinkStatus(data);
      return st.filter((x) => x.log_end > 0).length === 4 &&
        st.every((x) => x.lag === 0 && x.planned_objects === 0);
    });
    const status = sinkStatus(data);

    const client = new S3Client({ endpoint: `http://127.0.0.1:${s3Port}`, region: 'us-east-1', forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    const objects = await listAll(client, 'bucket', 'lake/raw/topics/');
    const seen = new Map();
    for (const o of objects) {
      const m = /^lake\/raw\/topics\/([^/]+)\/partition=(\d+)\/([^+]+)\+(\d+)\+(\d{10})\.json$/.exec(o.Key);
      assert.ok(m, `unexpected key ${o.Key}`);
      assert.equal(m[1], m[3]);
      assert.equal(m[2], m[4]);
      const text = await getText(client, 'bucket', o.Key);
      assert.ok(text.endsWith('\n'));
      const k = `${m[1]}/${m[2]}`;
      seen.set(k, [...(seen.get(k) ?? []), { start: Number(m[5]), lines: text.slice(0, -1).split('\n') }]);
    }
    for (const x of status) assert.equal(x.state, 'RUNNING', JSON.stringify(x));
    for (const [k, objs] of seen) {
      objs.sort((a, b) => a.start - b.start);
      let next = 0;
      for (const o of objs) {
        assert.equal(o.start, next, `${k}: gap or overlap at ${o.start}`);
        next += o.lines.length;
      }
      const st = status.find((x) => `${x.topic}/${x.partition}` === k);
      assert.equal(next, st.log_end, `${k}: objects end at ${next}`);
      if (want.has(k)) assert.deepEqual(objs.flatMap((o) => o.lines), want.get(k));
    }
    assert.deepEqual([...seen.keys()].sort(), ['pinterest.geo/0', 'pinterest.pin/0', 'pinterest.pin/1', 'pinterest.user/0']);
    const user = seen.get('pinterest.user/0').flatMap((o) => o.lines);
    assert.deepEqual(user, big.map((v) => JSON.stringify(v)));
    const bigObj = objects.find((o) => o.Key.includes('pinterest.user') && o.Size > 5 * 1024 * 1024);
    assert.ok(bigObj, 'an object above 5 MiB');
    assert.ok(proxy.stats.multipartInits >= 1 && proxy.stats.parts >= 2, JSON.stringify(proxy.stats));
    assert.ok(proxy.stats.injected500 > 0 && proxy.stats.dropped > 0, JSON.stringify(proxy.stats));
  } finally {
    if (p) await stopPinpipe(p);
    proxy.server.close();
    await s3.close();
    if (!process.env.KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true });
  }
});
