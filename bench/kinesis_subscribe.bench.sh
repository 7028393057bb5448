#!/usr/bin/env bash
# make bench: SubscribeToShard push latency — a fresh `pinpipe serve` (durable acks,
# log.flush=always), one stream, one registered consumer subscribed from LATEST, PutRecord one
# record at a time (2 ms apart); per record the time from PutRecord's answer to the arrival of
# the event carrying it (negative when the push beats the answer: both follow the fsync), and
# from the PutRecord request's start. Median over BENCH_RUNS runs (default 3) of each run's
# p50/p99, with the machine's load average. Goal: p99 <= 5 ms on loopback.
set -uo pipefail
bin=$1
runs=${BENCH_RUNS:-3}
records=${BENCH_RECORDS:-2000}
cd "$(dirname "$0")/.."
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
field() { grep -oE " $1=[-0-9.]+" | cut -d= -f2; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
pid="" dir=""
trap '[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; [ -n "$dir" ] && rm -rf "$dir"' EXIT

call() {  # url target json
  curl -sf -X POST "$1/" -H 'Content-Type: application/x-amz-json-1.1' -H "X-Amz-Target: Kinesis_20131202.$2" \
    -H 'Authorization: AWS4-HMAC-SHA256 Credential=testing/20261205/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=0000000000000000000000000000000000000000000000000000000000000000' \
    -d "$3"
}

dir=$(mktemp -d); port=$(free_port)
"$bin" --set data.dir="$dir/data" --set http.port="$port" --set kafka.port="$(free_port)" \
  --set sink.enabled=false --set scheduler.enabled=false --set stream.enabled=false \
  serve >"$dir/serve.log" 2>&1 &
pid=$!
url="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.05; done
call "$url" CreateStream '{"StreamName":"sub","ShardCount":1}' >/dev/null
arn="arn:aws:kinesis:us-east-1:000000000000:stream/sub"
consumer=$(call "$url" RegisterStreamConsumer "{\"StreamARN\":\"$arn\",\"ConsumerName\":\"bench\"}" |
  /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["Consumer"]["ConsumerARN"])')

load_before=$(cut -d' ' -f1 /proc/loadavg)
results=()
for r in $(seq "$runs"); do
  [ "$r" -gt 1 ] && sleep 5.5  # a new subscription for the same consumer and shard: AWS's 5-second rule
  out=$(/usr/bin/python3 bench/kinesis_subscribe.py "$url" "$consumer" "$records" 2 2>&1 | grep RESULT)
  [ -n "$out" ] || { echo "kinesis_subscribe: run $r failed"; tail -5 "$dir/serve.log"; exit 1; }
  results+=("$out")
done
load_after=$(cut -d' ' -f1 /proc/loadavg)
p50=$(printf '%s\n' "${results[@]}" | field p50_ms | median)
p99=$(printf '%s\n' "${results[@]}" | field p99_ms | median)
e50=$(printf '%s\n' "${results[@]}" | field e2e_p50_ms | median)
e99=$(printf '%s\n' "${results[@]}" | field e2e_p99_ms | median)
all99=$(printf '%s\n' "${results[@]}" | field p99_ms | tr '\n' ' ')
printf '%-58s %14s %12s   %s\n' "Kinesis SubscribeToShard push, PutRecord answer -> event" "p50 $p50 ms" "p99 $p99 ms" \
  "goal p99 <= 5 ms; runs' p99: $all99; load $load_before -> $load_after"
printf '%-58s %14s %12s   %s\n' "Kinesis SubscribeToShard, PutRecord sent -> event" "p50 $e50 ms" "p99 $e99 ms" \
  "median of $runs runs of $records records (AWS quotes ~70 ms average for enhanced fan-out)"
