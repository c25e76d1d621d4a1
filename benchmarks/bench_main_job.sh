#!/usr/bin/env bash
# Wall time of the main job (README's first command minus the setup) from nothing:
# synthetic database (default size), CK+ preparation, 10-fold CV of ADFL and baseline in
# the cpu-quick preset, summary. Usage: bash benchmarks/bench_main_job.sh [OUT_DIR]
set -euo pipefail
out=${1:-$(mktemp -d)/main}
start=$SECONDS
python3 -m adfl_teach main --out "$out" --preset cpu-quick --quiet
echo "main job wall time: $((SECONDS - start)) s (output in $out)"
