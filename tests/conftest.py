"""Fixtures for every test: git repositories built inside the test, and the demo estate."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from sleuth.demo.estate import Estate, build_estate


def git(repo: Path, *args: str, when: str = "2026-10-01T10:00:00+00:00") -> str:
    """Run git in repo with a fixed identity and date."""
    env = {
        "GIT_AUTHOR_NAME": "Ada",
        "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Ada",
        "GIT_COMMITTER_EMAIL": "ada@example.com",
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
        "PATH": "/usr/bin:/bin",
        "HOME": str(repo),
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    result = subprocess.run(
        ["git", "-C", str(repo), "-c", "commit.gpgsign=false", *args],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return result.stdout.strip()


def commit_files(repo: Path, files: dict[str, str], message: str, when: str = "2026-10-01T10:00:00+00:00") -> None:
    """Write files into repo and commit them all."""
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message, when=when)


def new_repo(path: Path) -> Path:
    """Create an empty repository on branch main."""
    path.mkdir()
    git(path, "init", "-q", "--initial-branch=main")
    return path


# Property tests draw the same examples on every run (a CI run is reproducible);
# HYPOTHESIS_PROFILE=explore draws new ones each time, to look for new failures.
hypothesis_settings.register_profile("reproducible", derandomize=True)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "reproducible"))


@pytest.fixture(scope="session")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Estate:
    """The demo estate, built once per test session."""
    return build_estate(tmp_path_factory.mktemp("estate") / "demo")


@pytest.fixture(autouse=True)
def git_never_leaves_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests talk to loopback only: git may use local paths and file:// URLs, never a network transport."""
    monkeypatch.setenv("GIT_ALLOW_PROTOCOL", "file")


@pytest.fixture(autouse=True)
def isolated_sleuth_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep every test (and the CLI processes it starts) away from the user's ~/.sleuth."""
    home = tmp_path_factory.mktemp("sleuth-home")
    monkeypatch.setenv("SLEUTH_HOME", str(home))
    for name in [n for n in os.environ if n.startswith("SLEUTH_") and n != "SLEUTH_HOME"]:
        monkeypatch.delenv(name)
    # Built test environments are a cache: one per session (each is built once from the registry).
    shared = tmp_path_factory.getbasetemp() / "test-envs"
    shared.mkdir(exist_ok=True)
    (home / "envs").symlink_to(shared, target_is_directory=True)
    return home


def merge_feature(
    repo: Path, commits: list[tuple[dict[str, str], str, str]], message: str, when: str, branch: str = "feature"
) -> None:
    """Commit (files, message, when) on a new branch from main, then merge it into main with --no-ff."""
    git(repo, "checkout", "-qb", branch)
    for files, commit_message, commit_when in commits:
        commit_files(repo, files, commit_message, when=commit_when)
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", branch, "-m", message, when=when)


SLEUTH = [sys.executable, "-m", "sleuth.cli"]


def run_sleuth(*args: str, cwd: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the `sleuth` CLI as a user would, in a wide terminal so lines are not wrapped."""
    return subprocess.run(
        [*SLEUTH, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        input=stdin,
        env={**os.environ, "COLUMNS": "200"},
        timeout=300,
        check=False,
    )
