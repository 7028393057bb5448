#!/usr/bin/env bash
# Streaming job under sustained load through the Kinesis path (issue 18 §5), with
# bench/stream_sustained.py (PutRecords acknowledged → row visible in a Delta commit of
# pinterest_pin_table; server RSS every second):
#   1. 20k records/s paced for STREAM_SECONDS (default 60) s: p50/p99/max, records put = rows in
#      the table, RSS start/max/end, its slope over the last 40 s and its curve (10 s, 30 s, 60 s,
#      then every minute), the server's CPU seconds;
#   2. the maximum sustainable rate at p99 <= 1 s: 20k, 40k, 80k, … for STREAM_STEP_SECONDS
#      (default 15) s each on a fresh server until one fails (p99 > 1 s, a record missing, or the
#      offered rate not reached), then two bisections; bounded by STREAM_SEARCH_BUDGET (240) s.
# Each figure carries the load average at its start (the machine is shared). Every run's full
# line goes to stderr; the table lines to stdout.
# Usage: bench/stream.bench.sh BIN
set -uo pipefail
bin=${1:?usage: stream.bench.sh BIN}
secs=${STREAM_SECONDS:-60}
step=${STREAM_STEP_SECONDS:-15}
budget=${STREAM_SEARCH_BUDGET:-240}
here=$(dirname "$0")
field() { grep -oE "(^| )$1=[^ ]+" | head -1 | cut -d= -f2; }
run() {  # rate seconds -> the result line (all output also on stderr)
  local out
  out=$(/usr/bin/python3 "$here/stream_sustained.py" "$bin" "$1" "$2" 2>&1)
  echo "$out" >&2
  grep '^rate=' <<<"$out"
}

out=$(run 20000 "$secs")
load=$(field load <<<"$out")
printf '%-58s %14s %12s   %s\n' "stream (Kinesis): PutRecords ack → Delta row, 20k/s ${secs}s p50 ms" \
  "$(field p50_ms <<<"$out")" "p99 $(field p99_ms <<<"$out") ms" "target p50 <= 50, p99 <= 250 (load $load)"
printf '%-58s %14s %12s   %s\n' "  same run: max latency (ms); records put / rows in table" \
  "$(field max_ms <<<"$out")" "$(field put <<<"$out")/$(field rows <<<"$out")" "put == rows"
printf '%-58s %14s %12s   %s\n' "  same run: server RSS MB start / max / end" \
  "$(field rss_start_mb <<<"$out")/$(field rss_max_mb <<<"$out")" "end $(field rss_end_mb <<<"$out")" \
  "flat: slope $(field rss_slope_mb_per_min <<<"$out") MB/min over the last 40 s"
printf '%-58s %14s %12s   %s\n' "  same run: server RSS MB curve; server CPU s" \
  "$(field rss_at_mb <<<"$out")" "cpu $(field server_cpu_s <<<"$out") s" "plateau after warm-up (live view on)"

# A step passes when p99 <= 1000 ms, nothing is missing and >= 95% of the offered rate was put.
passes() {  # line
  awk -v p99="$(field p99_ms <<<"$1")" -v miss="$(field missing <<<"$1")" \
    -v rate="$(field rate <<<"$1")" -v got="$(field achieved <<<"$1")" \
    'BEGIN { exit !(p99 != "nan" && p99 <= 1000 && miss == 0 && got >= 0.95 * rate) }'
}
start=$SECONDS
good=0 good_line="" bad=0 rate=20000
while (( SECONDS - start + step + 10 <= budget )); do
  line=$(run "$rate" "$step")
  if passes "$line"; then good=$rate good_line=$line; rate=$((rate * 2)); else bad=$rate; break; fi
done
for _ in 1 2; do
  (( bad > 0 && SECONDS - start + step + 10 <= budget )) || break
  mid=$(((good + bad) / 2))
  line=$(run "$mid" "$step")
  if passes "$line"; then good=$mid good_line=$line; else bad=$mid; fi
done
printf '%-58s %14s %12s   %s\n' "stream (Kinesis): max sustainable records/s at p99 <= 1 s" \
  "$good" "p99 $(field p99_ms <<<"$good_line") ms" \
  "first failing $bad (0 = none within budget) (load $(field load <<<"$good_line"))"
