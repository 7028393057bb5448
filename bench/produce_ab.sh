#!/usr/bin/env bash
# Interleaved A/B of REST produce between two pinpipe binaries (e.g. a commit before a change and
# after it): the same server settings and wrk scripts as bench/run_all's produce rows (500
# records/request on 16 connections, 1 record/request on 64), the two binaries alternating
# A,B,B,A,... so a drifting machine moves both sides alike. Each run prints the load average
# before it, wrk's throughput and the server's CPU per request (user+system, from /proc: less
# sensitive than throughput to other load on a shared machine); the end prints medians.
# Usage: bench/produce_ab.sh BASE_BIN NEW_BIN   (env PAIRS_500=4 PAIRS_1=3 BENCH_SECONDS=10)
# (Not a *.bench.sh: bench/run_all runs those with one binary.)
set -uo pipefail
base=$(realpath "$1") new=$(realpath "$2")
pairs500=${PAIRS_500:-4} pairs1=${PAIRS_1:-3} secs=${BENCH_SECONDS:-10}
cd "$(dirname "$0")/.."
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
field() { grep -oE "$1=[0-9.]+" | cut -d= -f2; }
median() { sort -n | awk '{a[NR]=$1} END {printf "%.1f\n", (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
pid="" dir=""
trap '[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; wait 2>/dev/null; [ -n "$dir" ] && rm -rf "$dir"' EXIT

run() {  # bin script conns key -> "value cpu_us_per_request load1"
  local bin=$1 script=$2 conns=$3 key=$4 port out c0 c1 load
  dir=$(mktemp -d); port=$(free_port)
  "$bin" --set data.dir="$dir" --set http.port="$port" --set kafka.port=0 serve >"$dir/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.05; done
  load=$(cut -d' ' -f1 /proc/loadavg)
  c0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  out=$(wrk -t2 -c"$conns" -d"${secs}s" -s "bench/$script" "http://127.0.0.1:$port/topics/bench" 2>&1 | grep RESULT)
  c1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  kill -TERM "$pid"; wait "$pid" 2>/dev/null; pid=""; rm -rf "$dir"; dir=""
  local v rps
  v=$(echo "$out" | field "$key"); rps=$(echo "$out" | field requests_per_s)
  echo "$v $(awk -v t=$((c1 - c0)) -v r="$rps" -v s="$secs" -v hz="$(getconf CLK_TCK)" \
    'BEGIN {printf "%.1f", t / hz * 1e6 / (r * s)}') $load"
}

ab() {  # name script conns key pairs
  local name=$1 script=$2 conns=$3 key=$4 pairs=$5 a=() b=() ac=() bc=() r
  ((pairs > 0)) || return 0
  echo "== $name ($key, ${secs}s runs, $pairs pairs)"
  printf '%-5s %-4s %14s %16s %8s\n' pair side "$key" "server_us/req" load1
  for ((i = 0; i < pairs; i++)); do
    local order=(A B); ((i % 2)) && order=(B A)
    for side in "${order[@]}"; do
      if [ "$side" = A ]; then r=$(run "$base" "$script" "$conns" "$key"); a+=("${r%% *}"); ac+=("$(echo "$r" | cut -d' ' -f2)")
      else r=$(run "$new" "$script" "$conns" "$key"); b+=("${r%% *}"); bc+=("$(echo "$r" | cut -d' ' -f2)"); fi
      printf '%-5s %-4s %14s %16s %8s\n' "$i" "$side" $r
    done
  done
  local ma mb mac mbc
  ma=$(printf '%s\n' "${a[@]}" | median); mb=$(printf '%s\n' "${b[@]}" | median)
  mac=$(printf '%s\n' "${ac[@]}" | median); mbc=$(printf '%s\n' "${bc[@]}" | median)
  echo "median A(base) $ma  B(new) $mb  ($(awk -v a="$ma" -v b="$mb" 'BEGIN {printf "%+.1f%%", (b / a - 1) * 100}'));" \
    "server us/request A $mac  B $mbc ($(awk -v a="$mac" -v b="$mbc" 'BEGIN {printf "%+.1f%%", (b / a - 1) * 100}'))"
}

echo "A = $base"
echo "B = $new"
ab "REST produce, 500 records/request, 16 conns" produce_500.lua 16 records_per_s "$pairs500"
ab "REST produce, 1 record/request, 64 conns" produce_1.lua 64 requests_per_s "$pairs1"
