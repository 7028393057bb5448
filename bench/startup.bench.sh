#!/usr/bin/env bash
# Server start with a 1 GB log: time from exec to the first 200 from /healthz, after a clean
# shutdown and after kill -9 under load (recovery validates the active segments from their
# recovery points). The log is filled once with 500-record produce requests (not timed).
# Usage: bench/startup.bench.sh BIN   (RUNS runs each, the median is printed)
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: startup.bench.sh BIN}
runs=${RUNS:-3}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
dir=$(mktemp -d)
port=$(free_port)
url="http://127.0.0.1:$port"
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$dir"' EXIT

start() {  # starts the server; sets pid, and ms: from exec to a healthy /healthz
  local t0 t1
  t0=$(date +%s%N)
  "$bin" --set data.dir="$dir" --set http.port="$port" --set kafka.port=0 --set sink.enabled=false serve \
    >>"$dir/serve.log" 2>&1 &
  pid=$!
  until curl -sf "$url/healthz" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { echo "server failed: $(tail -1 "$dir/serve.log")" >&2; exit 1; }
    sleep 0.002
  done
  t1=$(date +%s%N)
  ms=$(((t1 - t0) / 1000000))
}
stop() { kill -TERM "$pid"; wait "$pid" 2>/dev/null; pid=; }

start
while [ "$(du -sb "$dir/log" | cut -f1)" -lt $((1 << 30)) ]; do
  wrk -t2 -c16 -d2s -s bench/produce_500.lua "$url/topics/startup" >/dev/null 2>&1
done
log_mb=$(($(du -sb "$dir/log" | cut -f1) >> 20))
stop

clean=() crash=() validated=()
for ((i = 0; i < runs; i++)); do
  start
  clean+=("$ms")
  stop
done
for ((i = 0; i < runs; i++)); do
  start
  wrk -t1 -c8 -d3s -s bench/produce_500.lua "$url/topics/startup" >/dev/null 2>&1 &
  sleep 1.5
  kill -9 "$pid"; wait "$pid" 2>/dev/null; wait; pid=
  start
  crash+=("$ms")
  validated+=("$(($(curl -s "$url/metrics" | awk '$1 == "pinpipe_log_recovery_validated_bytes" {print $2}') >> 20))")
  stop
done
printf '%-58s %14s %12s   %s\n' "server start, ${log_mb} MiB log, clean shutdown (ms)" \
  "$(printf '%s\n' "${clean[@]}" | median)" "" "target <= 300"
printf '%-58s %14s %12s   %s\n' \
  "server start, ${log_mb} MiB log, kill -9 under load (ms)" \
  "$(printf '%s\n' "${crash[@]}" | median)" "" \
  "target <= 300 (re-checked $(printf '%s\n' "${validated[@]}" | median) MiB)"
