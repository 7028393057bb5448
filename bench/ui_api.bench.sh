#!/usr/bin/env bash
# Dashboard JSON endpoints under REST produce load, and what an open dashboard costs the produce
# rate, interleaved (issue 20 §5): bench/ui_api.py over 100 topics for UI_API_SECONDS (default 60),
# under wrk produce load that saturates the server (1 record per request, 64 connections).
# Usage: bench/ui_api.bench.sh BIN
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: ui_api.bench.sh BIN}
out=$(/usr/bin/python3 bench/ui_api.py "$bin" "${UI_API_SECONDS:-60}" 100) || { echo "ui_api.py failed" >&2; exit 1; }
echo "$out" >&2
worst=$(grep -oE 'worst p99 [0-9.]+' <<<"$out" | awk '{print $3}')
cost=$(grep -oE 'with [0-9,]+ \([+-][0-9.]+%' <<<"$out" | grep -oE '[+-][0-9.]+%')
printf '%-58s %14s %12s   %s\n' "UI JSON endpoints under produce load, worst p99 (ms)" "$worst" "14 endpoints" "target <= 20"
printf '%-58s %14s %12s   %s\n' "  produce rate with an open dashboard tab (SSE tail, polling)" "$cost" "" "target >= -2%"
