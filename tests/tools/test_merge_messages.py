"""A merge is described by what its branch commits say, not only by its merge message."""

from datetime import UTC, datetime
from pathlib import Path

from sleuth.tools.history_reader import enriched_batches
from sleuth.tools.local_git import LocalGitHost
from sleuth.tools.merge_messages import with_branch_messages
from tests.conftest import commit_files, git, merge_feature, new_repo

EVER = (datetime(1970, 1, 2, tzinfo=UTC), datetime(2999, 1, 1, tzinfo=UTC))


def day(n: int) -> str:
    return f"2026-03-{n:02d}T10:00:00+00:00"


def test_merges_carry_their_branch_commits_messages(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "r")
    commit_files(repo, {"pool.py": "SIZE = 4\n", "README": "r\n"}, "init", when=day(1))
    # GitHub: the merge message holds only the PR title; the branch says what changed and why.
    git(repo, "checkout", "-qb", "pr-12")
    commit_files(repo, {"pool.py": "SIZE = 1\n"}, "Shrink the pool\n\nEach worker now opens one connection.", day(2))
    git(repo, "checkout", "-q", "main")
    commit_files(repo, {"README": "r2\n"}, "Direct commit on main", when=day(3))
    git(repo, "checkout", "-q", "pr-12")
    git(repo, "merge", "-q", "--no-ff", "main", "-m", "Merge branch 'main' into pr-12", when=day(3))
    commit_files(repo, {"pool.py": "SIZE = 2\n"}, "Keep a spare connection for health checks", day(4))
    git(repo, "checkout", "-q", "main")
    git(
        repo,
        "merge",
        "-q",
        "--no-ff",
        "pr-12",
        "-m",
        "Merge pull request #12 from ada/pr-12\n\nSmaller pool",
        when=day(5),
    )
    # Gerrit: the merge subject quotes a title cut short and has no body at all.
    title = "create placeholder tables for foreign keys to tables that were not reflected"
    why = "Autogenerate raised NoReferencedTableError for a key into a filtered table."
    merge_feature(
        repo,
        [({"reflect.py": "X = 1\n"}, f"{title}\n\n{why}\n\nFixes: #19", day(6))],
        f'Merge "{title[:40]}…" into main',
        day(6),
        branch="gerrit",
    )
    host = LocalGitHost(repo)
    gerrit, github, direct, _ = host.changes(None, *EVER)
    assert github.title == "Smaller pool" and github.number == 12
    assert "Each worker now opens one connection." in github.body
    assert "Keep a spare connection for health checks" in github.body
    assert "Merge branch" not in github.body and "Direct commit on main" not in github.body
    assert direct.body == ""
    assert gerrit.title == title and why in gerrit.body
    assert host.change(gerrit.sha) == gerrit

    # The index reads history in batches; a merge is described the same whichever batch it falls in.
    for size in (1, 2, 10):
        indexed = {c.sha: c for batch in enriched_batches(host, "HEAD", None, size) for c, _, _ in batch}
        for change in (gerrit, github, direct):
            assert (indexed[change.sha].title, indexed[change.sha].body) == (change.title, change.body), size


def test_a_branch_git_cannot_read_leaves_the_merge_as_it_is(tmp_path: Path) -> None:
    # A shallow or damaged clone may lack a merge's parents: its own message must still stand.
    repo = new_repo(tmp_path / "r")
    commit_files(repo, {"a.py": "A = 1\n"}, "init", when=day(1))
    merge_feature(repo, [({"a.py": "A = 2\n"}, "Raise A\n\nTwo is safer.", day(2))], "Merge branch 'a'", day(2))
    merge, _ = LocalGitHost(repo).changes(None, *EVER)
    assert "Two is safer." in merge.body
    missing = merge.model_copy(update={"parents": ["1" * 40, "2" * 40], "body": ""})
    assert with_branch_messages(repo, [missing]) == [missing]
