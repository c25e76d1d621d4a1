#!/usr/bin/env bash
# Build the Jupyter Book (v1) with warnings as errors; every notebook is executed.
#
#   bash scripts/build_book.sh              # instructors' build, solutions shown -> _build/html
#   bash scripts/build_book.sh --students   # students' build -> _build/students/html
#   bash scripts/build_book.sh --publish    # the published book -> _build/publish/html
#
# Sizes come from $ADFL_PRESET (default here: cpu-quick; the test command sets smoke).
# Cached training results go to $ADFL_HOME (default ~/.cache/adfl-teach).
# --students: solutions hidden; chapters with a students' notebook (book/students/) are built
#   from it, so their launch buttons open the notebook without solutions; then the browser
#   check, which also fails on any page that shows a solution.
# --publish: exactly what .github/workflows/book.yml deploys, two books in one site: the
#   students' book (no solutions, launch buttons open book/students/) at the root of
#   _build/publish/html, the instructors' book under instructors/. Preset cpu-quick (never
#   smoke), results kept in _build/publish/{adfl_home,jupyter_cache*} between builds (a changed
#   library starts afresh), launch buttons on the tag v<version>, the browser check on both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
PUBLISH_PRESET=cpu-quick

mode=instructors
for arg in "$@"; do
  case "$arg" in
    --students) mode=students ;;
    --publish) mode=publish ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "build_book.sh: unknown option: $arg" >&2; exit 2 ;;
  esac
done
# A static page cannot run tqdm's progress widgets: no progress bars in the built book.
export ADFL_PROGRESS=0

build() {  # build() OUT [jupyter-book options]: build into OUT/html
  local out=$1; shift
  jupyter-book build . -W -n --keep-going --path-output "$out" "$@"
  # jupyter-book writes into <path-output>/_build/html; give it a short name.
  rm -rf "$out/html" && mv "$out/_build/html" "$out/html" && rm -rf "$out/_build"
}

case $mode in
  instructors)
    export ADFL_PRESET="${ADFL_PRESET:-cpu-quick}"
    echo "building the book with ADFL_PRESET=$ADFL_PRESET"
    jupyter-book build . -W -n --keep-going
    echo "instructors' book: _build/html/index.html"
    ;;
  students)
    export ADFL_PRESET="${ADFL_PRESET:-cpu-quick}"
    echo "building the students' book with ADFL_PRESET=$ADFL_PRESET"
    $PY scripts/sync_sources.py --check  # the students' notebooks match their chapters
    $PY scripts/book_variant.py students _build/students
    build _build/students --config _build/students/_config.yml --toc _build/students/_toc.yml
    $PY scripts/check_book.py _build/students/html --students --config _build/students/_config.yml
    echo "students' book: _build/students/html/index.html"
    ;;
  publish)
    if [[ -n "${ADFL_PRESET:-}" && "$ADFL_PRESET" != "$PUBLISH_PRESET" ]]; then
      echo "build_book.sh --publish builds with ADFL_PRESET=$PUBLISH_PRESET; unset ADFL_PRESET (it is $ADFL_PRESET)" >&2
      exit 2
    fi
    export ADFL_PRESET=$PUBLISH_PRESET
    out=_build/publish
    export ADFL_HOME=$PWD/$out/adfl_home
    $PY scripts/sync_sources.py --check  # never publish an install cell that drifted
    tag="v$($PY scripts/sync_sources.py --print-version)"
    # Cached results are only as good as the code that made them: a changed library (or
    # preset) starts the run folder and the notebook cache afresh.
    fingerprint=$( (echo "$ADFL_PRESET"; cat pyproject.toml; find adfl_teach -name '*.py' | LC_ALL=C sort | xargs cat) | sha256sum | cut -d' ' -f1)
    mkdir -p "$out"
    if [[ -f $out/fingerprint && "$(cat "$out/fingerprint")" != "$fingerprint" ]]; then
      echo "the library changed since the cached results: executing every chapter afresh"
      rm -rf "$out/adfl_home" "$out/jupyter_cache" "$out/jupyter_cache_students"
    fi
    echo "$fingerprint" > "$out/fingerprint"
    echo "building the published books: ADFL_PRESET=$ADFL_PRESET, launch buttons on $tag"
    $PY scripts/book_variant.py publish "$out/config" --branch "$tag" --cache "$out/jupyter_cache"
    build "$out/instructors" --config "$out/config/_config.yml" --toc "$out/config/_toc.yml"
    $PY scripts/book_variant.py publish "$out/students_config" --students --branch "$tag" \
      --cache "$out/jupyter_cache_students"
    build "$out/students" --config "$out/students_config/_config.yml" \
      --toc "$out/students_config/_toc.yml"
    $PY scripts/check_book.py "$out/students/html" --students \
      --config "$out/students_config/_config.yml" --screenshots "$out/screenshots/students"
    $PY scripts/check_book.py "$out/instructors/html" --config "$out/config/_config.yml" \
      --screenshots "$out/screenshots/instructors"
    # One site: the students' book is the default, the instructors' book a path below it.
    rm -rf "$out/html" && cp -r "$out/students/html" "$out/html"
    cp -r "$out/instructors/html" "$out/html/instructors"
    echo "published site: $out/html/index.html (students), $out/html/instructors/ (instructors)"
    ;;
esac
