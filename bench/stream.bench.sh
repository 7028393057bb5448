#!/usr/bin/env bash
# Streaming job end-to-end latency: REST produce acknowledged (durable) → row visible in a Delta
# snapshot of pinterest_pin_table, at 20k records/s for BENCH_SECONDS (default 10) s.
# Usage: bench/stream.bench.sh BIN   (RUNS runs, the median of each percentile is printed)
set -uo pipefail
bin=${1:?usage: stream.bench.sh BIN}
runs=${RUNS:-3}
secs=${BENCH_SECONDS:-10}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
p50s=() p99s=()
for ((i = 0; i < runs; i++)); do
  out=$(/usr/bin/python3 "$(dirname "$0")/stream_latency.py" "$bin" 20000 "$secs" 2>&1)
  p50s+=("$(grep -oE 'p50_ms=[0-9.]+' <<<"$out" | cut -d= -f2)")
  p99s+=("$(grep -oE 'p99_ms=[0-9.]+' <<<"$out" | cut -d= -f2)")
done
printf '%-58s %14s %12s   %s\n' "stream: produce ack → Delta row, 20k rec/s (p50 ms)" \
  "$(printf '%s\n' "${p50s[@]}" | median)" "p99 $(printf '%s\n' "${p99s[@]}" | median) ms" \
  "target p50 <= 50, p99 <= 250"
