#!/usr/bin/env node
// Benchmark: write the clean pin schema (default 1M rows) to Parquet with pinpipe and with
// DuckDB (COPY ... TO ... (FORMAT parquet)) in the same run. Both generate the same rows with
// the same formulas (src/cli/cmd_lake_parquet.cc PinRows); only the write is timed.
// Usage: node bench/parquet_write.mjs [--rows N] [--codecs snappy,zstd]  (PINPIPE_BIN or build/pinpipe)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '../tests/interop/package.json'));
const { DuckDBInstance } = require('@duckdb/node-api');

const arg = (name, def) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : def; };
const rows = Number(arg('--rows', '1000000'));
const codecs = arg('--codecs', 'snappy,zstd').split(',');
const bin = process.env.PINPIPE_BIN || join(here, '../build/pinpipe');
const dir = mkdtempSync(join(tmpdir(), 'pinpipe-bench-'));

const SQL = `CREATE TABLE pin AS SELECT
  i::BIGINT AS ind,
  printf('%08x-%04x-4%03x-8%03x-%012x', (i * 2654435761) % 4294967296, i % 65536, i % 4096, (i * 7) % 4096, i * 1000003) AS unique_id,
  CASE WHEN i % 97 = 0 THEN NULL ELSE 'Title number ' || (i % 50000) || ' about things and more things' END AS title,
  'Description of pin ' || i || ' ' || repeat('lorem ipsum ', (1 + i % 15)::INTEGER) AS description,
  ((i * 37) % 100000)::INTEGER AS follower_count,
  'poster_' || (i % 20000) AS poster_name,
  'tag' || (i % 100) || ',tag' || (i % 37) || ',tag' || (i % 11) AS tag_list,
  CASE WHEN i % 10 = 0 THEN 'video' ELSE 'image' END AS is_image_or_video,
  'https://i.pinimg.com/originals/' || printf('%08x', (i * 40503) % 4294967296) || '/' || i || '.jpg' AS image_src,
  'Local save in /data/' || (i % 1000) AS save_location,
  (['mens-fashion','diy-and-crafts','vehicles','beauty','travel','christmas','art','education','finance','quotes'])[(i % 10) + 1] AS category
FROM range(${rows}) t(i)`;

const inst = await DuckDBInstance.create(':memory:');
const conn = await inst.connect();
await conn.run(SQL);
const results = [];
try {
  for (const codec of codecs) {
    const ours = join(dir, `pinpipe_${codec}.parquet`);
    const out = execFileSync(bin, ['lake', 'bench-write', '--rows', String(rows), '--codec', codec, ours]).toString();
    const p = JSON.parse(out.trim().split('\n').pop());
    const theirs = join(dir, `duckdb_${codec}.parquet`);
    const t0 = process.hrtime.bigint();
    await conn.run(`COPY pin TO '${theirs}' (FORMAT parquet, COMPRESSION ${codec})`);
    const duckSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    // Same rows on both sides? Compare a digest of the files' contents through DuckDB.
    const check = await conn.runAndReadAll(
      `SELECT (SELECT count(*) FROM (SELECT * FROM read_parquet('${ours}') EXCEPT ALL SELECT * FROM read_parquet('${theirs}'))) AS diff,
              (SELECT count(*) FROM read_parquet('${ours}')) AS n`);
    const { diff, n } = check.getRowObjectsJS()[0];
    results.push({ codec, rows, pinpipe_s: p.seconds, duckdb_s: duckSeconds,
                   pinpipe_mb: statSync(ours).size / 1e6, duckdb_mb: statSync(theirs).size / 1e6,
                   same_rows: Number(diff) === 0 && Number(n) === rows });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
for (const r of results) {
  console.log(`parquet write ${r.rows} pin rows, ${r.codec}: pinpipe ${r.pinpipe_s.toFixed(3)} s (${r.pinpipe_mb.toFixed(1)} MB), ` +
              `DuckDB ${r.duckdb_s.toFixed(3)} s (${r.duckdb_mb.toFixed(1)} MB), ratio ${(r.duckdb_s / r.pinpipe_s).toFixed(2)}x` +
              `${r.same_rows ? '' : '  [ROWS DIFFER]'}`);
}
const ok = results.every((r) => r.same_rows && r.pinpipe_s <= r.duckdb_s);
console.log(JSON.stringify({ benchmark: 'parquet_write', results, pinpipe_at_least_as_fast: ok }));
process.exit(results.every((r) => r.same_rows) ? 0 : 1);
