// Delta tables read by pinpipe (`lake show|files|schema|history`) versus DuckDB reading the
// active data files the log names: the Spark-written golden tables in ../shared/data/delta-golden
// (skipped without them) and a table pinpipe writes through 25 appends and an overwrite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const BIN = process.env.PINPIPE_BIN;
const GOLDEN = path.resolve(import.meta.dirname, '../../../shared/data/delta-golden');
const noBin = !BIN && 'PINPIPE_BIN is not set';
const noGolden = noBin || (!fs.existsSync(GOLDEN) && `no golden tables at ${GOLDEN}`);

function pinpipe(...args) {
  return execFileSync(BIN, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
}

// JSON.parse, but integers beyond 2^53 stay exact (as strings).
function parseExact(line) {
  const safe = line.replace(/"(?:[^"\\]|\\.)*"|-?\d{16,}(?![.\deE])/g,
    (tok) => (tok[0] === '"' ? tok : `"${tok}"`));
  return JSON.parse(safe);
}

// One canonical spelling per value on both sides: numbers by value (2 == 2.0, -0 == 0), big
// integers exactly, timestamps as ISO with microseconds ("1970-01-01 00:00:00.5+00" and
// "1970-01-01T00:00:00.500000Z" are the same instant).
const TS = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(?:Z|\+00(?::00)?)?$/;
function canon(v) {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Object.is(v, -0) ? '0' : String(v);
  if (typeof v === 'string') {
    if (/^-?\d+$/.test(v)) return BigInt(v).toString();
    const m = TS.exec(v);
    if (m) return `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(6, '0')}Z`;
    return JSON.stringify(v);
  }
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
const rowKey = (obj, cols) => cols.map((c) => `${c}=${canon(obj[c])}`).join('|');

function lakeRows(table, cols, version) {
  const args = ['lake', 'show', table, '--format', 'ndjson'];
  if (version !== undefined) args.push('--version', String(version));
  return pinpipe(...args).split('\n').filter(Boolean).map((l) => rowKey(parseExact(l), cols)).sort();
}

function activeFiles(table, version) {
  const args = ['lake', 'files', table, '--format', 'ndjson'];
  if (version !== undefined) args.push('--version', String(version));
  return pinpipe(...args).split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

let conn;
async function duck() {
  if (!conn) {
    const db = await DuckDBInstance.create(':memory:');
    conn = await db.connect();
    await conn.run("SET TimeZone = 'UTC'");
  }
  return conn;
}

// The rows DuckDB reads from the given data files, as canonical keys of `cols`.
async function duckRows(table, files, cols) {
  if (files.length === 0) return [];
  const c = await duck();
  const list = files.map((f) => `'${path.join(table, f.file).replaceAll("'", "''")}'`).join(',');
  const sel = cols.map((n) => `"${n}"`).join(',');
  const r = await c.runAndReadAll(`SELECT ${sel} FROM read_parquet([${list}], union_by_name = true)`);
  return r.getRowObjectsJson().map((o) => rowKey(o, cols)).sort();
}

function schemaOf(table, version) {
  const args = ['lake', 'schema', table, '--format', 'json'];
  if (version !== undefined) args.push('--version', String(version));
  return JSON.parse(pinpipe(...args));
}

// Columns stored in the data files (partition columns live in the log).
function fileColumns(table) {
  const schema = schemaOf(table);
  const files = activeFiles(table);
  const partitionCols = new Set(files.flatMap((f) => Object.keys(f.partitionValues)));
  return schema.fields.map((f) => f.name).filter((n) => !partitionCols.has(n));
}

const READABLE = [
  'basic-with-inserts-deletes-checkpoint', 'basic-with-inserts-overwrite-restore',
  'basic-with-inserts-updates', 'kernel-timestamp-TIMESTAMP_MICROS', 'data-reader-date-types-UTC',
  'log-replay-latest-metadata-protocol', 'multi-part-checkpoint', 'only-checkpoint-files',
  'snapshot-data0', 'snapshot-data1', 'snapshot-data2', 'snapshot-data2-deleted',
  'snapshot-data3', 'snapshot-repartitioned', 'time-travel-start-start20-start40',
];

for (const name of READABLE) {
  test(`golden ${name}: lake show equals DuckDB on the active files`, { skip: noGolden }, async () => {
    const table = path.join(GOLDEN, name);
    const files = activeFiles(table);
    assert.ok(files.length > 0);
    for (const f of files) assert.ok(fs.existsSync(path.join(table, f.file)), f.file);
    const cols = fileColumns(table);
    const ours = lakeRows(table, cols);
    const theirs = await duckRows(table, files, cols);
    assert.equal(ours.length, theirs.length);
    assert.deepEqual(ours, theirs);
    // numRecords in the add stats agrees with the rows where Spark recorded it.
    const counted = files.filter((f) => f.stats && f.stats.numRecords !== undefined);
    if (counted.length === files.length) {
      assert.equal(counted.reduce((n, f) => n + f.stats.numRecords, 0), ours.length);
    }
  });
}

test('golden time travel: every version equals DuckDB on that version\'s files', { skip: noGolden }, async () => {
  for (const name of ['time-travel-start-start20-start40', 'snapshot-data2-deleted',
    'basic-with-inserts-deletes-checkpoint']) {
    const table = path.join(GOLDEN, name);
    const history = pinpipe('lake', 'history', table, '--format', 'ndjson').split('\n').filter(Boolean)
      .map((l) => JSON.parse(l));
    assert.equal(history[0].version, history.length - 1);
    for (const { version } of history) {
      const cols = schemaOf(table, version).fields.map((f) => f.name);
      const files = activeFiles(table, version);
      assert.deepEqual(lakeRows(table, cols, version), await duckRows(table, files, cols),
        `${name}@${version}`);
    }
  }
});

// The tables with FLOAT / INT96 / DECIMAL / nested columns are compared value by value with
// DuckDB in lake_read.test.mjs.

test('golden logs: checkpoints, corrupted _last_checkpoint, missing metadata', { skip: noGolden }, () => {
  const files = (name) => activeFiles(path.join(GOLDEN, name)).map((f) => f.path).sort();
  assert.deepEqual(files('checkpoint'), ['15']);
  assert.deepEqual(files('corrupted-last-checkpoint'),
    ['0', '1', '10', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.equal(files('multi-part-checkpoint').length, 10);
  // Missing metaData / protocol: a clear error, exit status 1.
  for (const [name, what] of [['deltalog-state-reconstruction-without-metadata', /metaData/],
    ['deltalog-state-reconstruction-without-protocol', /protocol/]]) {
    const r = spawnSync(BIN, ['lake', 'schema', path.join(GOLDEN, name)], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, what);
  }
  // A corrupted hint in a scratch copy still yields the full state.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinpipe-delta-'));
  try {
    fs.cpSync(path.join(GOLDEN, 'corrupted-last-checkpoint'), dir, { recursive: true });
    fs.chmodSync(path.join(dir, '_delta_log'), 0o755);
    fs.rmSync(path.join(dir, '_delta_log', '_last_checkpoint'), { force: true });
    fs.writeFileSync(path.join(dir, '_delta_log', '_last_checkpoint'), '{"version":');
    assert.equal(activeFiles(dir).length, 11);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // History of a Spark table.
  const h = pinpipe('lake', 'history', path.join(GOLDEN, 'checkpoint'), '--format', 'ndjson')
    .split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.equal(h.length, 15);
  assert.equal(h[0].operation, 'Manual Update');
});

test('pinpipe-written table: 25 appends + overwrite, checkpoints, DuckDB sees the same rows', { skip: noBin }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinpipe-delta-demo-'));
  try {
    const table = path.join(dir, 't');
    const out = JSON.parse(pinpipe('lake', 'write-demo-table', table));
    assert.equal(out.version, 26);
    const log = fs.readdirSync(path.join(table, '_delta_log'));
    assert.ok(log.includes('00000000000000000010.checkpoint.parquet'));
    assert.ok(log.includes('00000000000000000020.checkpoint.parquet'));
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(table, '_delta_log', '_last_checkpoint'), 'utf8')).version, 20);

    // DuckDB reads the checkpoint itself: one row per action, the adds are the live files of v20.
    const c = await duck();
    const cp = path.join(table, '_delta_log', '00000000000000000020.checkpoint.parquet');
    const cpRows = (await c.runAndReadAll(
      `SELECT add.path AS p, protocol.minReaderVersion AS r, metaData.schemaString AS s FROM read_parquet('${cp}')`,
    )).getRowObjectsJson();
    assert.equal(cpRows.length, 22);
    assert.equal(cpRows.filter((r) => r.p !== null).length, 20);
    assert.equal(cpRows.filter((r) => r.r === 1).length, 1);
    assert.equal(activeFiles(table, 20).length, 20);

    const cols = schemaOf(table).fields.map((f) => f.name);
    for (const version of [undefined, 25, 20, 11, 1]) {
      const files = activeFiles(table, version);
      const ours = lakeRows(table, cols, version);
      const theirs = await duckRows(table, files, cols);
      assert.ok(ours.length > 0);
      assert.deepEqual(ours, theirs, `version ${version ?? 'latest'}`);
      // add.stats numRecords matches what DuckDB counts.
      assert.equal(files.reduce((n, f) => n + f.stats.numRecords, 0), theirs.length);
    }
    // Stats min/max agree with DuckDB's aggregates for the latest files.
    const files = activeFiles(table);
    for (const f of files) {
      const p = path.join(table, f.file);
      const [agg] = (await c.runAndReadAll(
        `SELECT min(ind) AS mi, max(ind) AS ma, count(*) - count(title) AS tn, min(follower_count) AS fmin,
                count(*) - count(coordinates) AS cn FROM read_parquet('${p}')`,
      )).getRowObjectsJson();
      const stats = f.stats;
      assert.equal(canon(stats.minValues.ind), canon(agg.mi));
      assert.equal(canon(stats.maxValues.ind), canon(agg.ma));
      assert.equal(stats.nullCount.title, Number(agg.tn));
      assert.equal(stats.nullCount.coordinates, Number(agg.cn));
      assert.equal(stats.minValues.follower_count, Number(agg.fmin));
    }
    const history = pinpipe('lake', 'history', table, '--format', 'ndjson').split('\n').filter(Boolean)
      .map((l) => JSON.parse(l));
    assert.equal(history.length, 27);
    assert.equal(history[0].operationParameters.mode, 'Overwrite');
    assert.equal(history[26].operation, 'CREATE TABLE');
    assert.equal(history[0].engineInfo, 'pinpipe/0.1.0');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
