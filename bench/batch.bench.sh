#!/usr/bin/env bash
# The batch DAG over 1M generated interactions (3M raw records in the sink's layout, flush.size
# 10000) against DuckDB running the same cleaning and queries on the same raw files and writing
# Parquet, side by side in the same run. The raw objects are generated once (not timed); each
# run starts from a lake without Delta tables. Peak RSS of the whole `pinpipe dag run`
# process from /usr/bin/time -v. Medians of RUNS runs (default 3).
# Usage: bench/batch.bench.sh BIN   (BATCH_INTERACTIONS overrides 1000000)
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: batch.bench.sh BIN}
runs=${RUNS:-3}
n=${BATCH_INTERACTIONS:-1000000}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
(cd tests/interop && [ -d node_modules ] || npm install --no-audit --no-fund --loglevel=error >/dev/null)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
data="$dir/data"
"$bin" --set data.dir="$data" batch gen-raw --interactions "$n" --lake "$data/lake" >"$dir/gen.txt" || {
  echo "batch.bench.sh: gen-raw failed" >&2; exit 1; }
dag_s=() duck_s=() rss_mb=()
for ((i = 0; i < runs; i++)); do
  rm -rf "$data/lake/delta" "$data/lake/manifests" "$data/state" "$data/reports" "$dir/duck"
  t0=$(date +%s.%N)
  /usr/bin/time -v -o "$dir/time.txt" "$bin" --set data.dir="$data" --set logging.level=warn \
    dag run --date 2026-01-01 >"$dir/dag.log" 2>&1 || { echo "batch.bench.sh: dag run failed" >&2; cat "$dir/dag.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  dag_s+=("$(echo "$t1 - $t0" | bc -l)")
  rss_mb+=("$(awk -F: '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$dir/time.txt")")
  duck=$(node bench/batch_duckdb.mjs "$data/lake" "$dir/duck" | grep -oE 'duckdb_seconds=[0-9.]+' | cut -d= -f2)
  duck_s+=("$duck")
  echo "run $((i + 1)): pinpipe ${dag_s[-1]} s (peak RSS ${rss_mb[-1]} MB), DuckDB ${duck} s" >&2
done
d=$(printf '%s\n' "${dag_s[@]}" | median)
k=$(printf '%s\n' "${duck_s[@]}" | median)
r=$(printf '%s\n' "${rss_mb[@]}" | median)
printf '%-58s %14.2f %12s   %s\n' "batch DAG, ${n} interactions (s)" "$d" "$(echo "scale=2; $k / $d" | bc -l)x" "target <= 10 s, >= 2x DuckDB"
printf '%-58s %14.2f %12s   %s\n' "batch, DuckDB same cleaning + queries + Parquet (s)" "$k" "" "peer"
printf '%-58s %14s %12s   %s\n' "batch DAG peak RSS (MB)" "$r" "" "target <= 1536"
