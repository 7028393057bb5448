#!/usr/bin/env bash
# make bench: Kafka 4.4's kafka-producer-perf-test (the Java producer, 100 B records,
# idempotence as its default; rows: 1 partition acks=1, 1 partition acks=all, 3 partitions
# acks=1, 3 partitions acks=all — KAFKA_BENCH_CASES, "acks:partitions" words, default
# "1:1 all:1 1:3 all:3") against pinpipe's Kafka listener and against
# Apache Kafka 4.4 from the peer kit, in the same run and interleaved: pinpipe with
# log.flush=os (like Kafka's defaults, no fsync per write) and with its durable default
# (fsync before every acknowledgement). Reported: records/s, p99, and pinpipe ÷ Kafka.
# KAFKA_BENCH_RECORDS (default 1000000) records per run, RUNS (default 3) runs each.
set -uo pipefail
bin=$1
n=${KAFKA_BENCH_RECORDS:-1000000}
runs=${RUNS:-3}
row() { printf '%-58s %14s %12s   %s\n' "$@"; }
if ! env_out=$(tests/peers/peer kafka env 2>&1); then
  row "kafka-producer-perf-test (peer kafka not installed)" "-" "" "tests/peers/peer kafka install"
  exit 0
fi
eval "$env_out"
tools=$PINPIPE_PEER_KAFKA_BIN
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

peer_log=$(mktemp)
if ! tests/peers/peer kafka start >"$peer_log" 2>&1; then
  row "kafka-producer-perf-test (peer kafka did not start)" "-" "" "$(tail -1 "$peer_log")"
  rm -f "$peer_log"; exit 0
fi
kafka_bs=$(grep -oE 'bootstrap 127\.0\.0\.1:[0-9]+' "$peer_log" | cut -d' ' -f2)
rm -f "$peer_log"
pids=(); dirs=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "${dirs[@]}"
  tests/peers/peer kafka stop >/dev/null 2>&1
}
trap cleanup EXIT

start_pinpipe() {  # flush → sets bs
  local dir port kport
  dir=$(mktemp -d); port=$(free_port); kport=$(free_port); dirs+=("$dir")
  "$bin" --set data.dir="$dir" --set http.port="$port" --set kafka.port="$kport" \
    --set sink.enabled=false --set scheduler.enabled=false --set log.flush="$1" serve >"$dir/serve.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.05; done
  if ! curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; then
    row "kafka-producer-perf-test (pinpipe did not start)" "-" "" "$(tail -1 "$dir/serve.log")"
    exit 0
  fi
  bs=127.0.0.1:$kport
}

perf() {  # bootstrap topic acks partitions → "records_per_s p99_ms"
  "$tools/kafka-topics" --bootstrap-server "$1" --create --topic "$2" --partitions "$4" >/dev/null 2>&1
  timeout 600 "$tools/kafka-producer-perf-test" --topic "$2" --num-records "$n" --record-size 100 \
    --throughput -1 --producer-props bootstrap.servers="$1" acks="$3" 2>/dev/null |
    grep 'records sent' | tail -1 |
    awk '{for (i = 1; i <= NF; i++) { if ($(i+1) == "records/sec") r = $i; if ($(i+2) == "99th,") p = $i }
          print r, p}'
}

start_pinpipe os; bs_os=$bs
start_pinpipe always; bs_durable=$bs
for case in ${KAFKA_BENCH_CASES:-1:1 all:1 1:3 all:3}; do
  acks=${case%%:*}; parts=${case##*:}
  k=(); o=(); d=(); kp=(); op=(); dp=()
  for ((i = 0; i < runs; i++)); do
    t="bench-a$acks-p$parts-$i"
    read -r r p < <(perf "$kafka_bs" "$t" "$acks" "$parts"); k+=("$r"); kp+=("$p")
    read -r r p < <(perf "$bs_os" "$t" "$acks" "$parts"); o+=("$r"); op+=("$p")
    read -r r p < <(perf "$bs_durable" "$t" "$acks" "$parts"); d+=("$r"); dp+=("$p")
  done
  km=$(printf '%s\n' "${k[@]}" | median); om=$(printf '%s\n' "${o[@]}" | median)
  dm=$(printf '%s\n' "${d[@]}" | median)
  row "kafka-producer-perf-test 100 B acks=$acks, $parts partition(s): Apache Kafka 4.4" "$km" \
    "p99 $(printf '%s\n' "${kp[@]}" | median) ms" "records/s (reference)"
  row "  pinpipe, log.flush=os" "$om" "p99 $(printf '%s\n' "${op[@]}" | median) ms" \
    "$(awk -v a="$om" -v b="$km" 'BEGIN {printf "%.2fx Kafka (goal >= 1.5x)", a / b}')"
  row "  pinpipe, log.flush=always (durable default)" "$dm" "p99 $(printf '%s\n' "${dp[@]}" | median) ms" \
    "$(awk -v a="$dm" -v b="$km" 'BEGIN {printf "%.2fx Kafka", a / b}')"
done
