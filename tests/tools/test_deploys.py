"""Tying deploys to the commits they carried, across merge and squash histories."""

from datetime import UTC, datetime
from pathlib import Path

from sleuth.models import Deploy
from sleuth.tools.deploys import first_shipped, near_anomaly, tie_deploys
from sleuth.tools.local_git import LocalGitHost
from tests.conftest import commit_files, merge_feature, new_repo


def _at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 10, day, hour, tzinfo=UTC)


def _history(tmp_path: Path) -> tuple[LocalGitHost, dict[str, str]]:
    """main: base, a squash commit, a --no-ff merge of two branch commits, a direct commit."""
    repo = new_repo(tmp_path / "svc")
    commit_files(repo, {"a.py": "a = 1\n"}, "Initial import", when="2026-10-01T08:00:00+00:00")
    commit_files(repo, {"a.py": "a = 2\n"}, "Tune a (#11)", when="2026-10-02T08:00:00+00:00")
    merge_feature(
        repo,
        [
            ({"b.py": "b = 1\n"}, "wip b", "2026-10-03T07:00:00+00:00"),
            ({"b.py": "b = 2\n"}, "finish b", "2026-10-03T07:30:00+00:00"),
        ],
        "Merge pull request #12 from team/feature\n\nAdd b",
        when="2026-10-03T08:00:00+00:00",
    )
    commit_files(repo, {"c.py": "c = 1\n"}, "Add c", when="2026-10-04T08:00:00+00:00")
    host = LocalGitHost(repo)
    shas = {
        "base": host.resolve("HEAD~3"),
        "squash": host.resolve("HEAD~2"),
        "merge": host.resolve("HEAD~1"),
        "branch_tip": host.resolve("HEAD~1^2"),
        "direct": host.resolve("HEAD"),
    }
    return host, shas


def test_each_deploy_carries_the_first_parent_commits_since_the_previous_one(tmp_path: Path) -> None:
    host, sha = _history(tmp_path)
    deploys = [
        Deploy(service="svc", sha=sha["base"], at=_at(1)),
        Deploy(service="svc", sha=sha["merge"], at=_at(3)),
        Deploy(service="svc", sha=sha["direct"], at=_at(4), status="failed"),  # failed: carries nothing
        Deploy(service="svc", sha=sha["direct"][:12], at=_at(5)),  # abbreviated sha
        Deploy(service="svc", sha=sha["base"], environment="staging", at=_at(2)),
    ]
    tied, notes = tie_deploys(host, deploys)
    assert notes == []
    production = [t for t in tied if t.deploy.environment == "production"]
    assert [t.carried for t in production] == [[sha["base"]], [sha["merge"], sha["squash"]], [sha["direct"]]]
    assert production[0].first_on_record and not production[1].first_on_record
    shipped = first_shipped(production)
    assert shipped == {sha["base"]: _at(1), sha["squash"]: _at(3), sha["merge"]: _at(3), sha["direct"]: _at(5)}
    # Branch commits inside a merge are not changes of main: the merge is.
    assert sha["branch_tip"] not in shipped
    # Each environment is its own stream.
    staging = [t for t in tied if t.deploy.environment == "staging"]
    assert staging[0].carried == [sha["base"]]


def test_rollback_and_unknown_sha(tmp_path: Path) -> None:
    host, sha = _history(tmp_path)
    deploys = [
        Deploy(service="svc", sha=sha["squash"], at=_at(2)),
        Deploy(service="svc", sha=sha["direct"], at=_at(4)),
        Deploy(service="svc", sha="0123456789abcdef0123456789abcdef01234567", at=_at(4, 12)),
        Deploy(service="svc", sha=sha["squash"], at=_at(5)),  # rollback: carries nothing new
        Deploy(service="svc", sha=sha["direct"], at=_at(6)),  # roll forward again
    ]
    tied, notes = tie_deploys(host, deploys)
    assert len(notes) == 1 and "0123456789ab" in notes[0] and "does not have" in notes[0]
    assert tied[2].sha is None
    assert tied[3].carried == []
    shipped = first_shipped(tied)
    assert shipped[sha["direct"]] == _at(4)  # first shipped, not re-shipped
    assert first_shipped(tied, before=_at(3))[sha["squash"]] == _at(2)
    assert sha["direct"] not in first_shipped(tied, before=_at(3))


def test_near_anomaly_window() -> None:
    deploy = Deploy(service="svc", sha="abc", at=_at(4, 9))
    assert near_anomaly(deploy, datetime(2026, 10, 4, 9, 29, tzinfo=UTC))
    assert not near_anomaly(deploy, datetime(2026, 10, 4, 9, 31, tzinfo=UTC))
    assert not near_anomaly(deploy, datetime(2026, 10, 4, 8, 59, tzinfo=UTC))
