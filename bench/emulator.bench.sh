#!/usr/bin/env bash
# make bench: the user posting emulator's rate without sleeps against a local `pinpipe serve`
# (durable acks), one row per request as the original posts, and with 100 rows per request.
set -euo pipefail
bin=$1
dir=$(mktemp -d)
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
"$bin" --set data.dir="$dir" db init --rows 11154 >/dev/null 2>&1
"$bin" --set data.dir="$dir" --set http.port="$port" --set kafka.port=0 --set sink.enabled=false serve >"$dir/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.05; done
rate() {  # summary line: "sent 2,000 interactions (...) in 0.2 s: 8,250 interactions/s; ..."
  "$bin" --set data.dir="$dir" emulate --api "http://127.0.0.1:$port" --no-sleep --quiet "$@" 2>&1 |
    grep -oE '[0-9,.]+ interactions/s' | head -1 | cut -d' ' -f1 | tr -d ','
}
r1=$(rate --count 20000 --concurrency 32)
r100=$(rate --count 200000 --concurrency 8 --batch-size 100)
printf '%-58s %14s %12s   %s\n' "emulator, 1 row/request, 32 workers (interactions/s)" "$r1" "" "reported"
printf '%-58s %14s %12s   %s\n' "emulator, 100 rows/request, 8 workers (interactions/s)" "$r100" "" "reported"
