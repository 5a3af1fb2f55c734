"""Reading the leading suspects' changes: code files first, a bounded number, blame bounded at the window."""

from datetime import UTC, datetime
from pathlib import Path

from sleuth.agents.clone_and_read import MAX_SUSPECT_FILES, _suspect_evidence
from sleuth.models import Candidate, Change
from sleuth.tools.git_cli import run_git
from sleuth.tools.sandbox import BubblewrapSandbox
from tests.conftest import commit_files, new_repo

CODE = [f"app/module_{n}.py" for n in range(7)]


def _body(tag: str) -> str:
    return "".join(f"value_{n} = '{tag if n == 10 else 'base'}'\n" for n in range(20))


def test_suspect_reading_prefers_code_caps_files_and_blames_only_window_lines(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "r")
    paths = ["docs/guide.md", "tests/test_app.py", *CODE]
    commit_files(repo, {p: _body("base") for p in paths}, "base", when="2026-09-01T10:00:00+00:00")
    base = run_git(repo, "rev-parse", "HEAD").stdout.strip()
    commit_files(repo, {p: _body("changed") for p in paths}, "the suspect", when="2026-10-01T10:00:00+00:00")
    sha = run_git(repo, "rev-parse", "HEAD").stdout.strip()
    diff = run_git(repo, "show", "--format=", sha).stdout
    when = datetime(2026, 10, 1, 10, tzinfo=UTC)
    change = Change(
        sha=sha, repo="r", title="the suspect", committed_at=when, merged_at=when, parents=[base], files=paths
    )
    with BubblewrapSandbox() as sandbox:
        sandbox.clone(repo, "HEAD")
        evidence = _suspect_evidence(sandbox, [Candidate(change=change, timing="shipped_before")], {sha: diff})
    read = [e.path for e in evidence]
    assert len(read) == MAX_SUSPECT_FILES
    assert all(path in CODE for path in read)  # docs and tests wait behind code
    for item in evidence:
        assert item.excerpt is not None and item.excerpt.focus_line == 8  # where the hunk starts, as before
        # The changed line is blamed to the suspect; lines older than the window carry no blame at all.
        assert item.excerpt.blame == {11: sha}
