#!/usr/bin/env bash
# Issue 15 §6: REST produce, 1 and 500 records per request, 64 connections, the same wrk script
# and body — pinpipe with durable acks (log.flush=always) against the Strimzi Kafka Bridge in
# front of Apache Kafka 4.4 (the peer kit's kafka and strimzi peers; the bridge with acks=all).
# Interleaved, RUNS runs each, medians. The strimzi peer installs only where its jars can be
# had (STRIMZI_BRIDGE_HOME: tests/peers/peer); otherwise the row says why and the bench goes on.
# Usage: bench/rest_bridge.bench.sh BIN
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: rest_bridge.bench.sh BIN}
runs=${RUNS:-3}
secs=${BENCH_SECONDS:-10}
row() { printf '%-58s %14s %12s   %s\n' "$@"; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
if ! why=$(tests/peers/peer strimzi install 2>&1); then
  row "REST produce vs Strimzi bridge (peer strimzi unavailable)" "-" "" "$(grep -m1 -oE 'Could not find artifact [^ ]+|STRIMZI[^:]*: .*' <<<"$why")"
  exit 0
fi
pids=(); dirs=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "${dirs[@]}"
  tests/peers/peer strimzi stop >/dev/null 2>&1
  tests/peers/peer kafka stop >/dev/null 2>&1
}
trap cleanup EXIT
tests/peers/peer kafka start >/dev/null 2>&1 && tests/peers/peer strimzi start >/dev/null 2>&1 || {
  row "REST produce vs Strimzi bridge (peers did not start)" "-" "" "tests/peers/peer strimzi start"; exit 0; }
eval "$(tests/peers/peer kafka env)"; eval "$(tests/peers/peer strimzi env)"
"$PINPIPE_PEER_KAFKA_BIN/kafka-topics" --bootstrap-server "$PINPIPE_PEER_KAFKA_BOOTSTRAP" --create --topic bench \
  --partitions 1 >/dev/null 2>&1
bridge=$PINPIPE_PEER_STRIMZI_URL

dir=$(mktemp -d); port=$(free_port); dirs+=("$dir")
"$bin" --set data.dir="$dir" --set http.port="$port" --set kafka.port=0 --set sink.enabled=false \
  --set scheduler.enabled=false --set stream.enabled=false serve >"$dir/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.05; done
pinpipe=http://127.0.0.1:$port

load() {  # url script field [seconds] → value (or "value!errors" when some requests failed)
  local out v e
  out=$(wrk -t2 -c64 -d"${4:-$secs}s" -s "bench/$2" "$1/topics/bench" 2>&1 | grep RESULT)
  v=$(grep -oE "$3=[0-9.]+" <<<"$out" | cut -d= -f2)
  e=$(grep -oE "(http_errors|errors)=[0-9]+" <<<"$out" | cut -d= -f2 | awk '{s += $1} END {print s + 0}')
  [ "${e:-0}" -gt 0 ] && echo "$v!$e" || echo "$v"
}
for script in produce_1.lua:requests_per_s produce_500.lua:records_per_s; do
  s=${script%%:*}; f=${script##*:}; p=(); b=()
  load "$pinpipe" "$s" "$f" 5 >/dev/null; load "$bridge" "$s" "$f" 5 >/dev/null  # JIT and caches warm
  for ((i = 0; i < runs; i++)); do
    p+=("$(load "$pinpipe" "$s" "$f")"); b+=("$(load "$bridge" "$s" "$f")")
  done
  pm=$(printf '%s\n' "${p[@]%%!*}" | median); bm=$(printf '%s\n' "${b[@]%%!*}" | median)
  ratio=$(awk -v a="$pm" -v b="$bm" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }')
  row "REST produce ${s%.lua}, 64 conns: pinpipe durable ($f)" "$pm" "$ratio bridge" "target >= 10x the bridge"
  row "  Strimzi bridge 1.x + Kafka 4.4, acks=all ($f)" "$bm" "" "peer; runs: pinpipe ${p[*]}; bridge ${b[*]} (!N: N failed requests)"
done
