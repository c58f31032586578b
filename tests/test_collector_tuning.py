"""`python app.py` freezes its start-up heap and collects the young generation less often before serving.

Checked in a fresh interpreter, since freezing the test process's heap would outlive the test; the pauses this
saves are measured in bench/digest.py --compare (docs/performance.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHECK = (
    "import gc, json, app; before = gc.get_threshold(); app.tune_collector(); "
    "print(json.dumps([before, gc.get_threshold(), gc.get_freeze_count()]))"
)


def test_tuning_freezes_the_start_up_heap_and_raises_only_the_young_threshold() -> None:
    ran = subprocess.run([sys.executable, "-c", CHECK], cwd=REPO, capture_output=True, text=True, check=True, timeout=120)
    before, after, frozen = json.loads(ran.stdout)
    assert after == [10_000, *before[1:]]
    assert frozen > 10_000
