// Second implementation check of domain.md §2–§3: the same raw NDJSON files go through
// `pinpipe analytics run` and through DuckDB SQL (decoding, quarantine, dedup, cleaning and
// the eight queries, all in SQL), and every row of every result must match — for each of the
// 15 fixture inputs in ../shared/data/fixtures (skipped without them) and for 100k generated
// interactions, with both median settings.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { generate } from './analytics_gen.mjs';
import { analyticsQueries } from './analytics_sql.mjs';

const BIN = process.env.PINPIPE_BIN;
const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(HERE, '..', '..', '..', 'shared', 'data', 'fixtures');
const TABLES = ['category_by_country', 'category_by_year', 'top_user_by_country', 'top_country',
  'category_by_age_group', 'median_followers_by_age_group', 'users_joined_by_year',
  'median_followers_by_join_year', 'median_followers_by_age_group_and_join_year'];
let dir, conn;

before(async () => {
  assert.ok(BIN, 'PINPIPE_BIN must point at the pinpipe binary');
  dir = mkdtempSync(join(tmpdir(), 'pinpipe-analytics-'));
  conn = await (await DuckDBInstance.create(':memory:')).connect();
});
after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

const lit = (s) => `'${s.replaceAll("'", "''")}'`;
const SENTINELS = ['', 'No description available Story format', 'No description available',
  'User Info Error', 'Image src error.', 'N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e', 'No Title Data Available']
  .map(lit).join(', ');

// SQL for one raw field of a line: its decoded value, and whether its JSON type is wrong.
const jt = (f) => `json_type(line, '$.${f}')`;
const str = (f) => ({
  value: `CASE WHEN ${jt(f)} IN ('VARCHAR','BIGINT','UBIGINT','DOUBLE') THEN line->>'$.${f}' END`,
  bad: `coalesce(${jt(f)} NOT IN ('NULL','VARCHAR','BIGINT','UBIGINT','DOUBLE'), false)`,
});
const INT_RE = `'-?[0-9]+'`;
const int = (f) => ({
  value: `CASE WHEN ${jt(f)} IN ('BIGINT','UBIGINT','VARCHAR') THEN TRY_CAST(line->>'$.${f}' AS BIGINT) END`,
  bad: `coalesce(CASE WHEN ${jt(f)} IS NULL OR ${jt(f)} = 'NULL' THEN false
      WHEN ${jt(f)} IN ('BIGINT','UBIGINT') THEN TRY_CAST(line->>'$.${f}' AS BIGINT) IS NULL
      WHEN ${jt(f)} = 'VARCHAR' THEN NOT (regexp_full_match(line->>'$.${f}', ${INT_RE})
                                         AND TRY_CAST(line->>'$.${f}' AS BIGINT) IS NOT NULL)
      ELSE true END, false)`,
});
const DBL_RE = `'-?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?'`;
const dbl = (f) => ({
  value: `CASE WHEN ${jt(f)} IN ('BIGINT','UBIGINT','DOUBLE','VARCHAR') THEN TRY_CAST(line->>'$.${f}' AS DOUBLE) END`,
  bad: `coalesce(CASE WHEN ${jt(f)} IS NULL OR ${jt(f)} IN ('NULL','BIGINT','UBIGINT','DOUBLE') THEN false
      WHEN ${jt(f)} = 'VARCHAR' THEN NOT (regexp_full_match(line->>'$.${f}', ${DBL_RE})
                                         AND TRY_CAST(line->>'$.${f}' AS DOUBLE) IS NOT NULL)
      ELSE true END, false)`,
});
const TS_RE = `'[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?Z?'`;
const tsv = (f) => `TRY_CAST(replace(replace(line->>'$.${f}', 'T', ' '), 'Z', '') AS TIMESTAMP)`;
const ts = (f) => ({
  value: `CASE WHEN ${jt(f)} = 'VARCHAR' THEN ${tsv(f)} END`,
  bad: `coalesce(CASE WHEN ${jt(f)} IS NULL OR ${jt(f)} = 'NULL' THEN false
      WHEN ${jt(f)} = 'VARCHAR' THEN NOT (regexp_full_match(line->>'$.${f}', ${TS_RE}) AND ${tsv(f)} IS NOT NULL)
      ELSE true END, false)`,
});
const SCHEMAS = {
  pin: { unique_id: str, title: str, description: str, poster_name: str, follower_count: str,
    tag_list: str, is_image_or_video: str, image_src: str, downloaded: int, save_location: str,
    category: str },
  geo: { timestamp: ts, latitude: dbl, longitude: dbl, country: str },
  user: { first_name: str, last_name: str, age: int, date_joined: ts },
};

// Raw file -> decoded table raw_<t> (ind + fields) and a count of quarantined lines.
async function loadRaw(t, file) {
  const fields = Object.entries(SCHEMAS[t]).map(([f, k]) => [f, k(f)]);
  // `ind` wins over `index` when both keys exist; an error in `index` counts only without `ind`.
  const hasInd = `json_exists(line, '$.ind')`;
  const indVal = `CASE WHEN ${hasInd} THEN ${int('ind').value} ELSE ${int('index').value} END`;
  const indBad = `CASE WHEN ${hasInd} THEN ${int('ind').bad} ELSE ${int('index').bad} END`;
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE lines_${t} AS
      SELECT rtrim(l, chr(13)) AS line FROM (
        SELECT unnest(string_split(content, chr(10))) AS l FROM read_text(${lit(file)}))
      WHERE trim(rtrim(l, chr(13)), ' ' || chr(9)) <> '';
    CREATE OR REPLACE TEMP TABLE checked_${t} AS
      SELECT line FROM lines_${t} WHERE json_valid(line);
    CREATE OR REPLACE TEMP TABLE objects_${t} AS
      SELECT line::JSON AS line FROM checked_${t} WHERE json_type(line) = 'OBJECT';
    CREATE OR REPLACE TEMP TABLE decoded_${t} AS
      SELECT ${indVal} AS ind, ${indBad} AS ind_bad,
             ${fields.map(([f, k]) => `${k.value} AS "${f}", ${k.bad} AS "${f}_bad"`).join(', ')}
        FROM objects_${t};
    CREATE OR REPLACE TEMP TABLE raw_${t} AS
      SELECT ind, ${fields.map(([f]) => `"${f}"`).join(', ')} FROM decoded_${t}
       WHERE NOT ind_bad AND ind IS NOT NULL AND NOT (${fields.map(([f]) => `"${f}_bad"`).join(' OR ')});`);
  const q = await conn.runAndReadAll(`SELECT
      (SELECT count(*) FROM lines_${t}) - (SELECT count(*) FROM raw_${t}) AS quarantined`);
  return Number(q.getRowObjectsJS()[0].quarantined);
}

async function duckAnalytics(files, median) {
  const quarantined = {};
  for (const t of ['pin', 'geo', 'user']) quarantined[t] = await loadRaw(t, files[t]);
  const nul = (c) => `CASE WHEN ${c} IN (${SENTINELS}) THEN NULL ELSE ${c} END`;
  const fc = `CASE
      WHEN regexp_full_match(f, '[0-9]+') THEN TRY_CAST(f AS HUGEINT)
      WHEN regexp_full_match(f, '[0-9]+k') THEN TRY_CAST(left(f, -1) AS HUGEINT) * 1000
      WHEN regexp_full_match(f, '[0-9]+M') THEN TRY_CAST(left(f, -1) AS HUGEINT) * 1000000 END`;
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE pin AS
      SELECT ind, unique_id, ${nul('title')} AS title, ${nul('description')} AS description,
             TRY_CAST((SELECT ${fc} FROM (SELECT ${nul('follower_count')} AS f)) AS INTEGER) AS follower_count,
             ${nul('poster_name')} AS poster_name, ${nul('tag_list')} AS tag_list, is_image_or_video,
             ${nul('image_src')} AS image_src,
             CASE WHEN starts_with(save_location, 'Local save in ') THEN substr(save_location, 15)
                  ELSE save_location END AS save_location, category
        FROM (SELECT DISTINCT * FROM raw_pin);
    CREATE OR REPLACE TEMP TABLE geo AS
      SELECT ind, country, [latitude, longitude] AS coordinates, "timestamp"
        FROM (SELECT DISTINCT * FROM raw_geo);
    CREATE OR REPLACE TEMP TABLE "user" AS
      SELECT ind, first_name || ' ' || last_name AS user_name, TRY_CAST(age AS INTEGER) AS age, date_joined
        FROM (SELECT DISTINCT * FROM raw_user);
    CREATE OR REPLACE TEMP VIEW pg AS SELECT p.*, g.country, g."timestamp" FROM pin p JOIN geo g ON p.ind = g.ind;
    CREATE OR REPLACE TEMP VIEW pu AS
      SELECT p.*, u.user_name, u.age, u.date_joined,
             CASE WHEN u.age BETWEEN 18 AND 24 THEN '18-24' WHEN u.age BETWEEN 25 AND 35 THEN '25-35'
                  WHEN u.age BETWEEN 36 AND 50 THEN '36-50' WHEN u.age > 50 THEN '+50' END AS age_group
        FROM pin p JOIN "user" u ON p.ind = u.ind;`);
  const sql = analyticsQueries(median);
  const out = {};
  for (const [name, q] of Object.entries(sql)) {
    const r = await conn.runAndReadAll(q);
    out[name] = { columns: r.columnNames(), rows: r.getRowsJS().map((row) => row.map(cell)) };
  }
  const counts = await conn.runAndReadAll(`SELECT (SELECT count(*) FROM pin) AS pin,
    (SELECT count(*) FROM geo) AS geo, (SELECT count(*) FROM "user") AS "user"`);
  const c = counts.getRowObjectsJS()[0];
  return { tables: out, quarantined, rows: { pin: Number(c.pin), geo: Number(c.geo), user: Number(c.user) } };
}

// DuckDB JS values -> the text pinpipe writes (null -> null).
function cell(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return String(v);
  return String(v);
}

// Minimal RFC 4180 parser (pinpipe's CSV); empty unquoted field = null. A quoted text cell
// "'+50" is pinpipe's formula-injection guard (OWASP: a leading quote before = + - @ TAB CR):
// the value is +50.
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', quoted = false, wasQuoted = false, i = 0;
  const unguard = (f) => (wasQuoted && /^'[=+\-@\t\r]/.test(f) ? f.slice(1) : f);
  const push = () => { row.push(field === '' && !wasQuoted ? null : unguard(field)); field = ''; wasQuoted = false; };
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (ch === '"') { quoted = false; i++; continue; }
      field += ch; i++; continue;
    }
    if (ch === '"') { quoted = true; wasQuoted = true; i++; continue; }
    if (ch === ',') { push(); i++; continue; }
    if (ch === '\n') { push(); rows.push(row); row = []; i++; continue; }
    field += ch; i++;
  }
  if (field !== '' || row.length) { push(); rows.push(row); }
  return rows;
}

function runPinpipe(files, out, median) {
  execFileSync(BIN, ['analytics', 'run', '--pin', files.pin, '--geo', files.geo, '--user', files.user,
    '--out', out, '--median', median], { stdio: 'pipe' });
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  const tables = {};
  for (const name of TABLES) {
    const [header, ...rows] = parseCsv(readFileSync(join(out, `${name}.csv`), 'utf8'));
    tables[name] = { columns: header, rows };
  }
  return { summary, tables };
}

async function compare(label, files) {
  for (const median of ['lower', 'interpolated']) {
    const out = join(dir, `${label}-${median}`);
    const mine = runPinpipe(files, out, median);
    const duck = await duckAnalytics(files, median);
    assert.deepEqual(
      { pin: mine.summary.quarantined_pin, geo: mine.summary.quarantined_geo, user: mine.summary.quarantined_user },
      duck.quarantined, `${label}: quarantined records`);
    assert.deepEqual({ pin: mine.summary.pin_rows, geo: mine.summary.geo_rows, user: mine.summary.user_rows },
      duck.rows, `${label}: clean rows after dedup`);
    let nonEmpty = 0;
    for (const name of TABLES) {
      assert.deepEqual(mine.tables[name].columns, duck.tables[name].columns, `${label} ${name}: columns`);
      assert.deepEqual(mine.tables[name].rows, duck.tables[name].rows, `${label} ${name} (${median}): rows`);
      nonEmpty += mine.tables[name].rows.length > 0;
    }
    assert.ok(nonEmpty >= 5, `${label}: most results non-empty`);
  }
}

// A fixture as three NDJSON files. The notebooks displayed Spark nulls as "null": back to null.
function fixtureFiles(path, name) {
  const data = JSON.parse(readFileSync(path, 'utf8'));
  const files = {};
  for (const t of ['pin', 'geo', 'user']) {
    const lines = data[t].map((row) => JSON.stringify(Object.fromEntries(
      Object.entries(row).map(([k, v]) => [k, v === 'null' ? null : v]))));
    files[t] = join(dir, `${name}.${t}.ndjson`);
    writeFileSync(files[t], lines.join('\n') + '\n');
  }
  return files;
}

const fixtures = existsSync(FIXTURES)
  ? readdirSync(FIXTURES).filter((f) => f.endsWith('.input.json')).sort() : [];

test('analytics match DuckDB on the 15 fixture inputs', { skip: fixtures.length ? false : 'no ../shared/data/fixtures' }, async () => {
  assert.equal(fixtures.length, 15);
  for (const f of fixtures) {
    const name = f.replace('.input.json', '');
    await compare(name, fixtureFiles(join(FIXTURES, f), name));
  }
});

test('analytics match DuckDB on 100k generated interactions', async () => {
  const g = generate(100000, 1);
  const files = {};
  for (const t of ['pin', 'geo', 'user']) {
    files[t] = join(dir, `gen.${t}.ndjson`);
    writeFileSync(files[t], g[t]);
  }
  await compare('generated-100k', files);
});

test('analytics match DuckDB on small generated inputs (ties and empty groups)', async () => {
  for (const seed of [2, 3, 4, 5]) {
    const g = generate(40, seed);
    const files = {};
    for (const t of ['pin', 'geo', 'user']) {
      files[t] = join(dir, `small${seed}.${t}.ndjson`);
      writeFileSync(files[t], g[t]);
    }
    await compare(`small-${seed}`, files);
  }
});
