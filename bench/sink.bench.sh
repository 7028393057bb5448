#!/usr/bin/env bash
# Sink throughput into the local store over a pre-filled log (the fill is not timed), durable:
# every object is fsynced (batched per flush round) before its offsets are committed.
# Usage: bench/sink.bench.sh BIN   (RUNS runs each, the median is printed)
set -uo pipefail
bin=${1:?usage: sink.bench.sh BIN}
runs=${RUNS:-3}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# The runs' directories are removed only at the end: on ext4 without a journal (this VM's root
# file system) creating a file skips every inode deleted in the last minute, one inode-table
# read each, so removing 60k objects right before a run cut the next run to a quarter
# (5k instead of 22k objects/s) -- a cost of the harness, not of the sink, which never deletes.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
run() {  # records flush_size field
  local vals=() dir out
  for ((i = 0; i < runs; i++)); do
    dir=$(mktemp -d -p "$scratch")
    out=$("$bin" --set data.dir="$dir" sink bench --records "$1" --flush-size "$2" 2>&1)
    vals+=("$(grep -oE "$3=[0-9.]+" <<<"$out" | cut -d= -f2)")
  done
  printf '%s\n' "${vals[@]}" | median
}
printf '%-58s %14s %12s   %s\n' "sink, flush.size 1000 (records/s)" "$(run 1000000 1000 records_per_s)" "" "target >= 500000"
printf '%-58s %14s %12s   %s\n' "sink, flush.size 1 (objects/s)" "$(run 60000 1 objects_per_s)" "" "target >= 20000"
