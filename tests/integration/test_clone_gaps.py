"""Shallow and partial clones: said (with the command that deepens them) by investigate, sync and mine.

A shallow clone's cut commits look like roots that add every file; blame pins every older line on
them. Before this was handled, a depth-12 clone of the demo named a docs change at its cut as the
culprit and a depth-3 one blamed an unshipped change, with no warning.
"""

import subprocess
from pathlib import Path

import pytest

from sleuth.api import investigate
from sleuth.config import Settings
from sleuth.demo.estate import Estate
from sleuth.errors import SleuthError
from sleuth.tools.clone_gaps import clone_gaps
from tests.conftest import run_sleuth

pytestmark = pytest.mark.integration


def _clone(source: Path, target: Path, *flags: str) -> Path:
    subprocess.run(["git", "clone", "-q", *flags, f"file://{source}", str(target)], check=True, capture_output=True)
    return target


def test_a_shallow_clone_is_said_and_its_cut_is_never_blamed(estate: Estate, tmp_path: Path) -> None:
    clone = _clone(estate.repos["payments"], tmp_path / "payments", "--depth", "12")
    gaps = clone_gaps(clone)
    assert gaps.shallow and gaps.cut_at is not None
    report = investigate(estate.incident, clone, settings=Settings())
    assert report.hypotheses[0].culprit_sha == estate.culprit_sha
    assert not {c.change.sha for c in report.candidates} & gaps.boundary
    assert any("shallow clone" in n and f"git -C {clone} fetch --unshallow" in n for n in report.notes)


def test_a_cut_that_leaves_nothing_in_the_window_errors_with_the_fix(estate: Estate, tmp_path: Path) -> None:
    clone = _clone(estate.repos["payments"], tmp_path / "payments", "--depth", "3")
    with pytest.raises(SleuthError, match=r"shallow clone.*fetch --unshallow"):
        investigate(estate.incident, clone, settings=Settings())


def test_sync_and_mine_say_a_clone_is_shallow_or_partial(estate: Estate, tmp_path: Path) -> None:
    source = estate.repos["inventory"]
    shallow = _clone(source, tmp_path / "shallow", "--depth", "5")
    synced = run_sleuth("index", "sync", "--repo", str(shallow), cwd=tmp_path)
    assert synced.returncode == 0, synced.stderr
    assert "is a shallow clone" in synced.stdout and "fetch --unshallow" in synced.stdout
    mined = run_sleuth("eval", "mine", str(shallow), "--out", str(tmp_path / "cases.jsonl"), cwd=tmp_path)
    assert mined.returncode == 0, mined.stderr
    assert "note:" in mined.stdout and "is a shallow clone" in mined.stdout

    subprocess.run(["git", "-C", str(source), "config", "uploadpack.allowFilter", "true"], check=True)
    partial = _clone(source, tmp_path / "partial", "--filter=blob:none", "--no-checkout")
    assert clone_gaps(partial).partial_filter == "blob:none"
    synced = run_sleuth("index", "sync", "--repo", str(partial), cwd=tmp_path)
    assert "partial clone (--filter=blob:none)" in synced.stdout + synced.stderr
    # A complete clone says nothing.
    assert clone_gaps(source).notes() == []
