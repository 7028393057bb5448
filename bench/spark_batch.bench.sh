#!/usr/bin/env bash
# The batch over the same raw files, three ways, in the same run: pinpipe `dag run`, Apache Spark
# local[2] (the spark peer) running the job `pinpipe dag export --spark` writes, and DuckDB doing
# the same cleaning and queries (bench/batch_duckdb.mjs, as bench/batch.bench.sh). The raw
# objects (SPARK_BATCH_INTERACTIONS interactions, default 1000000 = 3M raw records) are
# generated once, not timed. Spark's session start is reported apart from the job; its peak RSS
# is the JVM's, its Python workers' and the driver's, summed. Medians of RUNS runs (default 3).
# Usage: bench/spark_batch.bench.sh BIN
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: spark_batch.bench.sh BIN}
runs=${RUNS:-3}
n=${SPARK_BATCH_INTERACTIONS:-1000000}
row() { printf '%-58s %14s %12s   %s\n' "$@"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
field() { grep -oE "$1=[0-9.]+" | cut -d= -f2; }
if ! py=$(tests/peers/peer spark env --json 2>&1 | /usr/bin/python3 -c \
    "import json,sys; print(json.load(sys.stdin)['PINPIPE_PEER_SPARK_PYTHON'])" 2>/dev/null); then
  row "batch vs Spark (peer spark not installed)" "-" "" "tests/peers/peer spark install"
  exit 0
fi
(cd tests/interop && [ -d node_modules ] || npm install --no-audit --no-fund --loglevel=error >/dev/null)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
data="$dir/data"
"$bin" --set data.dir="$data" batch gen-raw --interactions "$n" --lake "$data/lake" >"$dir/gen.txt" || {
  echo "spark_batch.bench.sh: gen-raw failed" >&2; exit 1; }
"$bin" --set data.dir="$data" dag export --spark "$dir/job" >/dev/null || {
  echo "spark_batch.bench.sh: dag export --spark failed" >&2; exit 1; }
dag_s=() rss_mb=() sess_s=() spark_s=() spark_mb=() duck_s=()
for ((i = 0; i < runs; i++)); do
  rm -rf "$data/lake/delta" "$data/lake/manifests" "$data/state" "$data/reports" "$dir/duck" \
    "$dir/spark-out" "$dir/spark-work"
  t0=$(date +%s.%N)
  /usr/bin/time -v -o "$dir/time.txt" "$bin" --set data.dir="$data" --set logging.level=warn \
    dag run --date 2026-01-01 >"$dir/dag.log" 2>&1 || { echo "spark_batch.bench.sh: dag run failed" >&2; cat "$dir/dag.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  dag_s+=("$(echo "$t1 - $t0" | bc -l)")
  rss_mb+=("$(awk -F: '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$dir/time.txt")")
  out=$("$py" bench/spark_batch.py "$dir/job" "$data/lake" "$dir/spark-out" "$dir/spark-work" 2>"$dir/spark.log") || {
    echo "spark_batch.bench.sh: the Spark job failed" >&2; tail -20 "$dir/spark.log" >&2; exit 1; }
  sess_s+=("$(echo "$out" | field session_seconds)")
  spark_s+=("$(echo "$out" | field job_seconds)")
  spark_mb+=("$(echo "$out" | field peak_rss_mb)")
  duck_s+=("$(node bench/batch_duckdb.mjs "$data/lake" "$dir/duck" | field duckdb_seconds)")
  echo "run $((i + 1)): pinpipe ${dag_s[-1]} s (${rss_mb[-1]} MB), Spark session ${sess_s[-1]} s +" \
       "job ${spark_s[-1]} s (${spark_mb[-1]} MB), DuckDB ${duck_s[-1]} s" >&2
done
d=$(printf '%s\n' "${dag_s[@]}" | median)
s=$(printf '%s\n' "${spark_s[@]}" | median)
ss=$(printf '%s\n' "${sess_s[@]}" | median)
k=$(printf '%s\n' "${duck_s[@]}" | median)
ratio() { printf '%.*fx' "$3" "$(echo "$1 / $2" | bc -l)"; }
row "batch DAG vs Spark, ${n} interactions: pinpipe (s)" "$(printf %.2f "$d")" \
  "$(ratio "$s" "$d" 1) Spark" "target >= 10x Spark local[2]"
row "  Spark local[2], exported job, session excluded (s)" "$s" "" "peer"
row "  Spark session start (s)" "$ss" "" "peer, reported apart"
row "  DuckDB, same cleaning + queries + Parquet (s)" "$k" "$(ratio "$k" "$d" 2) DuckDB" "target >= 3x DuckDB"
row "  peak RSS: pinpipe / Spark JVM+workers+driver (MB)" \
  "$(printf '%s\n' "${rss_mb[@]}" | median) / $(printf '%s\n' "${spark_mb[@]}" | median)" "" "target pinpipe <= 1024"
