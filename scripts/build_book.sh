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
# A static page cannot run tqdm's progress widgets: no progress bars in the built book.
export ADFL_PROGRESS=0
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
  # The students' book is built from a copy of the sources in which sphinx-exercise hides
  # the written solutions (hide_solutions) and every code cell tagged `solution` is deleted
  # before execution, so the auto-check cells report "not answered yet" instead of a result.
  src=_build/students/src
  rm -rf _build/students && mkdir -p "$src"
  cp -r _config.yml _toc.yml book "$src"/
  python - "$src" <<'PY'
import json
import sys
from pathlib import Path

import yaml

src = Path(sys.argv[1])
config = yaml.safe_load((src / "_config.yml").read_text())
config.setdefault("sphinx", {}).setdefault("config", {})["hide_solutions"] = True
(src / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
removed = 0
for path in sorted((src / "book").glob("*.ipynb")):
    nb = json.loads(path.read_text())
    keep = [c for c in nb["cells"] if "solution" not in c.get("metadata", {}).get("tags", [])]
    removed += len(nb["cells"]) - len(keep)
    nb["cells"] = keep
    path.write_text(json.dumps(nb, indent=1))
print(f"students' copy: {removed} solution cells removed")
PY
  (cd "$src" && jupyter-book build . -W -n --keep-going --path-output ..)
  # jupyter-book writes into <path-output>/_build/html; give it a short name.
  mv _build/students/_build/html _build/students/html
  rm -rf _build/students/_build
  echo "students' book: _build/students/html/index.html"
else
  jupyter-book build . -W -n --keep-going
  echo "instructors' book: _build/html/index.html"
fi
