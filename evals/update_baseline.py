"""Record the current metrics of every eval set in evals/baseline.json (run after an improvement).

    python evals/update_baseline.py

The regression gate (evals/test_eval.py) fails when a metric drops below this record; raise it, never lower
it by hand.
"""

import json
import tempfile
from pathlib import Path

from assistant import Assistant, Settings
from assistant.evaluate import BASELINE_FILE, baseline_entry, load_set, run_eval
from assistant.settings import EVALS_DIR

SETS = ["rubio", "harbor", "valley", "lakeside", "ridgeway", "quarry"]


def main() -> None:
    record = {}
    for name in SETS:
        with tempfile.TemporaryDirectory() as tmp:
            assistant = Assistant(settings=Settings(store=Path(tmp)))
            report = run_eval(load_set(EVALS_DIR / f"{name}.yaml"), assistant)
            assistant.close()
        record[name] = baseline_entry(report)
        print(name, json.dumps(record[name]["metrics"]))
    BASELINE_FILE.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
