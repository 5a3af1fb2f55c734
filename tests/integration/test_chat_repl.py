"""`sleuth chat` as a person uses it: pexpect drives the REPL through a pseudo-terminal and reads the screen.

explain, show, why, timeline, fix, approve without and with an approver's key, bad input (one
`error:` line, the session goes on), kill -9 mid-investigation and while an approval waits for its
key, `--resume last`, and nothing written twice.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from sleuth.auth import key_hash
from sleuth.demo.estate import Estate

pytestmark = pytest.mark.integration
SLEUTH = str(Path(sys.executable).with_name("sleuth"))
PROMPT = "sleuth> "


@pytest.fixture
def repo(estate: Estate, tmp_path: Path) -> Path:
    """A copy of the payments repository: approving writes a branch into it."""
    copy = tmp_path / "payments"
    shutil.copytree(estate.repos["payments"], copy, symlinks=True)
    return copy


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, str]:
    """An on-call key (made by `sleuth auth add-key`) and a key whose holder has no approving role."""
    made = subprocess.run(
        [SLEUTH, "auth", "add-key", "--subject", "alice", "--role", "oncall"], capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    oncall = next(line for line in made.stdout.splitlines() if line.startswith("slk_"))
    config = Path(os.environ["SLEUTH_HOME"]) / "config.toml"
    assert oncall not in config.read_text() and key_hash(oncall) in config.read_text()  # the hash only
    viewer = "slk_" + "v" * 43
    with config.open("a") as out:
        out.write(f'\n[[auth.api_keys]]\nhash = "{key_hash(viewer)}"\nsubject = "victor"\nroles = []\n')
    return {"oncall": oncall, "viewer": viewer}


def _spawn(*args: str, key: str | None = None) -> pexpect.spawn:
    env = {k: v for k, v in os.environ.items() if k != "SLEUTH_API_KEY"}
    env |= {"PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "dumb"} | ({"SLEUTH_API_KEY": key} if key else {})
    return pexpect.spawn(SLEUTH, ["chat", *args], env=env, encoding="utf-8", timeout=180, dimensions=(60, 220))


def _ask(child: pexpect.spawn, line: str, *expected: str) -> str:
    child.sendline(line)
    for text in expected:
        child.expect_exact(text)
    child.expect_exact(PROMPT)
    return child.before


def _start(estate: Estate, repo: Path, key: str | None = None) -> pexpect.spawn:
    child = _spawn(str(estate.incident_path), "--repo", str(repo), "--deploys", str(estate.deploys_path), key=key)
    child.expect_exact("leading culprit")
    child.expect_exact(PROMPT)
    return child


def _fix_branches(repo: Path) -> list[str]:
    out = subprocess.run(
        ["git", "-C", str(repo), "for-each-ref", "--format=%(refname)", "refs/heads/sleuth/"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.split()


def test_a_session_explains_shows_fixes_and_approves_only_with_a_role(
    estate: Estate, repo: Path, keys: dict[str, str]
) -> None:
    child = _start(estate, repo, key=keys["viewer"])
    culprit = estate.culprit_sha
    _ask(child, "explain", f"Leading culprit: {culprit[:10]}", "[E1]")
    _ask(child, "show 2", "#2 ", "features:")
    _ask(child, f"why {culprit[:8]}", f"{culprit[:10]} is the leading culprit")
    _ask(child, "timeline", "first error", "alert")
    # Bad input: one helpful line each, never a traceback, and the session goes on.
    assert "Traceback" not in _ask(child, "show 99", "error: no candidate ranked 99")
    _ask(child, "why zz", "error: 'zz' is neither a rank nor a sha")
    _ask(child, "show", "error: show needs an argument")
    _ask(child, "approve", "error: look at the fix first")
    _ask(child, "fix", "validated", "tests after:")
    _ask(child, "approve", "error: victor may not approve: approving needs the oncall or sre-lead role")
    assert _fix_branches(repo) == []  # refused: nothing written
    child.sendline("quit")
    child.expect_exact("bye — sleuth chat --resume")
    child.expect(pexpect.EOF)

    # The on-call engineer resumes the same session and approves; a second approve writes nothing.
    child = _spawn("--resume", "last", key=keys["oncall"])
    child.expect_exact("resumed session")
    child.expect_exact(PROMPT)
    _ask(child, "approve", "approved by alice: branch sleuth/fix-")
    _ask(child, "approve", "error: already approved by alice")
    _ask(child, "history", "1. investigate", "fix")
    _ask(child, "sessions", "(this one)")
    _ask(child, "hypotheses", "1. ", "confidence")
    child.sendline("quit")
    child.expect(pexpect.EOF)
    assert len(_fix_branches(repo)) == 1


def test_a_session_killed_anywhere_resumes_where_it_was(estate: Estate, repo: Path, keys: dict[str, str]) -> None:
    # Killed mid-investigation: resuming finishes the investigation from its last checkpoint.
    child = _spawn(str(estate.incident_path), "--repo", str(repo), "--deploys", str(estate.deploys_path))
    child.expect_exact("▸ clone_and_read")
    child.kill(9)
    child.wait()
    child = _spawn("--resume", "last")
    child.expect_exact("resumed session")
    resumed = child.before
    # It goes on from its last checkpoint: the steps before the kill do not run again.
    assert "▸ plan" not in resumed and "▸ search_changes" not in resumed and "▸ draft_fix" in resumed
    child.expect_exact("leading culprit")
    child.expect_exact(PROMPT)
    _ask(child, "fix", "validated")
    # Killed while the approval waits for its key (typed, not from the environment).
    child.sendline("approve")
    child.expect_exact("API key (not echoed): ")
    child.kill(9)
    child.wait()
    child = _spawn("--resume", "last")
    child.expect_exact("an approval is waiting for its key")
    child.expect_exact("API key (not echoed): ")
    child.sendline("slk_not-a-key-at-all")
    child.expect_exact("error: that key is not known")
    child.expect_exact(PROMPT)
    child.sendline("approve")
    child.expect_exact("API key (not echoed): ")
    child.sendline(keys["oncall"])
    child.expect_exact("approved by alice")
    child.expect_exact(PROMPT)
    child.sendline("quit")
    child.expect(pexpect.EOF)
    assert len(_fix_branches(repo)) == 1
    # The key itself never reached the session's checkpoints.
    sessions = (Path(os.environ["SLEUTH_HOME"]) / "chat" / "sessions.sqlite3").read_bytes()
    assert keys["oncall"].encode() not in sessions
