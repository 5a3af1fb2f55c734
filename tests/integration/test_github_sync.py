"""`index sync --repo github:owner/name` end to end: mirror fetched, changes indexed, PRs linked, culprit PR named.

GitHub's API is replayed from a cassette of its documented examples; the repository itself is a
bare copy of the demo's payments service standing in for github.com (the mirror is fetched from it
with the same code path, only the URL differs).
"""

import subprocess
from pathlib import Path

import pytest
import vcr

from sleuth import index_api
from sleuth.api import investigate
from sleuth.config import Settings
from sleuth.demo.estate import Estate
from sleuth.render import to_markdown
from sleuth.tools.forge_mirror import mirror_path
from sleuth.tools.github_forge import GitHubReader, github_client
from tests.github_cassettes import GitHubExamples, exchange, write_cassette

pytestmark = pytest.mark.integration
TOKEN = "ghp_canaryTOKENforGitHubSync0123456789"
REPO = "/repos/acme/payments"


def _pull(gh: GitHubExamples, number: int, sha: str, title: str, merged: str) -> dict:
    pull = gh.example("/repos/{owner}/{repo}/pulls", "get", "200")[0]
    old = str(pull["number"])
    pull.update(
        number=number,
        title=title,
        url=pull["url"].replace(old, str(number)),
        html_url=pull["html_url"].replace(old, str(number)),
        merged_at=merged,
        updated_at=merged,
        merge_commit_sha=sha,
    )
    return pull


def test_a_github_repository_is_mirrored_indexed_and_its_culprit_pr_named(
    estate: Estate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bare = tmp_path / "github.com" / "acme" / "payments.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(estate.repos["payments"]), str(bare)], check=True)
    monkeypatch.setattr(GitHubReader, "clone_url", property(lambda self: f"file://{bare}"))
    gh = GitHubExamples("acme", "payments")
    reviews = gh.example("/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "get", "200")
    other = subprocess.run(
        ["git", "-C", str(bare), "rev-parse", f"{estate.culprit_sha}^1"], capture_output=True, text=True, check=True
    ).stdout.strip()
    pulls = [
        _pull(gh, 138, estate.culprit_sha, "Speed up currency conversion on the hot path", "2026-10-28T16:00:00Z"),
        _pull(gh, 137, other, "Earlier change", "2026-10-28T10:00:00Z"),
    ]
    cassette = write_cassette(
        tmp_path / "sync.yaml",
        [
            exchange("GET", REPO, gh.example("/repos/{owner}/{repo}", "get", "200")),
            exchange("GET", f"{REPO}/pulls?state=closed&sort=updated&direction=desc&per_page=100", pulls),
            exchange("GET", f"{REPO}/pulls/138/reviews?per_page=100", reviews),
            exchange("GET", f"{REPO}/pulls/137/reviews?per_page=100", []),
        ],
    )
    settings = Settings.model_validate({"github": {"token": TOKEN}, "index": {"path": str(tmp_path / "index")}})
    recorder = vcr.VCR(record_mode="none", filter_headers=["authorization"], decode_compressed_response=True)
    with recorder.use_cassette(str(cassette)):
        results = index_api.sync(settings, ["github:acme/payments"], forge_client=github_client(TOKEN, polite=False))
    assert results[0].added > 20
    assert "github:acme/payments: 2 change(s) linked to their pull/merge requests" in results[0].notes

    mirror = mirror_path("github", "acme/payments")
    assert (mirror / "HEAD").exists()
    # The token is nowhere in the mirror (config, refs, packed files).
    assert not any(TOKEN.encode() in p.read_bytes() for p in mirror.rglob("*") if p.is_file())

    report = investigate(estate.incident, mirror, deploys=estate.deploys, settings=settings, use_index=True)
    top = report.candidates[0].change
    assert top.sha == estate.culprit_sha
    assert (top.number, top.url) == (138, "https://github.com/acme/payments/pull/138")
    assert top.reviewers == ["octocat"]
    assert "[#138](https://github.com/acme/payments/pull/138)" in to_markdown(report)
    assert TOKEN not in report.model_dump_json()


def test_github_deployments_are_a_deploy_source(estate: Estate, tmp_path: Path) -> None:
    from sleuth.tools.forge_sync import forge_deploys

    gh = GitHubExamples("acme", "payments")
    deployments = gh.example("/repos/{owner}/{repo}/deployments", "get", "200")
    deployments[0]["sha"] = estate.culprit_sha
    statuses = gh.example("/repos/{owner}/{repo}/deployments/{deployment_id}/statuses", "get", "200")
    cassette = write_cassette(
        tmp_path / "deployments.yaml",
        [
            exchange("GET", REPO, gh.example("/repos/{owner}/{repo}", "get", "200")),
            exchange("GET", f"{REPO}/deployments?per_page=100", deployments),
            exchange("GET", f"{REPO}/deployments/1/statuses?per_page=100", statuses),
        ],
    )
    settings = Settings.model_validate(
        {"services": {"payments": str(estate.repos["payments"])}, "index": {"path": str(tmp_path / "index")}}
    )
    with vcr.VCR(record_mode="none").use_cassette(str(cassette)):
        deploys = forge_deploys(settings, "github:acme/payments", client=github_client(TOKEN, polite=False))
    result = index_api.ingest_deploys(settings, deploys)
    assert (result.received, result.new) == (1, 1) and not result.notes
    stored = index_api.open_index(settings)
    try:
        assert [(d.service, d.sha) for d in stored.store.deploys("payments")] == [("payments", estate.culprit_sha)]
    finally:
        stored.close()
