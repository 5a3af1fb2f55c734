"""Enrichment on real diffs: commits built in the test, read back through the streaming history."""

from pathlib import Path

import pytest

from sleuth.tools.enrichment import enrich, path_tags
from sleuth.tools.git_history import BlobReader, iter_history
from sleuth.tools.local_git import LocalGitHost
from tests.conftest import commit_files, merge_feature, new_repo

CLIENT_V1 = '''import logging


class Client:
    """Talks to the payment provider."""

    def fetch(self, url):
        try:
            return self.session.get(url, timeout=5)
        except ConnectionError:
            logging.warning("provider down")
            return None

    def close(self):
        self.session.close()


def helper():
    return 1
'''

CLIENT_V2 = CLIENT_V1.replace(
    """        try:
            return self.session.get(url, timeout=5)
        except ConnectionError:
            logging.warning("provider down")
            return None""",
    """        return self.session.get(url, timeout=30)""",
)

GO_V1 = "package main\n\nfunc Handle(w Writer) error {\n" + "\tw.Step()\n" * 6 + "\tx := 1\n\treturn nil\n}\n"
GO_V2 = GO_V1.replace("x := 1", "x := 2")


def _enriched(repo: Path) -> dict[str, object]:
    host = LocalGitHost(repo)
    with BlobReader(host.path) as blobs:
        return {change.title: enrich(change, diff, blobs.read) for change, diff in iter_history(host, "HEAD")}


def test_enrichment_of_real_changes(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "svc")
    (repo / "app").mkdir()
    (repo / "migrations").mkdir()
    (repo / "docs").mkdir()
    commit_files(
        repo,
        {"app/client.py": CLIENT_V1, "handler.go": GO_V1, "requirements.txt": "requests==2.31.0\n"},
        "Initial import",
    )
    commit_files(
        repo,
        {"app/client.py": CLIENT_V2},
        "Simplify the provider client\n\nCalls go straight through now. Reviewed-by: Lin",
    )
    commit_files(repo, {"requirements.txt": "requests==2.32.0\n"}, "Bump requests to 2.32.0")
    commit_files(repo, {"migrations/0002_add_index.sql": "CREATE INDEX x ON t(y);\n"}, "Add an index on orders")
    commit_files(repo, {"docs/runbook.md": "# Runbook\n"}, "docs: write the runbook")
    commit_files(repo, {"handler.go": GO_V2}, "fix: off-by-one in Handle")
    commit_files(
        repo, {"app/flags.py": "FEATURE_NEW_CHECKOUT = True\n"}, "Enable the new checkout behind a feature flag"
    )
    found = _enriched(repo)

    simplify = found["Simplify the provider client"]
    assert simplify.tags == ["refactor"]
    assert "app/client.py:Client.fetch" in simplify.symbols
    assert "app/client.py:Client.close" not in simplify.symbols
    assert any(r.startswith("error handling removed") for r in simplify.risks)
    assert any("timeout" in r for r in simplify.risks)
    assert simplify.summary.startswith("Simplify the provider client. Calls go straight through now.")
    assert "Reviewed-by" not in simplify.summary

    assert found["Bump requests to 2.32.0"].tags == ["dependency"]
    assert "dependency versions changed" in found["Bump requests to 2.32.0"].risks
    assert found["Add an index on orders"].tags == ["schema"]
    assert "schema or migration change" in found["Add an index on orders"].risks
    assert found["docs: write the runbook"].tags == ["docs"]
    assert found["docs: write the runbook"].risks == []

    go_fix = found["fix: off-by-one in Handle"]
    assert go_fix.tags == ["bugfix"]
    assert go_fix.symbols == ["handler.go:Handle"]

    flag = found["Enable the new checkout behind a feature flag"]
    assert "touches a feature flag" in flag.risks
    assert "feature" in flag.tags


def test_merge_commit_diff_is_against_first_parent(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "svc")
    commit_files(repo, {"a.py": "def a():\n    return 1\n"}, "Initial import")
    merge_feature(
        repo,
        [
            ({"a.py": "def a():\n    return 2\n"}, "Change a", "2026-10-02T10:00:00+00:00"),
            ({"b.py": "def b():\n    return 3\n"}, "Add b", "2026-10-02T11:00:00+00:00"),
        ],
        "Merge pull request #7 from team/feature\n\nRework a and add b",
        when="2026-10-03T10:00:00+00:00",
    )
    host = LocalGitHost(repo)
    history = list(iter_history(host, "HEAD"))
    assert [c.title for c, _ in history] == ["Initial import", "Rework a and add b"]
    merge, diff = history[-1]
    assert merge.number == 7
    assert sorted(merge.files) == ["a.py", "b.py"]
    assert (merge.additions, merge.deletions) == (3, 1)
    with BlobReader(host.path) as blobs:
        assert enrich(merge, diff, blobs.read).symbols == ["a.py:a", "b.py:b"]


def test_history_resumes_after_a_cursor_and_caps_huge_file_diffs(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "svc")
    commit_files(repo, {"a.txt": "1\n"}, "one")
    commit_files(repo, {"a.txt": "2\n"}, "two")
    commit_files(repo, {"big.txt": "x" * 50 + "\n" * 1 + ("line\n" * 40_000), "small.py": "x = 1\n"}, "three")
    host = LocalGitHost(repo)
    first = host.resolve("HEAD~2")
    rest = list(iter_history(host, "HEAD", after_sha=first))
    assert [c.title for c, _ in rest] == ["two", "three"]
    change, diff = rest[-1]
    assert "omitted" in diff and "+x = 1" in diff
    assert sorted(change.files) == ["big.txt", "small.py"]


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("CMakeLists.txt", "infra"),  # a build file, though it ends in .txt like a document
        ("lib/CMakeLists.txt", "infra"),
        ("meson_options.txt", "infra"),
        ("src/meson.build", "infra"),
        ("Makefile.am", "infra"),
        ("cmake/FindZstd.cmake", "infra"),
        ("docs/configuration.txt", "docs"),
        ("NEWS.txt", "docs"),
        ("README.md", "docs"),
        ("requirements.txt", "dependency"),
        ("src/app.c", "code"),
    ],
)
def test_build_files_are_infra_not_docs(path: str, kind: str) -> None:
    assert path_tags(path) == {kind}
