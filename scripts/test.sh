#!/usr/bin/env bash
# Every check, in order, with the time each part takes:
#   lint (ruff), unit tests (pytest tests/), package (python -m build, twine check),
#   notebooks (pytest --nbval-lax book/, the students' notebooks included),
#   chapters alone (each chapter in an empty folder and a fresh venv with the wheel),
#   book build (jupyter-book, warnings are errors), rendered-book check (Playwright, chromium).
# Notebooks and the book run in the `smoke` preset unless ADFL_PRESET is set.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
export ADFL_PRESET=${ADFL_PRESET:-smoke}
# One place for the artefacts the notebooks make, shared by nbval and the book build (the
# second run loads what the first trained).
export ADFL_HOME=${ADFL_HOME:-$PWD/_build/adfl_home}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
mkdir -p _build
timings=()
report_timings() { echo "=== timings"; printf '%s\n' "${timings[@]}"; }
trap report_timings EXIT  # also when a step fails
step() {
  local name=$1; shift
  echo "=== $name"
  local t0=$SECONDS
  "$@"
  timings+=("$(printf '%-22s %4d s' "$name" $((SECONDS - t0)))")
}
# pytest exits 5 when it collects nothing: that must fail, and does (set -e).
step "lint (ruff)" bash -c "$PY -m ruff check . && $PY -m ruff format --check ."
step "unit tests" $PY -m pytest tests -q -p no:cacheprovider --durations=15  # the slowest, to keep CI short
step "package (build)" bash -c "rm -rf _build/dist && $PY -m build -q --outdir _build/dist . && $PY -m twine check --strict _build/dist/*"
step "notebooks (nbval)" $PY -m pytest --nbval-lax book -q -p no:cacheprovider
# Each chapter alone, as Colab runs it: copied into an empty folder, a fresh venv with the
# wheel (torch linked from this machine, as Colab has its own), smoke, no network. It reads
# the runs nbval trained ($ADFL_HOME) instead of training them again.
step "chapters alone (Colab)" $PY scripts/standalone_chapters.py --wheel _build/dist/adfl_teach-*.whl \
  --home "$ADFL_HOME" --jobs 2 ${ADFL_PIP_CONSTRAINTS:+--constraints "$ADFL_PIP_CONSTRAINTS"}
step "book build" bash scripts/build_book.sh
step "browser check" $PY scripts/check_book.py _build/html
