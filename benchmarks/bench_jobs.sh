#!/usr/bin/env bash
# --jobs on 2 cores: the same cv run (cpu-quick, ADFL and baseline, folds 0-1: four jobs)
# as 1 job x 2 threads and as 2 jobs x 1 thread, on the same prepared data, in the order
# 1, 2, 2, 1 (so a change of the machine's load hits both alike), each into a fresh folder.
# Usage: bash benchmarks/bench_jobs.sh PREPARED_DIR [FOLDS]   (PREPARED_DIR e.g. from
# `adfl-teach main`: runs/main/prepared). Prints each wall time, the load, the means and
# their ratio.
set -euo pipefail
data=$1
folds=${2:-0-1}
work=$(mktemp -d)
export OMP_NUM_THREADS=2  # the thread budget that --jobs N splits
declare -A total=([1]=0 [2]=0)
for jobs in 1 2 2 1; do
    echo "load: $(uptime)"
    out=$(mktemp -d -p "$work")
    start=$(date +%s.%N)
    python3 -m adfl_teach cv --data "$data" --out "$out" --preset cpu-quick \
        --folds "$folds" --jobs "$jobs" --quiet > "$out.txt"
    took=$(echo "$(date +%s.%N) - $start" | bc)
    total[$jobs]=$(echo "${total[$jobs]} + $took" | bc)
    echo "--jobs $jobs: $took s"
done
echo "load: $(uptime)"
echo "mean --jobs 1 (1 x 2 threads): $(echo "scale=1; ${total[1]} / 2" | bc) s"
echo "mean --jobs 2 (2 x 1 thread):  $(echo "scale=1; ${total[2]} / 2" | bc) s"
echo "ratio (jobs 1 / jobs 2): $(echo "scale=2; ${total[1]} / ${total[2]}" | bc)"
echo "runs in $work"
