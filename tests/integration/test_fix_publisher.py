"""Publishing an approved fix: a branch + one commit locally; on GitHub a pushed branch and a draft PR."""

import json
import subprocess
from pathlib import Path

import pytest
import vcr

from sleuth.api import investigate
from sleuth.config import Settings
from sleuth.demo.estate import Estate
from sleuth.errors import SleuthError
from sleuth.models import Approval, Report
from sleuth.tools.fix_publisher import publish_fix
from sleuth.tools.github_forge import GitHubReader, github_client, github_forge
from tests.github_cassettes import GitHubExamples, exchange, write_cassette

pytestmark = pytest.mark.integration


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture(scope="module")
def report(estate: Estate) -> Report:
    found = investigate(estate.incident, estate.repos["payments"], deploys=estate.deploys, settings=Settings())
    assert found.fix is not None and found.fix.validated
    return found


def test_a_local_repository_gets_a_branch_and_one_commit_and_nothing_else(
    report: Report, estate: Estate, tmp_path: Path
) -> None:
    clone = tmp_path / "payments"
    subprocess.run(["git", "clone", "-q", str(estate.repos["payments"]), str(clone)], check=True)
    head = git(clone, "rev-parse", "HEAD")
    published = publish_fix(report, clone, Approval(approver="alice"))
    branch = f"sleuth/fix-{report.investigation_id}"
    assert published.branch == branch and published.url is None
    assert git(clone, "rev-list", "--count", f"{published.base}..{branch}") == "1"
    assert git(clone, "rev-parse", "HEAD") == head and git(clone, "status", "--porcelain") == ""  # tree untouched
    assert "-    return RATES[currency]" in git(clone, "show", branch)
    message = git(clone, "log", "-1", "--format=%B", branch)
    assert report.investigation_id in message and "Approved-by: alice" in message
    with pytest.raises(SleuthError, match="already exists"):
        publish_fix(report, clone, Approval(approver="alice"))


def test_an_unvalidated_fix_needs_the_override_and_the_override_is_said(
    report: Report, estate: Estate, tmp_path: Path
) -> None:
    clone = tmp_path / "payments"
    subprocess.run(["git", "clone", "-q", str(estate.repos["payments"]), str(clone)], check=True)
    assert report.fix is not None
    shaky = report.model_copy(
        update={"fix": report.fix.model_copy(update={"validated": False}), "investigation_id": "shaky01"}
    )
    with pytest.raises(SleuthError, match="not validated"):
        publish_fix(shaky, clone, Approval(approver="bob"))
    published = publish_fix(shaky, clone, Approval(approver="bob", override_unvalidated=True))
    assert published.branch == "sleuth/fix-shaky01"


def test_github_gets_a_pushed_branch_and_a_draft_pr_whose_body_explains(
    report: Report, estate: Estate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    remote = tmp_path / "github.com" / "acme" / "payments.git"  # stands for the GitHub repository
    subprocess.run(["git", "clone", "-q", "--bare", str(estate.repos["payments"]), str(remote)], check=True)
    monkeypatch.setattr(GitHubReader, "clone_url", property(lambda self: f"file://{remote}"))
    mirror = tmp_path / "mirror.git"
    subprocess.run(["git", "clone", "-q", "--mirror", f"file://{remote}", str(mirror)], check=True)
    gh = GitHubExamples("acme", "payments")
    repo = gh.example("/repos/{owner}/{repo}", "get", "200")
    repo["default_branch"] = "main"
    created = gh.example("/repos/{owner}/{repo}/pulls", "post", "201")
    sent: list[dict] = []

    def draft_pr(r1, r2) -> None:  # the PR request must be a draft from sleuth's branch to main
        if r1.method != "POST":
            return
        body = json.loads(r1.body)
        sent.append(body)
        assert (body["draft"], body["head"], body["base"]) == (True, f"sleuth/fix-{report.investigation_id}", "main")

    recorder = vcr.VCR(record_mode="none", filter_headers=["authorization"])
    recorder.register_matcher("draft_pr", draft_pr)
    cassette = write_cassette(
        tmp_path / "open.yaml",
        [
            exchange("GET", "/repos/acme/payments", repo),
            exchange("POST", "/repos/acme/payments/pulls", created, status=201, request_body="{}"),
        ],
    )
    client = github_client("ghp_test", polite=False)
    with recorder.use_cassette(str(cassette), match_on=["method", "path", "draft_pr"]):
        with pytest.raises(SleuthError, match="read_only"):
            publish_fix(
                report, mirror, Approval(approver="carol"), forge=github_forge("acme/payments", client, "read_only")
            )
        published = publish_fix(
            report, mirror, Approval(approver="carol"), forge=github_forge("acme/payments", client, "read_write")
        )
    assert published.url == created["html_url"]
    assert git(remote, "rev-parse", published.branch) == published.commit  # pushed
    body = sent[-1]["body"]
    assert report.investigation_id in body and "Approved by carol" in body
    assert "https://github.com/acme/payments/blob/" in body and "passed" in body


def test_gitlab_gets_a_pushed_branch_and_a_draft_mr_whose_body_explains(
    report: Report, estate: Estate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sleuth.tools.gitlab_forge import GitLabReader, gitlab_client, gitlab_forge
    from tests import gitlab_cassettes

    remote = tmp_path / "gitlab.example.com" / "acme" / "payments.git"  # stands for the GitLab project
    subprocess.run(["git", "clone", "-q", "--bare", str(estate.repos["payments"]), str(remote)], check=True)
    monkeypatch.setattr(GitLabReader, "clone_url", property(lambda self: f"file://{remote}"))
    mirror = tmp_path / "mirror.git"
    subprocess.run(["git", "clone", "-q", "--mirror", f"file://{remote}", str(mirror)], check=True)
    gl = gitlab_cassettes.GitLabExamples("acme/payments")
    created = gl.example("create mr") | {"state": "opened", "draft": True}
    sent: list[dict] = []

    def draft_mr(r1, r2) -> None:  # the MR request must be a Draft: from sleuth's branch to main
        if r1.method != "POST":
            return
        body = json.loads(r1.body)
        sent.append(body)
        assert (body["source_branch"], body["target_branch"]) == (f"sleuth/fix-{report.investigation_id}", "main")
        assert body["title"].startswith("Draft: ")

    recorder = vcr.VCR(record_mode="none", filter_headers=["private-token"])
    recorder.register_matcher("draft_mr", draft_mr)
    cassette = gitlab_cassettes.write_cassette(
        tmp_path / "open.yaml",
        [
            gitlab_cassettes.exchange("GET", "/projects/acme%2Fpayments", gl.example("get single project")),
            gitlab_cassettes.exchange("POST", "/projects/3/merge_requests", created, status=201, request_body="{}"),
        ],
    )
    client = gitlab_client("glpat-test", gitlab_cassettes.HOST, polite=False)
    with recorder.use_cassette(str(cassette), match_on=["method", "path", "draft_mr"]):
        with pytest.raises(SleuthError, match="read_only"):
            publish_fix(
                report, mirror, Approval(approver="erin"), forge=gitlab_forge("acme/payments", client, "read_only")
            )
        published = publish_fix(
            report, mirror, Approval(approver="erin"), forge=gitlab_forge("acme/payments", client, "read_write")
        )
    assert published.url == created["web_url"] == f"{gitlab_cassettes.HOST}/acme/payments/merge_requests/1"
    assert git(remote, "rev-parse", published.branch) == published.commit  # pushed
    body = sent[-1]["description"]
    assert report.investigation_id in body and "Approved by erin" in body
    assert f"{gitlab_cassettes.HOST}/acme/payments/-/blob/" in body and "passed" in body


def test_a_branch_the_remote_already_has_is_never_pushed_to(
    report: Report, estate: Estate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(estate.repos["payments"]), str(remote)], check=True)
    monkeypatch.setattr(GitHubReader, "clone_url", property(lambda self: f"file://{remote}"))
    mirror = tmp_path / "mirror.git"
    subprocess.run(["git", "clone", "-q", "--mirror", f"file://{remote}", str(mirror)], check=True)
    taken = report.model_copy(update={"investigation_id": "taken01"})
    git(remote, "update-ref", "refs/heads/sleuth/fix-taken01", git(remote, "rev-parse", "main~3"))  # someone's
    before = git(remote, "rev-parse", "sleuth/fix-taken01")
    gh = GitHubExamples("acme", "payments")
    repo = {**gh.example("/repos/{owner}/{repo}", "get", "200"), "default_branch": "main"}
    cassette = write_cassette(tmp_path / "repo.yaml", [exchange("GET", "/repos/acme/payments", repo)])
    forge = github_forge("acme/payments", github_client("ghp_test", polite=False), "read_write")
    with vcr.VCR(record_mode="none").use_cassette(str(cassette)), pytest.raises(SleuthError, match="never pushes"):
        publish_fix(taken, mirror, Approval(approver="dave"), forge=forge)
    assert git(remote, "rev-parse", "sleuth/fix-taken01") == before
    assert not git(mirror, "for-each-ref", "refs/heads/sleuth/")  # nothing left behind in the mirror


def test_the_push_goes_only_to_the_forges_url_and_runs_no_hook(
    report: Report, estate: Estate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror = tmp_path / "mirror.git"
    subprocess.run(["git", "clone", "-q", "--mirror", str(estate.repos["payments"]), str(mirror)], check=True)
    probe = tmp_path / "PWNED"
    # A clone's config and hooks are the repository's: neither may steer or run with the push.
    git(mirror, "config", "remote.origin.url", f"--receive-pack=touch {probe};")
    (mirror / "hooks" / "pre-push").write_text(f"#!/bin/sh\ntouch {probe}\n")
    (mirror / "hooks" / "pre-push").chmod(0o755)
    monkeypatch.setattr(GitHubReader, "clone_url", property(lambda self: f"--upload-pack=touch {probe};"))
    gh = GitHubExamples("acme", "payments")
    repo = {**gh.example("/repos/{owner}/{repo}", "get", "200"), "default_branch": "main"}
    cassette = write_cassette(tmp_path / "repo.yaml", [exchange("GET", "/repos/acme/payments", repo)])
    forge = github_forge("acme/payments", github_client("ghp_test", polite=False), "read_write")
    with vcr.VCR(record_mode="none").use_cassette(str(cassette)), pytest.raises(SleuthError, match="refusing to push"):
        publish_fix(
            report.model_copy(update={"investigation_id": "hook01"}), mirror, Approval(approver="erin"), forge=forge
        )
    assert not probe.exists()
