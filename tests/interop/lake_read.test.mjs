// pinpipe's Parquet + Delta reader against DuckDB, value by value:
// - every Spark-written golden table in ../shared/data/delta-golden that has data: `pinpipe lake
//   show --format json` equals DuckDB's read_parquet over the active files the log names (the
//   Delta log is applied by pinpipe's `lake files`, DuckDB's delta extension is not available
//   offline), compared per column by the Delta type: floats as float32, decimals by value,
//   timestamps as instants, binary as base64, nested structs / arrays / maps recursively;
// - Parquet files DuckDB writes with every codec (SNAPPY, GZIP, ZSTD, BROTLI, LZ4, LZ4_RAW,
//   UNCOMPRESSED), as format v1 and v2 (data page v2, DELTA_BINARY_PACKED,
//   DELTA_LENGTH_BYTE_ARRAY, BYTE_STREAM_SPLIT...): `pinpipe lake parquet-cat` equals DuckDB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const BIN = process.env.PINPIPE_BIN;
const GOLDEN = path.resolve(import.meta.dirname, '../../../shared/data/delta-golden');
const noBin = !BIN && 'PINPIPE_BIN is not set';
const noGolden = noBin || (!fs.existsSync(GOLDEN) && `no golden tables at ${GOLDEN}`);

const pinpipe = (...args) => execFileSync(BIN, args, { encoding: 'utf8', maxBuffer: 1 << 28 });

// JSON.parse, but numbers with 16 or more digits stay exact (as strings): big integers and
// 38-digit decimals.
function parseExact(line) {
  const safe = line.replace(/"(?:[^"\\]|\\.)*"|(?<![\w.+-])-?\d[\d.eE+-]*/g,
    (tok) => (tok[0] === '"' || tok.replace(/\D/g, '').length < 16 ? tok : `"${tok}"`));
  return JSON.parse(safe);
}

// An exact decimal's canonical text: no trailing fraction zeros, no "-0".
function decimalText(v) {
  let t = String(v);
  if (t.includes('.')) t = t.replace(/0+$/, '').replace(/\.$/, '');
  return t === '-0' ? '0' : t;
}

const TS = /^(-?\d{4,}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(?:Z|[+-]00(?::?00)?)?$/;

// A canonical string for value v of a type given as Delta type JSON (primitive name or object).
function canon(v, type) {
  if (v === null || v === undefined) return 'null';
  if (typeof type === 'object') {
    if (type.type === 'array') return `[${v.map((e) => canon(e, type.elementType)).join(',')}]`;
    if (type.type === 'struct') return `{${type.fields.map((f) => `${f.name}:${canon(v[f.name], f.type)}`).join(',')}}`;
    if (type.type === 'map') {
      // Maps: entries by key text, in key order.
      const entries = Array.isArray(v) ? v.map((e) => [String(e.key), e.value]) : Object.entries(v);
      return `{${entries.map(([k, x]) => `${canon(k, type.keyType)}:${canon(x, type.valueType)}`).sort().join(',')}}`;
    }
  }
  const t = String(type);
  if (t === 'float') return typeof v === 'string' && !/^-?[\d.eE+-]+$/.test(v) ? v : String(Math.fround(Number(v)));
  if (t === 'double') return typeof v === 'string' && !/^-?[\d.eE+-]+$/.test(v) ? v : String(Number(v));
  if (t.startsWith('decimal')) return decimalText(v);
  if (['long', 'integer', 'short', 'byte', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64'].includes(t)) {
    return BigInt(v).toString();
  }
  if (t === 'time') {
    const m = /^(\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?$/.exec(String(v));
    if (m) return `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}`;
  }
  if (t === 'timestamp' || t === 'timestamp_ntz' || t === 'date') {
    const m = TS.exec(String(v));
    if (m) return `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(9, '0')}`;
    return String(v);
  }
  if (t === 'boolean') return String(v);
  return JSON.stringify(v);
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

// A DuckDB expression for column `expr` of Delta type `type` whose to_json matches pinpipe's
// rendering: binary as base64 (also inside arrays), decimals as exact text.
function duckExpr(expr, type) {
  if (type === 'binary') return `base64(${expr})`;
  if (typeof type === 'string' && type.startsWith('decimal')) return `CAST(${expr} AS VARCHAR)`;
  if (typeof type === 'object' && type.type === 'array' && type.elementType === 'binary') {
    return `list_transform(${expr}, e -> base64(e))`;
  }
  return expr;
}

const q = (s) => `"${s.replaceAll('"', '""')}"`;

async function duckJsonRows(files, columns) {
  const c = await duck();
  const list = files.map((f) => `'${f.replaceAll("'", "''")}'`).join(',');
  const sel = columns.map(({ name, type }) => `to_json(${duckExpr(q(name), type)}) AS ${q(name)}`).join(',');
  const r = await c.runAndReadAll(`SELECT ${sel} FROM read_parquet([${list}], union_by_name = true)`);
  return r.getRowObjectsJson().map((o) => {
    const row = {};
    for (const { name } of columns) row[name] = o[name] === null ? null : parseExact(o[name]);
    return row;
  });
}

const key = (row, columns) => columns.map(({ name, type }) => `${name}=${canon(row[name], type)}`).join('|');

function activeFiles(table) {
  return pinpipe('lake', 'files', table, '--format', 'ndjson').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

// Every golden table with data files (the others hold logs only).
const GOLDEN_TABLES = fs.existsSync(GOLDEN) ? fs.readdirSync(GOLDEN).filter((name) => {
  const dir = path.join(GOLDEN, name);
  const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).some((e) => (e.isDirectory()
    ? e.name !== '_delta_log' && walk(path.join(d, e.name)) : e.name.endsWith('.parquet')));
  return walk(dir) && !name.startsWith('deltalog-state-reconstruction-without');
}).sort() : [];

test('golden tables with data: 20 of them', { skip: noGolden }, () => {
  assert.equal(GOLDEN_TABLES.length, 20, GOLDEN_TABLES.join(' '));
});

for (const name of GOLDEN_TABLES) {
  test(`golden ${name}: every value of lake show equals DuckDB`, { skip: noGolden }, async () => {
    const table = path.join(GOLDEN, name);
    const schema = JSON.parse(pinpipe('lake', 'schema', table, '--format', 'json'));
    const files = activeFiles(table);
    const partitionCols = new Set(files.flatMap((f) => Object.keys(f.partitionValues)));
    const columns = schema.fields.filter((f) => !partitionCols.has(f.name)).map((f) => ({ name: f.name, type: f.type }));
    const ours = pinpipe('lake', 'show', table, '--format', 'ndjson').split('\n').filter(Boolean)
      .map((l) => key(parseExact(l), columns)).sort();
    const theirs = files.length === 0 ? []
      : (await duckJsonRows(files.map((f) => path.join(table, f.file)), columns)).map((r) => key(r, columns)).sort();
    assert.ok(ours.length > 0, 'rows');
    assert.equal(ours.length, theirs.length);
    assert.deepEqual(ours, theirs);
  });
}

// DuckDB-written files: every codec, format v1 and v2, a column of every type pinpipe decodes.
const DUCK_COLUMNS = [
  ['i8', 'TINYINT', 'byte'], ['i16', 'SMALLINT', 'short'], ['i32', 'INTEGER', 'integer'],
  ['i64', 'BIGINT', 'long'], ['u32', 'UINTEGER', 'uint32'], ['u64', 'UBIGINT', 'uint64'],
  ['f', 'FLOAT', 'float'], ['d', 'DOUBLE', 'double'],
  ['dec4', 'DECIMAL(4,2)', 'decimal(4,2)'], ['dec18', 'DECIMAL(18,3)', 'decimal(18,3)'],
  ['dec38', 'DECIMAL(38,10)', 'decimal(38,10)'], ['dt', 'DATE', 'date'], ['tm', 'TIME', 'time'],
  ['ts', 'TIMESTAMP', 'timestamp'], ['ts_ms', 'TIMESTAMP_MS', 'timestamp'],
  ['ts_ns', 'TIMESTAMP_NS', 'timestamp'], ['tstz', 'TIMESTAMPTZ', 'timestamp'],
  ['u', 'UUID', 'string'], ['bin', 'BLOB', 'binary'], ['s', 'VARCHAR', 'string'], ['b', 'BOOLEAN', 'boolean'],
  ['lst', 'INTEGER[]', { type: 'array', elementType: 'integer' }],
  ['st', 'STRUCT(a BIGINT, b VARCHAR[])', { type: 'struct', fields: [{ name: 'a', type: 'long' }, { name: 'b', type: { type: 'array', elementType: 'string' } }] }],
  ['mp', 'MAP(VARCHAR, DOUBLE)', { type: 'map', keyType: 'string', valueType: 'double' }],
];
// Row i, with nulls sprinkled in; low-cardinality strings so dictionaries are used too.
const DUCK_SELECT = `SELECT
  CASE WHEN i % 7 = 0 THEN NULL ELSE (i % 250 - 125)::TINYINT END AS i8,
  (i * 31 % 64000 - 32000)::SMALLINT AS i16,
  CASE WHEN i % 5 = 0 THEN NULL ELSE (i * 7919 - 40000)::INTEGER END AS i32,
  (i * 1000000007 - 5000000000)::BIGINT AS i64, (i * 4000)::UINTEGER AS u32,
  (18446744073709551615 - i)::UBIGINT AS u64, (i / 3.0)::FLOAT AS f, (i * 1.1 - 100)::DOUBLE AS d,
  ((i % 9999) / 100 - 49.99)::DECIMAL(4,2) AS dec4, (i * 123456.789 - 99999)::DECIMAL(18,3) AS dec18,
  (i * 12345678901.0123456789 - 1)::DECIMAL(38,10) AS dec38,
  (DATE '1969-12-25' + i::INTEGER)::DATE AS dt, (TIME '00:00:01' + i * INTERVAL 1 SECOND + i * INTERVAL 1 MICROSECOND) AS tm,
  TIMESTAMP '1969-12-31 23:59:00' + i * INTERVAL 1 MINUTE + i * INTERVAL 7 MICROSECOND AS ts,
  (TIMESTAMP '2020-02-29 12:00:00' + i * INTERVAL 1 SECOND)::TIMESTAMP_MS AS ts_ms,
  (TIMESTAMP '2000-01-01 00:00:00' + i * INTERVAL 1 SECOND)::TIMESTAMP_NS AS ts_ns,
  (TIMESTAMPTZ '2024-06-01 00:00:00+00' + i * INTERVAL 1 HOUR) AS tstz,
  ('00000000-0000-4000-8000-' || lpad(i::VARCHAR, 12, '0'))::UUID AS u,
  CASE WHEN i % 3 = 0 THEN NULL ELSE ('bin' || i)::BLOB END AS bin,
  CASE WHEN i % 11 = 0 THEN NULL ELSE 'str-' || (i % 13) END AS s, (i % 3 = 1) AS b,
  CASE WHEN i % 4 = 0 THEN NULL WHEN i % 4 = 1 THEN [] ELSE [i, NULL, i + 1] END AS lst,
  CASE WHEN i % 6 = 0 THEN NULL ELSE {'a': i, 'b': CASE WHEN i % 2 = 0 THEN NULL ELSE ['x', 'y' || i] END} END AS st,
  CASE WHEN i % 5 = 1 THEN NULL ELSE MAP {'k' || (i % 3): i * 0.5, 'z': NULL} END AS mp
FROM range(3000) t(i)`;

function duckExprParquet(name, type) {
  if (type === 'binary') return `base64(${q(name)})`;
  if (type === 'string' || (typeof type === 'string' && type.startsWith('decimal'))) return `CAST(${q(name)} AS VARCHAR)`;
  return q(name);
}

for (const version of ['V1', 'V2']) {
  for (const codec of ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'ZSTD', 'BROTLI', 'LZ4', 'LZ4_RAW']) {
    test(`DuckDB-written parquet ${version} ${codec}: parquet-cat equals DuckDB`, { skip: noBin }, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinpipe-pq-'));
      try {
        const file = path.join(dir, 'f.parquet');
        const c = await duck();
        await c.run(`COPY (${DUCK_SELECT}) TO '${file}' (FORMAT parquet, COMPRESSION ${codec}, PARQUET_VERSION ${version}, ROW_GROUP_SIZE 1000)`);
        const columns = DUCK_COLUMNS.map(([name, , type]) => ({ name, type }));
        const sel = columns.map(({ name, type }) => `to_json(${duckExprParquet(name, type)}) AS ${q(name)}`).join(',');
        const r = await c.runAndReadAll(`SELECT ${sel} FROM read_parquet('${file}')`);
        const theirs = r.getRowObjectsJson().map((o) => {
          const row = {};
          for (const { name } of columns) row[name] = o[name] === null ? null : parseExact(o[name]);
          return key(row, columns);
        });
        const ours = pinpipe('lake', 'parquet-cat', file).split('\n').filter(Boolean).map((l) => key(parseExact(l), columns));
        assert.equal(ours.length, 3000);
        for (let i = 0; i < ours.length; ++i) assert.equal(ours[i], theirs[i], `row ${i}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}
