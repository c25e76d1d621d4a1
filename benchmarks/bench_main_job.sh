#!/usr/bin/env bash
# Wall time of the main job (README's first command minus the setup) from nothing:
# synthetic database (default size), CK+ preparation, 10-fold CV of ADFL and baseline in
# the cpu-quick preset, summary. Extra arguments go to `adfl-teach main` (e.g. --jobs 1,
# --seeds 0-2). The machine's load is printed before and after: on a shared machine it
# changes the time more than anything else.
# Usage: bash benchmarks/bench_main_job.sh [OUT_DIR] [MAIN ARGS...]
set -euo pipefail
out=${1:-$(mktemp -d)/main}
shift || true
echo "load: $(uptime)"
start=$SECONDS
python3 -m adfl_teach main --out "$out" --preset cpu-quick --quiet "$@"
echo "main job wall time: $((SECONDS - start)) s (output in $out; arguments: ${*:-none})"
echo "load: $(uptime)"
