"""Workspaces a killed run left behind are swept at the next start; a living one never is; SIGTERM cleans up."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sleuth.tools.sandbox import BubblewrapSandbox
from sleuth.tools.workspace_sweep import sweep_stale_workspaces
from tests.conftest import commit_files, new_repo

pytestmark = pytest.mark.integration
HOLDER = (
    "import sys, time\n"
    "from sleuth.tools.sandbox import BubblewrapSandbox\n"
    "box = BubblewrapSandbox()\n"
    "print(box.root, flush=True)\n"
    "time.sleep(600)\n"
)


def test_a_killed_runs_workspace_is_swept_and_a_living_one_is_not(tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = os.environ | {"TMPDIR": str(scratch)}
    killed = subprocess.Popen([sys.executable, "-c", HOLDER], env=env, stdout=subprocess.PIPE, text=True)
    alive = subprocess.Popen([sys.executable, "-c", HOLDER], env=env, stdout=subprocess.PIPE, text=True)
    try:
        dead_root = Path(killed.stdout.readline().strip())
        live_root = Path(alive.stdout.readline().strip())
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        assert dead_root.is_dir()  # kill -9 cleans nothing up
        old = scratch / "sleuth-ws-from-an-old-version"
        old.mkdir()
        os.utime(old, (time.time() - 5 * 3600, time.time() - 5 * 3600))
        fresh = scratch / "sleuth-ws-being-made"
        fresh.mkdir()
        removed = sweep_stale_workspaces(scratch)
        assert set(removed) == {dead_root, old}
        assert not dead_root.exists() and not Path(f"{dead_root}.lock").exists()
        assert live_root.is_dir() and fresh.is_dir()  # held, or too young to judge without a lock
    finally:
        alive.kill()
        alive.wait()


def test_sigterm_deletes_the_workspace_of_a_running_command(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo")
    commit_files(repo, {"a.txt": "a\n"}, "first")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = os.environ | {"TMPDIR": str(scratch)}
    sleuth = str(Path(sys.executable).with_name("sleuth"))
    process = subprocess.Popen(
        [sleuth, "sandbox", "run", "--repo", str(repo), "--timeout", "60", "--", "sleep", "30"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not list(scratch.glob("sleuth-ws-*/repo/.git")):
        assert time.monotonic() < deadline and process.poll() is None, "the sandbox never started"
        time.sleep(0.2)
    time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) != 0
    assert list(scratch.glob("sleuth-ws-*")) == []


def test_destroy_releases_the_lock(tmp_path: Path) -> None:
    box = BubblewrapSandbox()
    lock = Path(f"{box.root}.lock")
    assert lock.exists()
    box.destroy()
    assert not box.root.exists() and not lock.exists()
    box.destroy()  # idempotent
