#!/usr/bin/env bash
# make bench: what the Kafka listener's security costs, with Kafka 4.4's
# kafka-producer-perf-test (the Java producer, 100 B records, acks=1, 1 partition,
# log.flush=os so the network path dominates): pinpipe's listener as plaintext, as SSL and as
# SASL_SSL with SCRAM-SHA-512 (MSK's configuration), interleaved runs. With
# KAFKA_SEC_BASELINE=<an older pinpipe binary> a first row runs it as plaintext too, so the
# plaintext path before and after a change is compared in the same run.
# KAFKA_BENCH_RECORDS (default 500000) records per run, RUNS (default 3) runs each; medians.
set -uo pipefail
bin=$1
n=${KAFKA_BENCH_RECORDS:-500000}
runs=${RUNS:-3}
row() { printf '%-58s %14s %12s   %s\n' "$@"; }
if ! env_out=$(tests/peers/peer kafka env 2>&1); then
  row "kafka security (peer kafka not installed)" "-" "" "tests/peers/peer kafka install"
  exit 0
fi
eval "$env_out"
tools=$PINPIPE_PEER_KAFKA_BIN
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
pids=(); dirs=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "${dirs[@]}"
}
trap cleanup EXIT
work=$(mktemp -d); dirs+=("$work")
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1
printf 'security.protocol=SSL\nssl.truststore.type=PEM\nssl.truststore.location=%s\n' "$work/cert.pem" >"$work/ssl.properties"
{ printf 'security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n'
  printf 'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="bench" password="bench-secret";\n'
  printf 'ssl.truststore.type=PEM\nssl.truststore.location=%s\n' "$work/cert.pem"; } >"$work/sasl_ssl.properties"
: >"$work/plaintext.properties"

start_pinpipe() {  # binary security → sets bs
  local dir port kport sets=()
  dir=$(mktemp -d); port=$(free_port); kport=$(free_port); dirs+=("$dir")
  case $2 in
    ssl) sets=(--set kafka.listener_security=ssl --set kafka.listener_tls_cert_file="$work/cert.pem"
               --set kafka.listener_tls_key_file="$work/key.pem") ;;
    sasl_ssl) sets=(--set kafka.listener_security=sasl_ssl --set kafka.listener_tls_cert_file="$work/cert.pem"
                    --set kafka.listener_tls_key_file="$work/key.pem" --set kafka.listener_sasl_users=bench:bench-secret) ;;
  esac
  "$1" --set data.dir="$dir" --set http.port="$port" --set kafka.port="$kport" "${sets[@]}" \
    --set sink.enabled=false --set scheduler.enabled=false --set log.flush=os serve >"$dir/serve.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.05; done
  if ! curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; then
    row "kafka security (pinpipe did not start)" "-" "" "$(tail -1 "$dir/serve.log")"
    exit 0
  fi
  bs=127.0.0.1:$kport
}

perf() {  # bootstrap topic properties → "records_per_s p99_ms"
  timeout 600 "$tools/kafka-producer-perf-test" --topic "$2" --num-records "$n" --record-size 100 \
    --throughput -1 --producer.config "$3" --producer-props bootstrap.servers="$1" acks=1 2>/dev/null |
    grep 'records sent' | tail -1 |
    awk '{for (i = 1; i <= NF; i++) { if ($(i+1) == "records/sec") r = $i; if ($(i+2) == "99th,") p = $i }
          print r, p}'
}

names=(); boot=(); props=()
if [ -n "${KAFKA_SEC_BASELINE:-}" ]; then
  start_pinpipe "$KAFKA_SEC_BASELINE" plaintext; names+=("plaintext, baseline binary"); boot+=("$bs"); props+=(plaintext)
fi
for s in plaintext ssl sasl_ssl; do
  start_pinpipe "$bin" "$s"; names+=("$s"); boot+=("$bs"); props+=("$s")
done
declare -A r p
for ((i = 0; i < runs; i++)); do
  for j in "${!names[@]}"; do
    read -r a b < <(perf "${boot[$j]}" "sec-$i" "$work/${props[$j]}.properties")
    r[$j]+="$a "; p[$j]+="$b "
  done
done
ref=""
for j in "${!names[@]}"; do
  rm=$(printf '%s\n' ${r[$j]} | median); pm=$(printf '%s\n' ${p[$j]} | median)
  [ "${props[$j]}" = plaintext ] && [ -z "$ref" ] && ref=$rm
  row "kafka-producer-perf-test 100 B acks=1: pinpipe ${names[$j]}" "$rm" "p99 $pm ms" \
    "$(awk -v a="$rm" -v b="$ref" 'BEGIN {printf "%.2fx the first plaintext row", a / b}')"
done
