#!/usr/bin/env bash
# make bench: this machine's HTTP ceiling beside pinpipe. nginx (Debian) answers the same requests
# with a fixed body under the same load generator (wrk, the same Lua scripts and connections),
# interleaved with pinpipe runs: single-record REST produce with durable acks and with
# log.flush=os, and Kinesis PutRecord with durable acks. Goal (issues 15 §6 and 17 §5): durable
# single-record produce and PutRecord >= 75% of the ceiling. nginx is installed here when missing
# (a benchmark-only tool, never a dependency of the product; services are not started by apt).
set -uo pipefail
bin=$1
secs=${BENCH_SECONDS:-10}
runs=${RUNS:-3}
cd "$(dirname "$0")/.."
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
field() { grep -oE "$1=[0-9.]+" | cut -d= -f2; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
pid="" dir=""
trap '[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; wait 2>/dev/null; [ -n "$dir" ] && rm -rf "$dir"' EXIT

nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$nginx_bin" ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light >/dev/null 2>&1 \
    || { echo "HTTP ceiling: nginx could not be installed (apt-get install nginx-light); skipped"; exit 0; }
fi

wrk_run() {  # url script conns -> RESULT line
  wrk -t2 -c"$3" -d"${secs}s" -s "bench/$2" "$1" 2>&1 | grep RESULT
}

# One nginx run: a fixed 200 answer shaped like the real one, keep-alive without limit.
nginx_run() {  # script path body
  dir=$(mktemp -d); local port; port=$(free_port)
  cat >"$dir/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  keepalive_requests 100000000;
  server {
    listen 127.0.0.1:$port;
    location / { default_type application/json; return 200 '$3'; }
  }
}
CONF
  "$nginx_bin" -c "$dir/nginx.conf" -p "$dir" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.05; done
  wrk_run "http://127.0.0.1:$port$2" "$1" 64
  kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=""; rm -rf "$dir"; dir=""
}

pinpipe_run() {  # script path [server args...]
  local script=$1 path=$2 port; shift 2
  dir=$(mktemp -d); port=$(free_port)
  "$bin" --set data.dir="$dir" --set http.port="$port" --set kafka.port=0 --set sink.enabled=false \
    --set scheduler.enabled=false --set stream.enabled=false "$@" serve >"$dir/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.05; done
  if [[ $path == / ]]; then  # Kinesis: the stream first
    curl -sf -o /dev/null -X POST "http://127.0.0.1:$port/" -H 'Content-Type: application/x-amz-json-1.1' \
      -H 'X-Amz-Target: Kinesis_20131202.CreateStream' -d '{"StreamName":"bench","ShardCount":1}'
  fi
  wrk_run "http://127.0.0.1:$port$path" "$script" 64
  kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=""; rm -rf "$dir"; dir=""
}

rest_body='{"offsets":[{"partition":0,"offset":0,"error_code":null,"error":null}],"key_schema_id":null,"value_schema_id":null}'
put_body='{"SequenceNumber":"49590338271490256608559692538361571095921575989136588898","ShardId":"shardId-000000000000"}'
declare -A got
for ((i = 0; i < runs; i++)); do  # interleaved, so a drifting machine moves both sides alike
  got[ceiling_rest]+="$(nginx_run produce_1.lua /topics/bench "$rest_body" | field requests_per_s) "
  got[durable]+="$(pinpipe_run produce_1.lua /topics/bench | field requests_per_s) "
  got[os]+="$(pinpipe_run produce_1.lua /topics/bench --set log.flush=os | field requests_per_s) "
  got[ceiling_put]+="$(nginx_run kinesis_put_1.lua / "$put_body" | field requests_per_s) "
  got[put]+="$(pinpipe_run kinesis_put_1.lua / | field requests_per_s) "
done
med() { printf '%s\n' ${got[$1]} | median; }
share() { awk -v a="$(med "$1")" -v b="$(med "$2")" 'BEGIN { if (b > 0) printf "%.0f%% of nginx", 100 * a / b }'; }
printf '%-58s %14s %12s   %s\n' "HTTP ceiling: nginx, fixed answer, 64 conns (requests/s)" "$(med ceiling_rest)" "" "(context: the same wrk load)"
printf '%-58s %14s %12s   %s\n' "  REST produce 1 record, durable acks" "$(med durable)" "$(share durable ceiling_rest)" "goal >= 75% of nginx"
printf '%-58s %14s %12s   %s\n' "  REST produce 1 record, log.flush=os" "$(med os)" "$(share os ceiling_rest)" "(context)"
printf '%-58s %14s %12s   %s\n' "  nginx, fixed PutRecord answer" "$(med ceiling_put)" "" "(context)"
printf '%-58s %14s %12s   %s\n' "  Kinesis PutRecord, durable acks" "$(med put)" "$(share put ceiling_put)" "goal >= 75% of nginx"
