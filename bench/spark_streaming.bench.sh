#!/usr/bin/env bash
# The streaming peer (issue 18 §5): pinpipe's stream job vs Spark Structured Streaming (local[2],
# the spark peer: Kafka source on pinpipe's own Kafka listener → the exported Spark job's
# decode_record + clean_pin → Delta, trigger processingTime=0) on the same machine and input
# (bench/spark_streaming.py). Latency produce-ack → row visible in a Delta snapshot at
# SPARK_STREAM_RATE records/s (default 2000) for BENCH_SECONDS s (default 15); throughput =
# drain rate of a SPARK_STREAM_BACKLOG-record backlog (default 50000). One run: Spark is heavy,
# and this machine is shared; the load average is printed with the figures.
# Usage: bench/spark_streaming.bench.sh BIN
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: spark_streaming.bench.sh BIN}
rate=${SPARK_STREAM_RATE:-2000}
secs=${BENCH_SECONDS:-15}
backlog=${SPARK_STREAM_BACKLOG:-50000}
row() { printf '%-58s %14s %12s   %s\n' "$@"; }
field() { grep -oE "(^| )$1=[0-9.a-z]+" | head -1 | cut -d= -f2; }
if ! py=$(tests/peers/peer spark env --json 2>&1 | /usr/bin/python3 -c \
    "import json,sys; print(json.load(sys.stdin)['PINPIPE_PEER_SPARK_PYTHON'])" 2>/dev/null); then
  row "stream vs Spark Streaming (peer spark not installed)" "-" "" "tests/peers/peer spark install"
  exit 0
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$bin" --set data.dir="$dir/export" dag export --spark "$dir/job" >/dev/null || {
  echo "spark_streaming.bench.sh: dag export --spark failed" >&2; exit 1; }
load0=$(cut -d' ' -f1 /proc/loadavg)
out=$("$py" bench/spark_streaming.py "$bin" "$dir/job" "$dir/work" "$rate" "$secs" "$backlog" \
      2>"$dir/bench.log") || { echo "spark_streaming.bench.sh failed" >&2; tail -30 "$dir/bench.log" >&2; exit 1; }
load1=$(cut -d' ' -f1 /proc/loadavg)
echo "$out" >&2
pp50=$(echo "$out" | field pinpipe_p50_ms); pp99=$(echo "$out" | field pinpipe_p99_ms)
sp50=$(echo "$out" | field spark_p50_ms); sp99=$(echo "$out" | field spark_p99_ms)
ppr=$(echo "$out" | field pinpipe_drain_rps); spr=$(echo "$out" | field spark_drain_rps)
ratio() { echo "$1 $2" | awk '{ if ($2 > 0) printf "%.1fx", $1 / $2; else print "-" }'; }
row "stream vs Spark Streaming, ${rate} rec/s: pinpipe p99 (ms)" "$pp99" \
  "$(ratio "$sp99" "$pp99") Spark" "target >= 10x lower than Spark"
row "  pinpipe p50 / Spark p50 / Spark p99 (ms)" "$pp50 / $sp50 / $sp99" "" "peer"
row "  drain of ${backlog} records: pinpipe (records/s)" "$ppr" \
  "$(ratio "$ppr" "$spr") Spark" "target >= 5x Spark"
row "  Spark Structured Streaming drain (records/s)" "$spr" "" "peer"
row "  Spark session start (s) / JVM RSS (MB)" \
  "$(echo "$out" | field spark_session_s) / $(echo "$out" | field spark_jvm_rss_mb)" "" \
  "peer; load average ${load0} → ${load1} (2 cores)"
