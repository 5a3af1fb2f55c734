from datetime import UTC, datetime
from pathlib import Path

import pytest

from sleuth.errors import SleuthError
from sleuth.tools.git_history import iter_history
from sleuth.tools.local_git import LocalGitHost, parse_change_number
from tests.conftest import commit_files, git, new_repo

SINCE = datetime(2026, 9, 1, tzinfo=UTC)
UNTIL = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture()
def history(tmp_path: Path) -> Path:
    """main: initial, PR #7 merged with --no-ff (two branch commits), squash #8, GitLab MR !9."""
    repo = new_repo(tmp_path / "svc")
    commit_files(repo, {"app.py": "def total(x):\n    return x\n"}, "Initial import", when="2026-10-01T09:00:00Z")
    git(repo, "checkout", "-qb", "feature")
    (repo / "app.py").write_text("def total(x):\n    return x * 2\n")
    git(repo, "commit", "-qam", "double it", when="2026-10-02T09:00:00Z")
    commit_files(repo, {"lib.py": "RATE = 2\n"}, "add lib", when="2026-10-02T10:00:00Z")
    git(repo, "checkout", "-q", "main")
    git(
        repo,
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "Merge pull request #7 from acme/feature\n\nDouble totals",
        "feature",
        when="2026-10-03T09:00:00Z",
    )
    commit_files(repo, {"README.md": "docs\n"}, "Add docs (#8)", when="2026-10-04T09:00:00Z")
    (repo / "lib.py").write_text("RATE = 3\n")
    git(
        repo,
        "commit",
        "-qam",
        "Raise rate\n\nSee merge request acme/svc!9",
        when="2026-10-05T09:00:00Z",
    )
    return repo


def test_first_parent_changes_merge_and_squash(history: Path) -> None:
    changes = LocalGitHost(history).changes("main", SINCE, UNTIL)
    assert [c.title for c in changes] == [
        "Raise rate",
        "Add docs",
        "Double totals",
        "Initial import",
    ]
    assert [c.number for c in changes] == [9, 8, 7, None]
    merge = changes[2]
    assert sorted(merge.files) == ["app.py", "lib.py"] and len(merge.parents) == 2
    assert merge.additions == 2 and merge.deletions == 1


def test_window_filters_by_merge_time(history: Path) -> None:
    host = LocalGitHost(history)
    changes = host.changes("main", datetime(2026, 10, 3, tzinfo=UTC), datetime(2026, 10, 5, tzinfo=UTC))
    assert [c.title for c in changes] == ["Add docs", "Double totals"]


def test_merge_diff_is_against_first_parent(history: Path) -> None:
    host = LocalGitHost(history)
    merge = host.changes("main", SINCE, UNTIL)[2]
    diff = host.diff(merge.sha)
    assert "+    return x * 2" in diff and "+RATE = 2" in diff


def test_blame_maps_branch_commits_to_the_merge(history: Path) -> None:
    host = LocalGitHost(history)
    merge = host.changes("main", SINCE, UNTIL)[2]
    blamed = host.blame("main", "app.py", 1, 2)
    assert blamed[2] == (merge.sha, 2)
    assert host.file_at("main", "lib.py") == "RATE = 3\n"
    assert host.file_at("main", "missing.py") is None


def test_head_at_and_bare_clone(history: Path, tmp_path: Path) -> None:
    bare = tmp_path / "svc.git"
    git(tmp_path, "clone", "-q", "--bare", str(history), str(bare))
    host = LocalGitHost(bare)
    assert host.name == "svc"
    sha = host.head_at("main", datetime(2026, 10, 4, 12, tzinfo=UTC))
    assert host.changes("main", SINCE, UNTIL)[1].sha == sha


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(SleuthError, match="not a git repository"):
        LocalGitHost(tmp_path)
    with pytest.raises(SleuthError, match="not found"):
        LocalGitHost(tmp_path / "nope")


@pytest.mark.parametrize(
    ("subject", "body", "number"),
    [
        ("Merge pull request #12 from a/b", "", 12),
        ("Fix totals (#345)", "", 345),
        ("Fix totals", "Fix totals\n\nSee merge request group/sub/proj!77", 77),
        ("Fix totals", "", None),
    ],
)
def test_parse_change_number(subject: str, body: str, number: int | None) -> None:
    assert parse_change_number(subject, body) == number


def test_a_clone_missing_objects_says_so_and_what_to_do(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "r")
    commit_files(repo, {"app.py": "print('hello')\n"}, "init", when="2026-03-01T10:00:00+00:00")
    blob = git(repo, "rev-parse", "HEAD:app.py")
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # as a blobless clone without network has it
    with pytest.raises(SleuthError, match=r"missing objects.*git fetch --refetch"):
        list(iter_history(LocalGitHost(repo), "HEAD"))


ODD_NAMES = ["new\nline.py", 'q"uote.py', "tab\tcafé.py", "back\\slash.py", "plain.py"]


def test_file_names_with_newlines_quotes_and_tabs_are_read_verbatim(tmp_path: Path) -> None:
    from sleuth.tools.diff_symbols import parse_diff

    repo = new_repo(tmp_path / "odd")
    commit_files(repo, {name: "x = 1\n" for name in ODD_NAMES}, "odd names", when="2026-10-01T09:00:00Z")
    commit_files(repo, {name: "x = 2\n" for name in ODD_NAMES}, "touch them", when="2026-10-02T09:00:00Z")
    host = LocalGitHost(repo)
    expected = sorted(ODD_NAMES)
    # git prints these as "new\nline.py" etc. unless read with -z (or unquoted from diff headers).
    assert sorted(host.changes(None, SINCE, UNTIL)[0].files) == expected
    assert sorted(host.change("HEAD").files) == expected
    assert sorted(host.list_files("HEAD")) == expected
    streamed = list(iter_history(host, "HEAD"))
    assert [sorted(change.files) for change, _ in streamed] == [expected, expected]
    assert sorted(f.path for f in parse_diff(streamed[-1][1])) == expected


def test_a_commit_with_a_skewed_clock_at_the_tip_hides_no_window(history: Path) -> None:
    # `git log --since` stops at the first older commit: this one would hide every change behind it.
    git(history, "commit", "-q", "--allow-empty", "-m", "clock skew", when="2026-09-15T09:00:00Z")
    titles = [c.title for c in LocalGitHost(history).changes(None, datetime(2026, 10, 2, tzinfo=UTC), UNTIL)]
    assert titles == ["Raise rate", "Add docs", "Double totals"]
