// The batch DAG's output read by DuckDB: raw objects in the sink's layout (`pinpipe batch
// gen-raw`, plus records that must be quarantined), `pinpipe dag run`, then for every output
// Delta table (pin, geo, user, the three quarantine tables, the nine analytics) DuckDB reads
// the active data files and gets the same rows, in the same order, as
// `pinpipe lake show --format json`; and the analytics equal DuckDB SQL run on the same raw
// files (the cleaning and the eight queries as in analytics.test.mjs, lower median).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { analyticsQueries } from './analytics_sql.mjs';

const BIN = process.env.PINPIPE_BIN;
const ANALYTICS = ['category_by_country', 'category_by_year', 'top_user_by_country', 'top_country',
  'category_by_age_group', 'median_followers_by_age_group', 'users_joined_by_year',
  'median_followers_by_join_year', 'median_followers_by_age_group_and_join_year'];
const TABLES = ['pin', 'geo', 'user', 'quarantine_pin', 'quarantine_geo', 'quarantine_user',
  ...ANALYTICS.map((n) => `analytics/${n}`)];
let dir, data, lake, conn;

const pinpipe = (...args) => execFileSync(BIN, ['--set', `data.dir=${data}`, ...args],
  { encoding: 'utf8', maxBuffer: 1 << 28 });

before(async () => {
  assert.ok(BIN, 'PINPIPE_BIN must point at the pinpipe binary');
  dir = mkdtempSync(join(tmpdir(), 'pinpipe-batch-'));
  data = join(dir, 'data');
  lake = join(data, 'lake');
  pinpipe('batch', 'gen-raw', '--interactions', '20000', '--records-per-object', '3000');
  // A second partition with records the cleaning must quarantine or null out.
  const bad = {
    pin: ['{"index": "oops"}', 'not json', '{"index":7,"unique_id":"q","title":"","follower_count":"99999999999","category":"art","save_location":"Local save in /data/art","poster_name":"Q"}'],
    geo: ['{"timestamp":"2020-01-01 00:00:00"}', '{"ind":7,"timestamp":"2019-05-05T01:02:03","latitude":"1.5","longitude":2,"country":"Åland"}'],
    user: ['[1,2]', '{"index":7,"first_name":"A","last_name":null,"age":"33","date_joined":"2016-02-02 00:00:00"}'],
  };
  for (const [t, lines] of Object.entries(bad)) {
    const d = join(lake, 'topics', `pinterest.${t}`, 'partition=1');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, `pinterest.${t}+1+0000000000.json`), lines.join('\n') + '\n');
  }
  pinpipe('dag', 'run', '--date', '2026-11-21');
  conn = await (await DuckDBInstance.create(':memory:')).connect();
});
after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

const lit = (s) => `'${s.replaceAll("'", "''")}'`;

// The active files of a Delta table in path order (replaying the JSON commits).
function activeFiles(table) {
  const log = join(table, '_delta_log');
  const active = new Set();
  for (const f of readdirSync(log).filter((n) => n.endsWith('.json')).sort()) {
    for (const line of readFileSync(join(log, f), 'utf8').split('\n')) {
      if (!line) continue;
      const a = JSON.parse(line);
      if (a.add) active.add(a.add.path);
      if (a.remove) active.delete(a.remove.path);
    }
  }
  return [...active].sort().map((p) => join(table, p));
}

// DuckDB values -> the JSON pinpipe prints (bigint as number, timestamps as ISO micros Z).
function norm(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(norm);
  if (v instanceof Date) return v.toISOString().replace('Z', '000Z');
  if (typeof v === 'object' && 'items' in v) return v.items.map(norm);
  return v;
}

test('DuckDB reads every output Delta table with the rows of `lake show`', async () => {
  for (const t of TABLES) {
    const root = join(lake, 'delta', t);
    const files = activeFiles(root);
    assert.ok(files.length >= 1, `${t}: at least one data file`);
    const r = await conn.runAndReadAll(
      `SELECT * FROM read_parquet([${files.map(lit).join(',')}], file_row_number = true, filename = true)
        ORDER BY filename, file_row_number`);
    const cols = r.columnNames().filter((c) => c !== 'filename' && c !== 'file_row_number');
    const duck = r.getRowObjectsJS().map((row) => Object.fromEntries(cols.map((c) => {
      let v = row[c];
      if (v instanceof Date) v = v.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
      return [c, norm(v)];
    })));
    const mine = pinpipe('lake', 'show', root, '--format', 'ndjson', '--limit', '0')
      .split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.equal(duck.length, mine.length, `${t}: row count`);
    assert.deepEqual(duck, mine, `${t}: rows`);
  }
  assert.equal(JSON.parse(pinpipe('lake', 'show', join(lake, 'delta', 'quarantine_pin'), '--format', 'ndjson').split('\n')[0]).table, 'pin');
});

test('the analytics equal DuckDB SQL over the same raw files', async () => {
  const files = (t) => lit(join(lake, 'topics', `pinterest.${t}`, 'partition=*', '*.json'));
  const SENT = ['', 'No description available Story format', 'No description available',
    'User Info Error', 'Image src error.', 'N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e', 'No Title Data Available']
    .map(lit).join(', ');
  const nul = (c) => `CASE WHEN ${c} IN (${SENT}) THEN NULL ELSE ${c} END`;
  const fc = `CASE WHEN regexp_full_match(f, '[0-9]+') THEN TRY_CAST(f AS HUGEINT)
    WHEN regexp_full_match(f, '[0-9]+k') THEN TRY_CAST(left(f, -1) AS HUGEINT) * 1000
    WHEN regexp_full_match(f, '[0-9]+M') THEN TRY_CAST(left(f, -1) AS HUGEINT) * 1000000 END`;
  // Lines that decode (valid JSON objects with an integer ind/index) — the generated rows
  // and the hand-written good ones; the bad ones are quarantined by pinpipe.
  const lines = (t) => `(SELECT line::JSON AS j FROM (SELECT unnest(string_split(content, chr(10))) AS line
      FROM read_text(${files(t)})) WHERE line <> '' AND json_valid(line) AND json_type(line) = 'OBJECT'
      AND TRY_CAST(coalesce(json_extract_string(line, '$.ind'), json_extract_string(line, '$.index')) AS BIGINT) IS NOT NULL)`;
  const ind = `TRY_CAST(coalesce(json_extract_string(j, '$.ind'), json_extract_string(j, '$.index')) AS BIGINT)`;
  const ts = (f) => `TRY_CAST(replace(json_extract_string(j, '$.${f}'), 'T', ' ') AS TIMESTAMP)`;
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE raw_pin AS SELECT ${ind} AS ind,
      ${['unique_id', 'title', 'description', 'poster_name', 'follower_count', 'tag_list',
         'is_image_or_video', 'image_src', 'save_location', 'category'].map((f) => `json_extract_string(j, '$.${f}') AS ${f}`).join(', ')},
      TRY_CAST(json_extract_string(j, '$.downloaded') AS BIGINT) AS downloaded FROM ${lines('pin')};
    CREATE OR REPLACE TEMP TABLE raw_geo AS SELECT ${ind} AS ind, ${ts('timestamp')} AS "timestamp",
      TRY_CAST(json_extract_string(j, '$.latitude') AS DOUBLE) AS latitude, TRY_CAST(json_extract_string(j, '$.longitude') AS DOUBLE) AS longitude,
      json_extract_string(j, '$.country') AS country FROM ${lines('geo')} WHERE ${ts('timestamp')} IS NOT NULL OR json_extract_string(j, '$.timestamp') IS NULL;
    CREATE OR REPLACE TEMP TABLE raw_user AS SELECT ${ind} AS ind, json_extract_string(j, '$.first_name') AS first_name,
      json_extract_string(j, '$.last_name') AS last_name, TRY_CAST(json_extract_string(j, '$.age') AS BIGINT) AS age, ${ts('date_joined')} AS date_joined
      FROM ${lines('user')};
    CREATE OR REPLACE TEMP TABLE pin AS SELECT ind, ${nul('poster_name')} AS poster_name,
      TRY_CAST((SELECT ${fc} FROM (SELECT ${nul('follower_count')} AS f)) AS INTEGER) AS follower_count, category
      FROM (SELECT DISTINCT * FROM raw_pin);
    CREATE OR REPLACE TEMP TABLE geo AS SELECT ind, country, "timestamp" FROM (SELECT DISTINCT * FROM raw_geo);
    CREATE OR REPLACE TEMP TABLE "user" AS SELECT ind, first_name || ' ' || last_name AS user_name,
      TRY_CAST(age AS INTEGER) AS age, date_joined FROM (SELECT DISTINCT * FROM raw_user);
    CREATE OR REPLACE TEMP VIEW pg AS SELECT p.*, g.country, g."timestamp" FROM pin p JOIN geo g ON p.ind = g.ind;
    CREATE OR REPLACE TEMP VIEW pu AS SELECT p.*, u.user_name, u.age, u.date_joined,
      CASE WHEN u.age BETWEEN 18 AND 24 THEN '18-24' WHEN u.age BETWEEN 25 AND 35 THEN '25-35'
           WHEN u.age BETWEEN 36 AND 50 THEN '36-50' WHEN u.age > 50 THEN '+50' END AS age_group
      FROM pin p JOIN "user" u ON p.ind = u.ind;`);
  const sql = analyticsQueries('lower');
  let nonEmpty = 0;
  for (const [name, q] of Object.entries(sql)) {
    const duck = (await conn.runAndReadAll(q)).getRowObjectsJS().map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, norm(v)])));
    const mine = pinpipe('lake', 'show', join(lake, 'delta', 'analytics', name), '--format', 'ndjson', '--limit', '0')
      .split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.deepEqual(mine, duck, name);
    nonEmpty += mine.length > 0;
  }
  assert.ok(nonEmpty >= 8, 'most results non-empty');
});
