#!/usr/bin/env bash
# Dashboard overview first paint with 100 topics and 1,000 DAG runs (issue 20 §5): see
# bench/ui_first_paint.mjs. RUNS loads (default 7) after a warm-up; median and max.
# Usage: bench/ui_first_paint.bench.sh BIN
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: ui_first_paint.bench.sh BIN}
(cd tests/ui-e2e && [ -d node_modules ] || npm install --no-audit --no-fund --loglevel=error >/dev/null) || exit 1
out=$(RUNS=${RUNS_PAINT:-7} node bench/ui_first_paint.mjs "$bin") || { echo "ui_first_paint.mjs failed" >&2; exit 1; }
get() { grep -oE "$1=[0-9.]+" <<<"$out" | cut -d= -f2; }
printf '%-58s %14s %12s   %s\n' "UI overview content painted, 100 topics, 1,000 runs (ms)" \
  "$(get content_median_ms)" "max $(get content_max_ms)" "target <= 200"
printf '%-58s %14s %12s   %s\n' "  same, first contentful paint (ms)" \
  "$(get fcp_median_ms)" "max $(get fcp_max_ms)" "(context)"
