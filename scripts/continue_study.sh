#!/usr/bin/env bash
# Continue this project's own chapter-14 study (its records: book/data/study_archive) on
# this machine, with the code that made them.
#
#   nohup scripts/continue_study.sh all >> /work/study/study.log 2>&1 &   # run or continue
#   scripts/continue_study.sh collect [PHASE]  # pack what finished (no training), write
#                                              # book/data/study_PHASE.json (default: grid)
#   scripts/continue_study.sh databases        # only render and check the databases
#
# Why a script: the records were made by commit $CODE, whose dataset fingerprint still
# hashed where and when a database was prepared (dataset.json's source folder, time and
# duration; left out since, see PROVENANCE_KEYS in adfl_teach/data/prepared.py). A new
# machine renders the same images, byte for byte, but prepares them at another time, so
# that commit would refuse the archive. So every database the study uses (the grid's and
# the six regimes') is rendered here with that commit, and its preparation time and
# duration are written back from the ledger book/data/study_archive/databases.json; the
# study runs only if each fingerprint then equals the ledger's. A database rendered for
# the first time is added to the ledger (commit it with the archive). The grid database's
# entry was found again by trying candidate times against its records' fingerprint.
#
# The exception is the ground-truth phase (truth): the commit's probe chose the ridge penalty
# by leave-one-image-out and was withdrawn (see adfl_teach/experiments/truth.py), so that
# phase runs with this checkout, on the same databases, into OUT/ground-truth; it trains its
# two runs again for their weights, and archives each job's R^2 beside its result.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
CODE=e978f6678d62c62a0ea5316e8ee9a9ab89dec029
OUT=/work/study        # fixed: the records' fingerprints include this folder
ARCHIVE=book/data/study_archive
mode=${1:-all}

mkdir -p "$OUT/reports"
[ -d "$OUT/code" ] || git -C "$REPO" worktree add --detach "$OUT/code" "$CODE"
export PYTHONPATH=$OUT/code ADFL_PROGRESS=0
cd "$REPO"  # and python -P: neither the working folder nor scripts/ is put on the path, so
            # this checkout's package does not shadow the study's commit
python3 -P scripts/study_databases.py "$OUT" "$ARCHIVE/databases.json"
# The later phases read the grid's choice from the reports folder: a new machine starts from
# the committed reports (cp -n: a report already written here is kept).
cp -n book/data/study_*.json "$OUT/reports/"
study() {  # PHASE, then the options: the phase with the code that runs it
  local code=$OUT/code
  [ "$1" = truth ] && code=$REPO
  PYTHONPATH=$code python3 -P -m adfl_teach study "$@" --out "$OUT" --preset cpu-quick \
    --archive "$ARCHIVE" --quiet
}
case $mode in databases | collect) ;; *) renice -n 5 $$ >/dev/null ;; esac  # training: yield
case $mode in
  databases) ;;
  collect) study "${2:-grid}" --collect-only --reports book/data ;;
  all) for phase in grid headline lambda regimes truth; do
         study "$phase" --jobs 2 --reports "$OUT/reports"
       done ;;
  *) study "$mode" --jobs 2 --reports "$OUT/reports" ;;
esac
