#!/usr/bin/env bash
# make bench: Kinesis PutRecord (1 pin row per request, 64 connections), PutRecords (500 per
# request, 16 connections) with wrk and GetRecords (bench/kinesis_getrecords.py) — the same requests (bench/kinesis_put_*.lua) against a fresh
# `pinpipe serve` (durable acks, log.flush=always) and against moto and kinesalite (in memory,
# npm) from the peer kit, and the ratios. A peer is skipped (and said so) when it is not
# installed or PINPIPE_PEERS=none.
set -uo pipefail
bin=$1
secs=${BENCH_SECONDS:-10}
cd "$(dirname "$0")/.."
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
field() { grep -oE "$1=[0-9.]+" | cut -d= -f2; }
pids=()
dirs=()
trap 'for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "${dirs[@]}"' EXIT

create() {  # url
  curl -sf -o /dev/null -X POST "$1/" -H 'Content-Type: application/x-amz-json-1.1' \
    -H 'X-Amz-Target: Kinesis_20131202.CreateStream' -H 'X-Amz-Date: 20261205T000000Z' \
    -H 'Authorization: AWS4-HMAC-SHA256 Credential=testing/20261205/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=0000000000000000000000000000000000000000000000000000000000000000' \
    -d '{"StreamName":"bench","ShardCount":1}'
}
load() {  # url script conns -> "RESULT ..." line
  wrk -t2 -c"$3" -d"${secs}s" -s "bench/$2" "$1/" 2>&1 | grep RESULT
}
get_records() {  # url -> "RESULT ..." line: one reader draining a 1-shard stream
  /usr/bin/python3 bench/kinesis_getrecords.py "$1" "${KINESIS_GET_RECORDS:-20000}" 2>&1 | grep RESULT
}

# pinpipe
dir=$(mktemp -d); dirs+=("$dir"); port=$(free_port)
"$bin" --set data.dir="$dir" --set http.port="$port" --set sink.enabled=false --set scheduler.enabled=false \
  serve >"$dir/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.05; done
create "http://127.0.0.1:$port"
p1=$(load "http://127.0.0.1:$port" kinesis_put_1.lua 64)
p500=$(load "http://127.0.0.1:$port" kinesis_put_500.lua 16)
pget=$(get_records "http://127.0.0.1:$port")

# moto (peer kit)
m1="" m500="" mget=""
moto_py=""
if [ "${PINPIPE_PEERS:-}" != none ]; then
  moto_py=$(tests/peers/peer moto env --json 2>/dev/null | /usr/bin/python3 -c \
    "import json,sys; print(json.load(sys.stdin)['PINPIPE_PEER_MOTO_PYTHON'])" 2>/dev/null)
fi
if [ -n "$moto_py" ]; then
  mport=$(free_port)
  "$(dirname "$moto_py")/moto_server" -H 127.0.0.1 -p "$mport" >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 200); do curl -sf "http://127.0.0.1:$mport/moto-api/" >/dev/null && break; sleep 0.1; done
  create "http://127.0.0.1:$mport"
  m1=$(load "http://127.0.0.1:$mport" kinesis_put_1.lua 64)
  m500=$(load "http://127.0.0.1:$mport" kinesis_put_500.lua 16)
  mget=$(get_records "http://127.0.0.1:$mport")
fi

# kinesalite (peer kit, npm; in memory)
k1="" k500="" kget=""
kcli=""
if [ "${PINPIPE_PEERS:-}" != none ]; then
  kcli=$(tests/peers/peer kinesalite env --json 2>/dev/null | /usr/bin/python3 -c \
    "import json,sys; print(json.load(sys.stdin)['PINPIPE_PEER_KINESALITE_CLI'])" 2>/dev/null)
fi
if [ -n "$kcli" ]; then
  kport=$(free_port)
  node "$kcli" --port "$kport" --createStreamMs 0 >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 200); do [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$kport/")" != 000 ] && break; sleep 0.1; done
  create "http://127.0.0.1:$kport"
  k1=$(load "http://127.0.0.1:$kport" kinesis_put_1.lua 64)
  k500=$(load "http://127.0.0.1:$kport" kinesis_put_500.lua 16)
  kget=$(get_records "http://127.0.0.1:$kport")
fi

ratio() {  # ours theirs key peer
  local t
  t=$(echo "$2" | field "$3")
  [ -n "$t" ] && awk -v a="$(echo "$1" | field "$3")" -v b="$t" -v n="$4" \
    'BEGIN { if (b > 0) printf "%.1fx %s (%s/s)", a / b, n, b }'
}
row() {  # name ours moto kinesalite key target
  local o r1 r2
  o=$(echo "$2" | field "$5")
  r1=$(ratio "$2" "$3" "$5" moto); r2=$(ratio "$2" "$4" "$5" kinesalite)
  printf '%-58s %14s %12s   %s\n' "$1" "$o" "p99 $(echo "$2" | field p99_ms) ms" \
    "${r1:-moto not run}, ${r2:-kinesalite not run}; $6"
  [ "$(echo "$2" | field http_errors)" = 0 ] || echo "  (pinpipe answered $(echo "$2" | field http_errors) errors)"
  [ -z "$3" ] || [ "$(echo "$3" | field http_errors)" = 0 ] || echo "  (moto answered $(echo "$3" | field http_errors) errors)"
  [ -z "$4" ] || [ "$(echo "$4" | field http_errors)" = 0 ] || echo "  (kinesalite answered $(echo "$4" | field http_errors) errors)"
}
row "Kinesis PutRecord, 64 conns (requests/s)" "$p1" "$m1" "$k1" requests_per_s "goal >= 12x moto and kinesalite, p99 <= 10 ms"
row "Kinesis PutRecords, 500/request, 16 conns (records/s)" "$p500" "$m500" "$k500" records_per_s "goal >= 30x moto and kinesalite"
row "Kinesis GetRecords, 1 reader, Limit 10000 (records/s)" "$pget" "$mget" "$kget" records_per_s "reported (one Python client reads and parses every answer)"
