#!/usr/bin/env bash
# make bench: Kafka 4.4's kafka-producer-perf-test (the Java producer, idempotence as its
# default; rows: 1 partition acks=1, 1 partition acks=all, 3 partitions acks=1, 3 partitions
# acks=all — KAFKA_BENCH_CASES, "acks:partitions" words, default "1:1 all:1 1:3 all:3"; record
# sizes KAFKA_BENCH_SIZES, default "100 1024") and then kafka-consumer-perf-test reading what
# was produced (its fetch rate: the group join is not counted) and a raw Fetch drain of it
# (bench/kafka_fetch_drain.py: the broker's fetch path without the Java consumer's decoding,
# which limits kafka-consumer-perf-test on a small machine), against pinpipe's Kafka
# listener and against Apache Kafka 4.4 from the peer kit, in the same run and interleaved:
# pinpipe with log.flush=os (like Kafka's defaults, no fsync per write) and with its durable
# default (fsync before every acknowledgement). Reported: records/s, p99, pinpipe ÷ Kafka, and
# each server's peak RSS. KAFKA_BENCH_RECORDS (default 1000000) 100-byte records per run (the
# same bytes in larger records), RUNS (default 3) runs each. Then librdkafka's producer and
# consumer (Debian's kcat, `-P -l FILE` and `-C -e`) on the same cases, records/s over each
# command's wall clock (its start and metadata round trips included, alike for both brokers);
# a consume that does not return every record produced counts 0. KAFKA_BENCH_CLIENTS (default
# "java kcat") picks the clients.
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
kafka_pid=$(grep -oE 'pid [0-9]+' "$peer_log" | tail -1 | cut -d' ' -f2)
rm -f "$peer_log"
# Peak RSS (VmHWM) in MB of a process or, for a launcher, of its largest descendant.
peak_mb() {
  local best=0 p kb
  for p in "$1" $(pgrep -P "$1" 2>/dev/null) $(for c in $(pgrep -P "$1" 2>/dev/null); do pgrep -P "$c"; done); do
    kb=$(awk '/VmHWM/ {print $2}' "/proc/$p/status" 2>/dev/null)
    [ -n "$kb" ] && [ "$kb" -gt "$best" ] && best=$kb
  done
  echo $((best / 1024))
}
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

perf() {  # bootstrap topic acks partitions size records → "records_per_s p99_ms"
  "$tools/kafka-topics" --bootstrap-server "$1" --create --topic "$2" --partitions "$4" >/dev/null 2>&1
  timeout 600 "$tools/kafka-producer-perf-test" --topic "$2" --num-records "$6" --record-size "$5" \
    --throughput -1 --producer-props bootstrap.servers="$1" acks="$3" 2>/dev/null |
    grep 'records sent' | tail -1 |
    awk '{for (i = 1; i <= NF; i++) { if ($(i+1) == "records/sec") r = $i; if ($(i+2) == "99th,") p = $i }
          print r, p}'
}

drain() {  # bootstrap topic partitions → records/s of the broker's fetch path (no client decoding)
  timeout 300 /usr/bin/python3 bench/kafka_fetch_drain.py "$1" "$2" "$3" 2>/dev/null | grep -oE 'records_per_s=[0-9]+' | cut -d= -f2
}

consume() {  # bootstrap topic records → records/s while fetching (fetch.nMsg.sec)
  timeout 300 "$tools/kafka-consumer-perf-test" --bootstrap-server "$1" --topic "$2" --num-records "$3" \
    --timeout 60000 --group "perf-$2" 2>/dev/null | awk -F', *' 'seen {printf "%.0f\n", $10; exit} /^start.time/ {seen = 1}'
}

lines_file=$(mktemp); dirs+=("$lines_file")
make_lines() {  # size count → $lines_file: count lines of size bytes, one message each
  /usr/bin/python3 -c 'import sys; sys.stdout.buffer.write((b"x" * int(sys.argv[1]) + b"\n") * int(sys.argv[2]))' \
    "$1" "$2" >"$lines_file"
}
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN {printf "%.0f\n", n / (b - a)}'; }
kcat_produce() {  # bootstrap topic acks partitions count → records/s
  "$tools/kafka-topics" --bootstrap-server "$1" --create --topic "$2" --partitions "$4" >/dev/null 2>&1
  local t0 t1
  t0=$(date +%s.%N)
  timeout 300 kcat -P -b "$1" -t "$2" -X acks="$3" -l "$lines_file" >/dev/null 2>&1 || { echo 0; return; }
  t1=$(date +%s.%N)
  rate "$5" "$t0" "$t1"
}
kcat_consume() {  # bootstrap topic count → records/s
  local t0 t1 got
  t0=$(date +%s.%N)
  got=$(timeout 300 kcat -C -b "$1" -t "$2" -o beginning -e -q -f '%o\n' 2>/dev/null | wc -l)
  t1=$(date +%s.%N)
  if [ "$got" -ne "$3" ]; then echo 0; else rate "$3" "$t0" "$t1"; fi
}

start_pinpipe os; bs_os=$bs; pid_os=${pids[-1]}
start_pinpipe always; bs_durable=$bs; pid_durable=${pids[-1]}
med() { printf '%s\n' "$@" | median; }
# pair_rows LABEL KAFKA OS DURABLE: Kafka's figure, then pinpipe's two with os ÷ Kafka.
pair_rows() {
  row "$1: Apache Kafka 4.4" "$2" "" "records/s (reference)"
  row "  pinpipe (log.flush=os / always)" "$3 / $4" "" \
    "$(awk -v a="$3" -v b="$2" 'BEGIN {printf "%.2fx Kafka (goal >= 1.5x)", (b > 0 ? a / b : 0)}')"
}
java_clients() {  # kafka-producer-perf-test, kafka-consumer-perf-test and the raw drain
  for size in ${KAFKA_BENCH_SIZES:-100 1024}; do
    count=$((n * 100 / size))
    for case in ${KAFKA_BENCH_CASES:-1:1 all:1 1:3 all:3}; do
      acks=${case%%:*}; parts=${case##*:}
      k=(); o=(); d=(); kp=(); op=(); dp=(); kc=(); oc=(); dc=(); kf=(); of=(); df=()
      for ((i = 0; i < runs; i++)); do
        t="bench-s$size-a$acks-p$parts-$i"
        read -r r p < <(perf "$kafka_bs" "$t" "$acks" "$parts" "$size" "$count"); k+=("$r"); kp+=("$p")
        read -r r p < <(perf "$bs_os" "$t" "$acks" "$parts" "$size" "$count"); o+=("$r"); op+=("$p")
        read -r r p < <(perf "$bs_durable" "$t" "$acks" "$parts" "$size" "$count"); d+=("$r"); dp+=("$p")
        kc+=("$(consume "$kafka_bs" "$t" "$count")"); oc+=("$(consume "$bs_os" "$t" "$count")")
        dc+=("$(consume "$bs_durable" "$t" "$count")")
        kf+=("$(drain "$kafka_bs" "$t" "$parts")"); of+=("$(drain "$bs_os" "$t" "$parts")")
        df+=("$(drain "$bs_durable" "$t" "$parts")")
      done
      km=$(med "${k[@]}"); om=$(med "${o[@]}"); dm=$(med "${d[@]}")
      row "kafka-producer-perf-test $size B acks=$acks, $parts partition(s): Apache Kafka 4.4" "$km" \
        "p99 $(med "${kp[@]}") ms" "records/s (reference)"
      row "  pinpipe, log.flush=os" "$om" "p99 $(med "${op[@]}") ms" \
        "$(awk -v a="$om" -v b="$km" 'BEGIN {printf "%.2fx Kafka (goal >= 1.5x)", a / b}')"
      row "  pinpipe, log.flush=always (durable default)" "$dm" "p99 $(med "${dp[@]}") ms" \
        "$(awk -v a="$dm" -v b="$km" 'BEGIN {printf "%.2fx Kafka", a / b}')"
      pair_rows "  kafka-consumer-perf-test of it" "$(med "${kc[@]}")" "$(med "${oc[@]}")" "$(med "${dc[@]}")"
      pair_rows "  the broker's fetch path, raw Fetch drain" "$(med "${kf[@]}")" "$(med "${of[@]}")" "$(med "${df[@]}")"
    done
  done
}

kcat_clients() {  # librdkafka's producer and consumer
  if ! command -v kcat >/dev/null; then
    row "librdkafka (kcat not installed: scripts/setup installs it)" "-" "" ""
    return
  fi
  for size in ${KAFKA_BENCH_SIZES:-100 1024}; do
    count=$((n * 100 / size))
    make_lines "$size" "$count"
    for case in ${KAFKA_BENCH_CASES:-1:1 all:1 1:3 all:3}; do
      acks=${case%%:*}; parts=${case##*:}
      k=(); o=(); d=(); kc=(); oc=(); dc=()
      for ((i = 0; i < runs; i++)); do
        t="kcat-s$size-a$acks-p$parts-$i"
        k+=("$(kcat_produce "$kafka_bs" "$t" "$acks" "$parts" "$count")")
        o+=("$(kcat_produce "$bs_os" "$t" "$acks" "$parts" "$count")")
        d+=("$(kcat_produce "$bs_durable" "$t" "$acks" "$parts" "$count")")
        kc+=("$(kcat_consume "$kafka_bs" "$t" "$count")"); oc+=("$(kcat_consume "$bs_os" "$t" "$count")")
        dc+=("$(kcat_consume "$bs_durable" "$t" "$count")")
      done
      pair_rows "librdkafka (kcat -P) $size B acks=$acks, $parts partition(s)" \
        "$(med "${k[@]}")" "$(med "${o[@]}")" "$(med "${d[@]}")"
      pair_rows "  librdkafka (kcat -C) of it" "$(med "${kc[@]}")" "$(med "${oc[@]}")" "$(med "${dc[@]}")"
    done
  done
}

for clients in ${KAFKA_BENCH_CLIENTS:-java kcat}; do "${clients}_clients"; done
row "peak RSS: Apache Kafka 4.4 / pinpipe os / pinpipe always (MB)" \
  "$(peak_mb "$kafka_pid") / $(peak_mb "$pid_os") / $(peak_mb "$pid_durable")" "" "reported"
