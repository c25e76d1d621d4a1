#!/usr/bin/env bash
# The GPU path in a few minutes (issue 12): on a machine with one CUDA GPU, torch and this
# package (no network, pytest optional), from the repository root or anywhere:
#
#   bash benchmarks/gpu_check.sh [--dry-run] [OUT_DIR]     # OUT_DIR: default $OUT, else a temp dir
#
# 1. the CUDA tests (tests/test_cuda.py; with pytest if it is installed, else run directly);
# 2. a synthetic database (SUBJECTS, default 120 = CK+-sized), prepared with the CK+ protocol;
# 3. the training-step benchmark at the paper's size (112x96, batch 64) on a batch of its
#    faces, each GPU option;
# 4. one fold of the `paper` preset, ADFL and baseline, for PAPER_EPOCHS epochs (default 5),
#    extrapolated to the whole protocol (10 folds x 100 epochs x both models);
# 5. the `colab` preset's 10-fold run of both models, timed (COLAB_FOLDS, default 0-9);
# 6. our trainer against the plain DataLoader pipeline (benchmarks/bench_plain_pipeline.py);
# 7. the `colab` preset's epoch timed in parts: steps, crops, the rest
#    (benchmarks/bench_epoch_breakdown.py; its lines are in gpu_check.log).
# Writes OUT_DIR/gpu_check.md (the tables), gpu_check.log (every step's output) and the
# benchmarks' JSON; the database and the runs go to WORK (default: a new temp dir).
#
# --dry-run: the same steps, tiny (smoke preset, 10 subjects, 1 epoch, 2 folds, 2 steps per
# option, no torch.compile) on whatever device there is: a check of the script itself, about a
# minute on a CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" ADFL_PROGRESS=0
py=${PYTHON:-python3}
dry=0
if [[ ${1:-} == --dry-run ]]; then
    dry=1
    shift
fi
out=${1:-${OUT:-$(mktemp -d)}}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=${WORK:-$(mktemp -d)}
if [[ -e $work/synthetic || -e $work/prepared ]]; then
    echo "gpu_check: $work already holds a database; give an empty WORK" >&2
    exit 2
fi
if ((dry)); then
    subjects=10 paper=smoke colab=smoke paper_epochs=1 colab_folds=0-1 colab_epochs=(--epochs 1)
    step_args=(--preset smoke --steps 2 --warmup 1 --options "fp32,AMP bf16,channels_last")
    plain_args=(--preset smoke --epochs 2 --workers 0)
else
    subjects=${SUBJECTS:-120} paper=paper colab=colab paper_epochs=${PAPER_EPOCHS:-5}
    colab_folds=${COLAB_FOLDS:-0-9} colab_epochs=()
    step_args=(--preset paper --batch 64)
    plain_args=(--preset colab --subjects 30)
fi
times="$out/times.tsv" log="$out/gpu_check.log"
: >"$times"
: >"$log"

# timed NAME COMMAND...: run COMMAND (output appended to gpu_check.log), record its wall
# seconds and exit status in times.tsv; a failed step is reported, the next ones still run
timed() {
    local name=$1 start status=0 seconds
    shift
    echo "### step $name: $*" >>"$log"
    start=$(date +%s.%N)
    "$@" >>"$log" 2>&1 || status=$?
    seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    printf '%s\t%s\t%s\n' "$name" "$seconds" "$status" >>"$times"
    echo "$name: exit $status, $seconds s"
}

$py - >"$out/environment.txt" <<'EOF'
import platform, torch
gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no CUDA GPU"
bf16 = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
print(f"{gpu}; torch {torch.__version__}, CUDA {torch.version.cuda}, bf16 {bf16}; "
      f"Python {platform.python_version()}")
EOF
cat "$out/environment.txt"

if $py -c "import pytest" 2>/dev/null; then
    timed cuda_tests $py -m pytest tests/test_cuda.py -m cuda -v -p no:cacheprovider
else
    timed cuda_tests $py tests/test_cuda.py
fi
timed synthetic $py -m adfl_teach synth --out "$work/synthetic" --subjects "$subjects" \
    --workers "$(nproc)" --no-progress
timed prepare $py -m adfl_teach prepare ckplus --src "$work/synthetic" \
    --out "$work/prepared" --detector landmarks --quiet
data="$work/prepared"
timed step_options $py benchmarks/bench_step_options.py "${step_args[@]}" --data "$data" \
    --out "$out"
timed paper_fold $py -m adfl_teach cv --data "$data" --out "$work/paper" --preset "$paper" \
    --folds 0 --epochs "$paper_epochs" --quiet
timed colab_run $py -m adfl_teach cv --data "$data" --out "$work/colab" --preset "$colab" \
    --folds "$colab_folds" "${colab_epochs[@]}" --quiet
timed plain_pipeline $py benchmarks/bench_plain_pipeline.py --data "$data" "${plain_args[@]}" \
    --out "$out"
timed epoch_breakdown $py benchmarks/bench_epoch_breakdown.py --data "$data" --preset "$colab" \
    --epochs 3
$py benchmarks/gpu_report.py "$out" "$work" --paper-epochs "$paper_epochs" >"$out/gpu_check.md"
cat "$out/gpu_check.md"
echo "database and runs: $work"
