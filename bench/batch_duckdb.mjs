#!/usr/bin/env node
// The batch baseline: DuckDB (@duckdb/node-api) runs the same cleaning and the same eight
// queries as pinpipe's batch DAG on the same raw NDJSON objects of the lake, and writes every
// output as Parquet (the clean pin/geo/user tables and the nine results). Timed end to end
// (reading the raw files included); the queries are tests/interop/analytics_sql.mjs, with
// DuckDB's own typed NDJSON reader for the decoding.
// Usage: node bench/batch_duckdb.mjs LAKE_DIR OUT_DIR [PIPELINE_ID]   → prints duckdb_seconds=...
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { analyticsQueries } from '../tests/interop/analytics_sql.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '../tests/interop/package.json'));
const { DuckDBInstance } = require('@duckdb/node-api');

const [lake, out, id = 'pinterest'] = process.argv.slice(2);
if (!lake || !out) { console.error('usage: batch_duckdb.mjs LAKE_DIR OUT_DIR [PIPELINE_ID]'); process.exit(2); }
mkdirSync(out, { recursive: true });
const lit = (s) => `'${s.replaceAll("'", "''")}'`;
const files = (t) => lit(join(lake, 'topics', `${id}.${t}`, 'partition=*', '*.json'));
const SENTINELS = ['', 'No description available Story format', 'No description available',
  'User Info Error', 'Image src error.', 'N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e', 'No Title Data Available']
  .map(lit).join(', ');
const nul = (c) => `CASE WHEN ${c} IN (${SENTINELS}) THEN NULL ELSE ${c} END`;
const fc = `CASE
    WHEN regexp_full_match(f, '[0-9]+') THEN TRY_CAST(f AS HUGEINT)
    WHEN regexp_full_match(f, '[0-9]+k') THEN TRY_CAST(left(f, -1) AS HUGEINT) * 1000
    WHEN regexp_full_match(f, '[0-9]+M') THEN TRY_CAST(left(f, -1) AS HUGEINT) * 1000000 END`;
const QUERIES = analyticsQueries('lower');

const t0 = process.hrtime.bigint();
const conn = await (await DuckDBInstance.create(':memory:')).connect();
const pq = (name) => lit(join(out, `${name}.parquet`));
await conn.run(`
  CREATE TEMP TABLE raw_pin AS SELECT * FROM read_ndjson(${files('pin')}, columns = {
    "index": 'BIGINT', unique_id: 'VARCHAR', title: 'VARCHAR', description: 'VARCHAR',
    poster_name: 'VARCHAR', follower_count: 'VARCHAR', tag_list: 'VARCHAR',
    is_image_or_video: 'VARCHAR', image_src: 'VARCHAR', downloaded: 'BIGINT',
    save_location: 'VARCHAR', category: 'VARCHAR'}, ignore_errors = true);
  CREATE TEMP TABLE raw_geo AS SELECT * FROM read_ndjson(${files('geo')}, columns = {
    ind: 'BIGINT', "timestamp": 'TIMESTAMP', latitude: 'DOUBLE', longitude: 'DOUBLE',
    country: 'VARCHAR'}, ignore_errors = true);
  CREATE TEMP TABLE raw_user AS SELECT * FROM read_ndjson(${files('user')}, columns = {
    ind: 'BIGINT', first_name: 'VARCHAR', last_name: 'VARCHAR', age: 'BIGINT',
    date_joined: 'TIMESTAMP'}, ignore_errors = true);
  CREATE TEMP TABLE pin AS
    SELECT "index" AS ind, unique_id, ${nul('title')} AS title, ${nul('description')} AS description,
           TRY_CAST((SELECT ${fc} FROM (SELECT ${nul('follower_count')} AS f)) AS INTEGER) AS follower_count,
           ${nul('poster_name')} AS poster_name, ${nul('tag_list')} AS tag_list, is_image_or_video,
           ${nul('image_src')} AS image_src,
           CASE WHEN starts_with(save_location, 'Local save in ') THEN substr(save_location, 15)
                ELSE save_location END AS save_location, category
      FROM (SELECT DISTINCT * FROM raw_pin WHERE "index" IS NOT NULL);
  CREATE TEMP TABLE geo AS
    SELECT ind, country, [latitude, longitude] AS coordinates, "timestamp"
      FROM (SELECT DISTINCT * FROM raw_geo WHERE ind IS NOT NULL);
  CREATE TEMP TABLE "user" AS
    SELECT ind, first_name || ' ' || last_name AS user_name, TRY_CAST(age AS INTEGER) AS age, date_joined
      FROM (SELECT DISTINCT * FROM raw_user WHERE ind IS NOT NULL);
  DROP TABLE raw_pin; DROP TABLE raw_geo; DROP TABLE raw_user;
  COPY pin TO ${pq('pin')} (FORMAT parquet);
  COPY geo TO ${pq('geo')} (FORMAT parquet);
  COPY "user" TO ${pq('user')} (FORMAT parquet);
  CREATE TEMP VIEW pg AS SELECT p.*, g.country, g."timestamp" FROM pin p JOIN geo g ON p.ind = g.ind;
  CREATE TEMP VIEW pu AS
    SELECT p.*, u.user_name, u.age, u.date_joined,
           CASE WHEN u.age BETWEEN 18 AND 24 THEN '18-24' WHEN u.age BETWEEN 25 AND 35 THEN '25-35'
                WHEN u.age BETWEEN 36 AND 50 THEN '36-50' WHEN u.age > 50 THEN '+50' END AS age_group
      FROM pin p JOIN "user" u ON p.ind = u.ind;`);
for (const [name, q] of Object.entries(QUERIES)) {
  await conn.run(`COPY (${q}) TO ${pq(name)} (FORMAT parquet)`);
}
const counts = (await conn.runAndReadAll(`SELECT (SELECT count(*) FROM pin) AS pin,
  (SELECT count(*) FROM geo) AS geo, (SELECT count(*) FROM "user") AS u`)).getRowObjectsJS()[0];
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`duckdb_seconds=${secs.toFixed(3)} pin=${counts.pin} geo=${counts.geo} user=${counts.u}`);
