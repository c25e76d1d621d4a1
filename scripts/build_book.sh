#!/usr/bin/env bash
# Build the Jupyter Book (v1) with warnings as errors; every notebook is executed.
#
#   bash scripts/build_book.sh              # instructors' build: solutions shown -> _build/html
#   bash scripts/build_book.sh --students   # students' build: solutions hidden -> _build/students/html
#
# The notebooks' sizes come from $ADFL_PRESET (default here: cpu-quick; CI sets smoke).
# Cached training results go to $ADFL_HOME (default ~/.cache/adfl-teach).
set -euo pipefail
cd "$(dirname "$0")/.."

export ADFL_PRESET="${ADFL_PRESET:-cpu-quick}"
students=0
for arg in "$@"; do
  case "$arg" in
    --students) students=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

echo "building the book with ADFL_PRESET=$ADFL_PRESET"
if [[ $students == 1 ]]; then
  # Same config with sphinx-exercise's hide_solutions switched on, built into its own folder.
  mkdir -p _build/students
  python - <<'PY'
import os

import yaml

config = yaml.safe_load(open("_config.yml"))
sphinx = config.setdefault("sphinx", {})
sphinx.setdefault("config", {})["hide_solutions"] = True
# The copy lives in _build/students: make folder paths absolute.
for name, path in (sphinx.get("local_extensions") or {}).items():
    sphinx["local_extensions"][name] = os.path.abspath(path)
yaml.safe_dump(config, open("_build/students/_config.yml", "w"), sort_keys=False)
PY
  jupyter-book build . -W -n --keep-going --config _build/students/_config.yml \
    --path-output _build/students
  # jupyter-book writes into <path-output>/_build/html; give it a short name.
  rm -rf _build/students/html
  mv _build/students/_build/html _build/students/html
  rm -rf _build/students/_build
  echo "students' book: _build/students/html/index.html"
else
  jupyter-book build . -W -n --keep-going
  echo "instructors' book: _build/html/index.html"
fi
