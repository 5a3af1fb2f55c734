"""A checkpointed investigation stopped before any node, its process killed (-9), resumes in a fresh
process with a fresh sandbox and gives the uninterrupted run's answer: the culprit, the fix validated."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sleuth.api import investigate
from sleuth.config import Settings
from sleuth.demo.estate import Estate
from sleuth.graphs.investigation import build_graph

pytestmark = pytest.mark.integration
PROBE = [sys.executable, "-m", "tests.integration.resume_probe"]
ROOT = Path(__file__).resolve().parents[2]
NODES = [n for n in build_graph().get_graph().nodes if not n.startswith("__")]


@pytest.fixture(scope="module")
def uninterrupted(estate: Estate) -> dict:
    report = investigate(estate.incident, estate.repos["payments"], deploys=estate.deploys, settings=Settings())
    assert report.fix is not None and report.fix.validated
    return {"culprit": report.hypotheses[0].culprit_sha, "validated": True}


def _stop_before(node: str, db: Path, estate: Estate) -> None:
    args = [*PROBE, "start", str(db), str(estate.repos["payments"]), str(estate.root / "deploys.json")]
    worker = subprocess.Popen(
        [*args, str(estate.root / "incident.json"), node], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        line = worker.stdout.readline() if worker.stdout else ""
        assert line.strip() == f"stopped before {node}", f"the worker did not stop before {node}: {line!r}"
    finally:
        os.kill(worker.pid, signal.SIGKILL)  # a crash: no clean-up, no final checkpoint write
        worker.wait()


@pytest.mark.parametrize("node", [n for n in NODES if n != "confirm_culprit"])  # the demo has no failing test
def test_a_run_killed_before_any_node_resumes_to_the_same_report(
    node: str, estate: Estate, uninterrupted: dict, tmp_path: Path
) -> None:
    db = tmp_path / "checkpoints.sqlite3"
    _stop_before(node, db, estate)
    resumed = subprocess.run([*PROBE, "resume", str(db)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert json.loads(resumed.stdout.strip().splitlines()[-1]) == uninterrupted
    assert "unregistered type" not in resumed.stderr  # the checkpoint's domain types are registered
