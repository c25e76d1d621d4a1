"""Render and check the databases of this project's own study (run by
``scripts/continue_study.sh``, with the study's commit first on ``PYTHONPATH``).

usage: python3 -P scripts/study_databases.py OUT LEDGER

Every database the study uses (the grid's, ``OUT/prepared``, and the six regimes',
``OUT/regimes/<regime>/prepared``) is rendered if missing, its ``dataset.json`` gets back
the preparation time and duration that LEDGER records for it, and its fingerprint must then
equal LEDGER's; a database rendered for the first time is added to LEDGER. Exits with one
line naming the database whose fingerprint differs.
"""

import json
import sys
from pathlib import Path

from adfl_teach.data.prepared import load_prepared
from adfl_teach.experiments import regimes
from adfl_teach.experiments.pipelines import synthetic_dataset


def main(out: Path, ledger_path: Path) -> None:
    ledger = json.loads(ledger_path.read_text()) if ledger_path.exists() else {}
    makers = {"prepared": lambda: synthetic_dataset(out, 100, 0, progress=False)}  # cpu-quick's
    for knob, level in regimes.non_default_regimes():
        name = regimes.regime_name(knob, level)
        makers[f"regimes/{name}/prepared"] = lambda k=knob, v=level: regimes.regime_dataset(
            out / "regimes", k, v, progress=False
        )
    for rel, make in makers.items():
        prepared = Path(make())
        path = prepared / "dataset.json"
        info = json.loads(path.read_text())
        entry = ledger.get(rel)
        if entry and (info["created"], info["seconds"]) != (entry["created"], entry["seconds"]):
            info.update(created=entry["created"], seconds=entry["seconds"])
            path.write_text(json.dumps(info, indent=2) + "\n")  # as that commit's prepare writes it
        found = load_prepared(prepared).content_hash()
        if entry is None:
            ledger[rel] = {"created": info["created"], "seconds": info["seconds"],
                           "fingerprint": found}  # fmt: skip
            ledger_path.write_text(json.dumps(ledger, indent=1, sort_keys=True) + "\n")
            print(f"{prepared}: rendered for the first time; added to {ledger_path}")
        elif found != entry["fingerprint"]:
            sys.exit(
                f"{path}: the database's fingerprint is {found}, its records' "
                f"{entry['fingerprint']}; this machine renders another database, the study "
                "cannot continue here"
            )
        print(f"{prepared}: fingerprint {found[:16]} as recorded")


if __name__ == "__main__":  # the renderer starts worker processes (spawn)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
