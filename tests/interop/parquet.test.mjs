// Interop: Parquet files written by pinpipe (`pinpipe lake write-fixtures`) read by real
// readers — DuckDB (@duckdb/node-api) and hyparquet — must return exactly the written values,
// and DuckDB's parquet_metadata() statistics must match the data.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetReadObjects, parquetMetadata } from 'hyparquet';

const BIN = process.env.PINPIPE_BIN;
const CODECS = ['uncompressed', 'snappy', 'zstd', 'gzip'];
const COLUMNS = ['id', 'i32', 'i64', 'd', 'b', 's', 'ts', 'ld', 'ls', 'long_s', 'req_s'];
let dir, expected, conn;

// Expected JSON → JS values: int64/timestamps are decimal strings, special doubles are strings.
const dbl = (v) => (v === null ? null : v === 'NaN' ? NaN : v === '-0.0' ? -0 : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);
function sameDouble(a, b) { return Object.is(a, b); }

before(async () => {
  assert.ok(BIN, 'PINPIPE_BIN must point at the pinpipe binary');
  dir = mkdtempSync(join(tmpdir(), 'pinpipe-parquet-'));
  execFileSync(BIN, ['lake', 'write-fixtures', dir], { stdio: 'pipe' });
  expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
  const inst = await DuckDBInstance.create(':memory:');
  conn = await inst.connect();
});
after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

async function duckRows(file) {
  const r = await conn.runAndReadAll(
    `SELECT id::VARCHAR AS id, i32, i64::VARCHAR AS i64, d, b, s, epoch_us(ts)::VARCHAR AS ts, ld, ls, long_s, req_s
       FROM read_parquet('${file}') ORDER BY id::BIGINT`);
  return r.getRowObjectsJS();
}

function checkRow(got, want, where) {
  assert.equal(got.id, String(want.id), `${where} id`);
  assert.equal(got.i32, want.i32, `${where} i32`);
  assert.equal(got.i64, want.i64, `${where} i64`);
  assert.ok(sameDouble(got.d, dbl(want.d)), `${where} d: got ${got.d} want ${want.d}`);
  assert.equal(got.b, want.b, `${where} b`);
  assert.equal(got.s, want.s, `${where} s`);
  assert.equal(got.ts, want.ts, `${where} ts`);
  if (want.ld === null) assert.equal(got.ld, null, `${where} ld`);
  else {
    assert.equal(got.ld.length, want.ld.length, `${where} ld length`);
    want.ld.forEach((v, k) => assert.ok(sameDouble(got.ld[k], dbl(v)), `${where} ld[${k}]: got ${got.ld[k]} want ${v}`));
  }
  assert.deepEqual(got.ls, want.ls, `${where} ls`);
  assert.equal(got.long_s, want.long_s, `${where} long_s`);
  assert.equal(got.req_s, want.req_s, `${where} req_s`);
}

for (const codec of CODECS) {
  test(`DuckDB reads the ${codec} file with exactly the written values`, async () => {
    const rows = await duckRows(join(dir, `fixture_${codec}.parquet`));
    assert.equal(rows.length, expected.length);
    rows.forEach((row, i) => checkRow(row, expected[i], `${codec} row ${i}`));
  });

  test(`DuckDB parquet_metadata statistics match the data (${codec})`, async () => {
    const file = join(dir, `fixture_${codec}.parquet`);
    const r = await conn.runAndReadAll(
      `SELECT path_in_schema, num_values, stats_null_count, stats_min_value, stats_max_value, encodings, compression
         FROM parquet_metadata('${file}')`);
    const meta = r.getRowObjectsJS();
    assert.equal(meta.length, COLUMNS.length);
    const byPath = Object.fromEntries(meta.map((m) => [m.path_in_schema, m]));
    for (const m of meta) assert.equal(m.compression, codec.toUpperCase());
    // Flat columns: null count, min and max computed from the expected rows.
    const flat = (name, conv, cmp) => {
      const vals = expected.map((r) => r[name]);
      const present = vals.filter((v) => v !== null).map(conv).filter((v) => !(typeof v === 'number' && Number.isNaN(v)));
      const m = byPath[name];
      assert.equal(Number(m.stats_null_count), vals.length - vals.filter((v) => v !== null).length, `${name} null_count`);
      const sorted = [...present].sort(cmp);
      return { m, min: sorted[0], max: sorted[sorted.length - 1] };
    };
    const num = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
    {
      const { m, min, max } = flat('i32', Number, num);
      assert.equal(Number(m.stats_min_value), min); assert.equal(Number(m.stats_max_value), max);
    }
    {
      const { m, min, max } = flat('i64', BigInt, num);
      assert.equal(BigInt(m.stats_min_value), min); assert.equal(BigInt(m.stats_max_value), max);
    }
    {
      const { m, min, max } = flat('d', dbl, num);
      assert.equal(Number(m.stats_min_value), min === 0 ? -0 : min);
      // DuckDB reports non-finite double statistics as NULL; check the raw footer with hyparquet.
      if (Number.isFinite(max)) assert.equal(Number(m.stats_max_value), max);
      else assert.equal(m.stats_max_value, null);
      const buf = readFileSync(file);
      const hmd = parquetMetadata(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      const dstats = hmd.row_groups[0].columns[3].meta_data.statistics;
      assert.equal(dstats.max_value, max, 'raw double max_value');
      assert.equal(dstats.min_value, min, 'raw double min_value');
    }
    {
      // Strings: unsigned bytewise order (UTF-8), which Buffer.compare implements.
      const { m, min, max } = flat('s', String, (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      assert.equal(m.stats_min_value, min); assert.equal(m.stats_max_value, max);
    }
    {
      const { m } = flat('ts', BigInt, num);
      assert.ok(m.stats_min_value !== null && m.stats_max_value !== null, 'ts has min/max');
    }
    {
      const m = byPath['b'];
      assert.equal(Number(m.stats_null_count), expected.filter((r) => r.b === null).length);
      assert.equal(String(m.stats_min_value), 'false'); assert.equal(String(m.stats_max_value), 'true');
    }
    // long_s starts dictionary-encoded and falls back to PLAIN once the dictionary is full.
    const enc = String(byPath['long_s'].encodings);
    assert.match(enc, /RLE_DICTIONARY/); assert.match(enc, /PLAIN/);
    // Lists: null_count counts level entries without a value (null/empty lists, null elements).
    const ldNulls = expected.reduce((n, r) => n + (r.ld === null || r.ld.length === 0 ? 1 : r.ld.filter((v) => v === null).length), 0);
    assert.equal(Number(byPath['ld, list, element'].stats_null_count), ldNulls);
  });
}

test('DuckDB sees the declared Parquet types (timestamp with time zone, lists)', async () => {
  const r = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${join(dir, 'fixture_snappy.parquet')}')`);
  const types = Object.fromEntries(r.getRowObjectsJS().map((x) => [x.column_name, x.column_type]));
  assert.deepEqual(types, {
    id: 'BIGINT', i32: 'INTEGER', i64: 'BIGINT', d: 'DOUBLE', b: 'BOOLEAN', s: 'VARCHAR',
    ts: 'TIMESTAMP WITH TIME ZONE', ld: 'DOUBLE[]', ls: 'VARCHAR[]', long_s: 'VARCHAR', req_s: 'VARCHAR',
  });
});

for (const codec of ['uncompressed', 'snappy']) {
  test(`hyparquet reads the ${codec} file identically`, async () => {
    const buf = readFileSync(join(dir, `fixture_${codec}.parquet`));
    const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const md = parquetMetadata(file);
    assert.equal(Number(md.num_rows), expected.length);
    assert.match(md.created_by, /^pinpipe version \S+ \(build .*\)$/);
    const rows = await parquetReadObjects({ file, utf8: true });
    assert.equal(rows.length, expected.length);
    rows.forEach((got, i) => {
      const want = expected[i];
      const where = `${codec} row ${i}`;
      assert.equal(String(got.id), String(want.id), where);
      assert.equal(got.i32 ?? null, want.i32, `${where} i32`);
      assert.equal(got.i64 === null || got.i64 === undefined ? null : String(got.i64), want.i64, `${where} i64`);
      assert.ok(sameDouble(got.d ?? null, dbl(want.d)), `${where} d`);
      assert.equal(got.b ?? null, want.b, `${where} b`);
      assert.equal(got.s ?? null, want.s, `${where} s`);
      // hyparquet returns TIMESTAMP(MICROS) as Date (ms precision): compare milliseconds.
      if (want.ts === null) assert.equal(got.ts ?? null, null, `${where} ts`);
      else {
        const us = BigInt(want.ts);
        const ms = Number(us / 1000n);  // hyparquet truncates µs toward zero
        const gotMs = got.ts instanceof Date ? got.ts.getTime() : Number(BigInt(got.ts) / 1000n);
        assert.equal(gotMs, ms, `${where} ts`);
      }
      if (want.ld === null) assert.equal(got.ld ?? null, null, `${where} ld`);
      else {
        assert.equal(got.ld.length, want.ld.length, `${where} ld`);
        want.ld.forEach((v, k) => assert.ok(sameDouble(got.ld[k] ?? null, dbl(v)), `${where} ld[${k}]`));
      }
      assert.deepEqual(got.ls === undefined ? null : got.ls, want.ls, `${where} ls`);
      assert.equal(got.long_s ?? null, want.long_s, `${where} long_s`);
      assert.equal(got.req_s, want.req_s, `${where} req_s`);
    });
  });
}

test('hyparquet without plugins: ZSTD status is known', async () => {
  // hyparquet decodes only UNCOMPRESSED and SNAPPY without hyparquet-compressors; record that
  // it fails cleanly rather than returning wrong data.
  const buf = readFileSync(join(dir, 'fixture_zstd.parquet'));
  const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  let rows = null;
  try { rows = await parquetReadObjects({ file, utf8: true }); } catch (e) { rows = e; }
  if (rows instanceof Error) assert.match(String(rows.message), /ZSTD|compression|codec/i);
  else assert.equal(rows.length, expected.length);
});
