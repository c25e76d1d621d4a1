#!/usr/bin/env bash
# Set up everything adfl-teach needs, in the active Python environment (a virtualenv or
# conda env if one is active): the package (editable) with its book and dev extras, and
# MTCNN's facenet-pytorch without its outdated pins. As root on Debian/Ubuntu without a
# browser, it also installs Debian's chromium for the rendered-book check (Playwright drives it;
# `playwright install` is never run: no browser is downloaded).
#   ADFL_PIP_CONSTRAINTS=FILE   pip constraints (CI pins torch; see ci/constraints.txt)
#   ADFL_SKIP_BROWSER=1         do not install chromium
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
constraints=()
if [ -n "${ADFL_PIP_CONSTRAINTS:-}" ]; then constraints=(-c "$ADFL_PIP_CONSTRAINTS"); fi

echo "[setup] installing adfl-teach with extras [dev,book] into $($PY -c 'import sys; print(sys.prefix)')"
$PY -m pip install -q --disable-pip-version-check "${constraints[@]}" -e ".[dev,book]"
# facenet-pytorch pins torch<2.3 and numpy<2 but works with current ones; its wheel carries
# the MTCNN weights, so nothing is downloaded at run time.
$PY -m pip install -q --disable-pip-version-check --no-deps "facenet-pytorch>=2.5"
$PY -m ipykernel install --user --name python3 >/dev/null 2>&1 || true

if [ -z "${ADFL_SKIP_BROWSER:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[setup] installing Debian's chromium for the book check"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "[setup] note: no chromium; the rendered-book check needs it (apt-get install chromium)"
  fi
fi
echo "[setup] done"
