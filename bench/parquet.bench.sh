#!/usr/bin/env bash
# make bench: Parquet write of the clean pin schema, 1M rows, pinpipe vs DuckDB COPY (same run).
# Prints result-table lines for bench/run_all.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$1
(cd tests/interop && [ -d node_modules ] || npm install --no-audit --no-fund --loglevel=error >/dev/null)
json=$(PINPIPE_BIN="$bin" node bench/parquet_write.mjs --rows 1000000 --codecs snappy,zstd | tail -1)
node -e '
const r = JSON.parse(process.argv[1]);
for (const x of r.results) {
  const name = `Parquet write 1M pin rows, ${x.codec} (s; DuckDB ${x.duckdb_s.toFixed(2)} s)`;
  const ratio = (x.duckdb_s / x.pinpipe_s).toFixed(2) + "x";
  console.log(name.padEnd(58) + " " + x.pinpipe_s.toFixed(2).padStart(14) + " " + ratio.padStart(12) + "   target <= DuckDB");
}' "$json"
