"""Blame in the sandbox clone: several ranges in one pass, and a walk bounded at the window's base."""

from pathlib import Path

from sleuth.tools.git_cli import run_git
from sleuth.tools.sandbox import BubblewrapSandbox
from sleuth.tools.workspace_blame import blame_ranges, blame_workspace
from tests.conftest import commit_files, new_repo


def _history(tmp_path: Path) -> tuple[Path, list[str]]:
    repo = new_repo(tmp_path / "r")
    shas = []
    lines = [f"line {n}" for n in range(1, 21)]
    for step, (number, when) in enumerate([(None, "2026-09-01"), (3, "2026-10-01"), (15, "2026-10-02")]):
        if number:
            lines[number - 1] = f"line {number} changed in step {step}"
        commit_files(repo, {"app.py": "\n".join(lines) + "\n"}, f"step {step}", when=f"{when}T10:00:00+00:00")
        shas.append(run_git(repo, "rev-parse", "HEAD").stdout.strip())
    return repo, shas


def test_one_pass_blames_every_range_and_the_bound_leaves_older_lines_out(tmp_path: Path) -> None:
    repo, (old, first, second) = _history(tmp_path)
    with BubblewrapSandbox() as sandbox:
        sandbox.clone(repo, "HEAD")
        full = blame_ranges(sandbox, "app.py", [(2, 4), (14, 16)])
        assert full is not None
        assert sorted(full) == [2, 3, 4, 14, 15, 16]
        assert {line: sha for line, (sha, _) in full.items()} == {
            2: old,
            3: first,
            4: old,
            14: old,
            15: second,
            16: old,
        }

        bounded = blame_ranges(sandbox, "app.py", [(2, 4), (14, 16)], since=old)
        assert bounded == {3: (first, 3), 15: (second, 15)}
        # Any revision names the bound; where git stopped is read from the blame, not compared by name.
        assert blame_ranges(sandbox, "app.py", [(2, 4), (14, 16)], since=f"{first}^") == bounded

        assert blame_ranges(sandbox, "app.py", [(30, 40)]) is None  # past the end: git refuses
        assert blame_workspace(sandbox, "app.py", 30, 40) == {}
        # A bound git cannot use (the root commit has no parent) falls back to the whole history.
        assert blame_workspace(sandbox, "app.py", 1, 1, since=f"{old}^") == {1: (old, 1)}
