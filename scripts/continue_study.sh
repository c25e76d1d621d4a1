#!/usr/bin/env bash
# Continue this project's own chapter-14 study (its records: book/data/study_archive) on
# this machine, with the code that made them.
#
#   nohup scripts/continue_study.sh all >> /work/study/study.log 2>&1 &   # run or continue
#   scripts/continue_study.sh collect [PHASE]   # pack what finished (no training) and write
#                                               # book/data/study_PHASE.json (default: grid)
#
# Why a script: the records were made by commit $CODE, whose dataset fingerprint still
# hashed where and when the database was prepared (dataset.json's source folder, time and
# duration; left out since, see PROVENANCE_KEYS in adfl_teach/data/prepared.py). A new
# machine renders the same images, byte for byte, but prepares them at another time, so
# that commit would refuse the archive. This script renders the database with that
# commit, writes back the preparation time and duration the records were made with
# (found again by trying the candidate times against the recorded fingerprint), and stops
# unless the fingerprint then equals the records' one. Nothing is guessed past that check.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
CODE=e978f6678d62c62a0ea5316e8ee9a9ab89dec029
OUT=/work/study        # fixed: the records' fingerprint includes this folder
CREATED=2026-12-02T18:54:15
SECONDS_TAKEN=6.95
FINGERPRINT=b7e977191b80b477f98df1c57b6638f012cf776de0958d7bc600220e35e3d30d
ARCHIVE=book/data/study_archive
phase=${1:-all}

mkdir -p "$OUT/reports"
[ -d "$OUT/code" ] || git -C "$REPO" worktree add --detach "$OUT/code" "$CODE"
export PYTHONPATH=$OUT/code ADFL_PROGRESS=0
cd "$REPO"  # python -P below: the working folder is not put on the path (this checkout's
            # package must not shadow the study's commit)
python3 -P - "$OUT" "$CREATED" "$SECONDS_TAKEN" "$FINGERPRINT" <<'PY'
import json, sys
from pathlib import Path
from adfl_teach.experiments.pipelines import synthetic_dataset
from adfl_teach.data.prepared import load_prepared
out, created, seconds, fingerprint = sys.argv[1:]
prepared = synthetic_dataset(out, 100, 0, progress=False)  # the cpu-quick database
path = Path(prepared) / "dataset.json"
if load_prepared(prepared).content_hash() != fingerprint:
    info = json.loads(path.read_text())
    info.update(created=created, seconds=float(seconds))
    path.write_text(json.dumps(info, indent=2) + "\n")
found = load_prepared(prepared).content_hash()
if found != fingerprint:
    sys.exit(f"{path}: the database's fingerprint is {found}, the records' {fingerprint}; "
             "this machine renders another database, the study cannot continue here")
print(f"{prepared}: fingerprint {found[:16]} matches the archived records")
PY
if [ "$phase" = collect ]; then
  exec python3 -P -m adfl_teach study "${2:-grid}" --collect-only --out "$OUT" --preset cpu-quick \
    --reports book/data --archive "$ARCHIVE" --quiet
fi
exec nice -n 5 python3 -P -m adfl_teach study "$phase" --out "$OUT" --preset cpu-quick --jobs 2 \
  --reports "$OUT/reports" --archive "$ARCHIVE" --quiet
