#!/usr/bin/env bash
# The live view's update cost against recomputing: N generated interactions (default 1M), cleaned
# once (not timed), then (a) RunAnalytics over all rows — what a full recompute per update would
# cost — and (b) the same rows fed to the live state in chunks of LIVE_CHUNK rows per table
# (default 1000, a streaming micro-batch), with the nine tables produced after every chunk as the
# follower publishes them. The run checks that the final live tables equal RunAnalytics'.
# Medians of RUNS runs (default 3).
# Usage: bench/live.bench.sh BIN   (LIVE_INTERACTIONS, LIVE_CHUNK override)
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: live.bench.sh BIN}
runs=${RUNS:-3}
n=${LIVE_INTERACTIONS:-1000000}
chunk=${LIVE_CHUNK:-1000}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$bin" --set data.dir="$dir/data" batch gen-raw --interactions "$n" --lake "$dir/lake" >/dev/null || {
  echo "live.bench.sh: gen-raw failed" >&2; exit 1; }
files() { find "$dir/lake/topics/pinterest.$1" -name '*.json' | sort; }
mapfile -t pin < <(files pin); mapfile -t geo < <(files geo); mapfile -t user < <(files user)
get() { grep -oE "\"$1\":[0-9.eE+-]+" "$dir/out/summary.json" | cut -d: -f2; }
full=() per_row=() snap=()
for ((i = 0; i < runs; i++)); do
  rm -rf "$dir/out"
  "$bin" --set data.dir="$dir/data" analytics run --pin "${pin[@]}" --geo "${geo[@]}" --user "${user[@]}" \
    --out "$dir/out" --live-chunk "$chunk" 2>/dev/null || { echo "live.bench.sh: analytics run failed" >&2; exit 1; }
  grep -q '"live_equal":true' "$dir/out/summary.json" || { echo "live.bench.sh: live != batch" >&2; exit 1; }
  full+=("$(echo "$(get analytics_seconds) * 1000" | bc -l)")
  per_row+=("$(get live_ns_per_row)")
  snap+=("$(get live_snapshot_ms)")
  echo "run $((i + 1)): RunAnalytics ${full[-1]} ms; live ${per_row[-1]} ns/row + ${snap[-1]} ms per snapshot" >&2
done
f=$(printf '%s\n' "${full[@]}" | median)
p=$(printf '%s\n' "${per_row[@]}" | median)
s=$(printf '%s\n' "${snap[@]}" | median)
# One chunk's update: chunk rows of each table + a snapshot, against one full recompute.
c=$(echo "$p * 3 * $chunk / 1000000 + $s" | bc -l)
printf '%-58s %14.1f %12s   %s\n' "live update, ${n} interactions (ns per row)" "$p" "" "(context, no target)"
printf '%-58s %14.3f %12s   %s\n' "live snapshot of the nine tables (ms)" "$s" "" "(context, no target)"
printf '%-58s %14.1f %12s   %s\n' "full RunAnalytics recompute (ms)" "$f" "$(echo "scale=0; $f / $c" | bc -l)x" \
  "live chunk of ${chunk} rows/table + snapshot vs recompute"
