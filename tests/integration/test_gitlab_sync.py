"""`index sync --repo gitlab:group/project` end to end, replayed from GitLab's documented examples."""

import subprocess
from pathlib import Path
from urllib.parse import urlencode

import pytest
import vcr

from sleuth import index_api
from sleuth.api import investigate
from sleuth.config import Settings
from sleuth.demo.estate import Estate
from sleuth.render import to_markdown
from sleuth.tools.forge_mirror import mirror_path
from sleuth.tools.gitlab_forge import GitLabReader, gitlab_client
from tests.gitlab_cassettes import HOST, GitLabExamples, exchange, write_cassette

pytestmark = pytest.mark.integration
TOKEN = "glpat-canaryTOKENforGitLabSync01"
MRS = "/projects/3/merge_requests"


def test_a_gitlab_project_is_mirrored_indexed_and_its_culprit_mr_named(
    estate: Estate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bare = tmp_path / "gitlab.example.com" / "acme" / "payments.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(estate.repos["payments"]), str(bare)], check=True)
    monkeypatch.setattr(GitLabReader, "clone_url", property(lambda self: f"file://{bare}"))
    gl = GitLabExamples("acme/payments")
    mr = gl.example("list project merge requests")[0]
    mr.update(
        iid=138,
        title="Speed up currency conversion on the hot path",
        merge_commit_sha=estate.culprit_sha,
        squash=False,
        web_url=f"{HOST}/acme/payments/merge_requests/138",
    )
    approvals = gl.example("mr approvals") | {"iid": 138, "project_id": 3}
    query = urlencode({"state": "merged", "order_by": "updated_at", "sort": "desc", "per_page": 100})
    cassette = write_cassette(
        tmp_path / "sync.yaml",
        [
            exchange("GET", "/projects/acme%2Fpayments", gl.example("get single project")),
            exchange("GET", f"{MRS}?{query}", [mr]),
            exchange("GET", f"{MRS}/138/approvals", approvals),
        ],
    )
    settings = Settings.model_validate(
        {"gitlab": {"token": TOKEN, "url": HOST}, "index": {"path": str(tmp_path / "index")}}
    )
    with vcr.VCR(record_mode="none", filter_headers=["private-token"]).use_cassette(str(cassette)):
        results = index_api.sync(
            settings, ["gitlab:acme/payments"], forge_client=gitlab_client(TOKEN, HOST, polite=False)
        )
    assert "gitlab:acme/payments: 1 change(s) linked to their pull/merge requests" in results[0].notes
    mirror = mirror_path("gitlab", "acme/payments")
    assert not any(TOKEN.encode() in p.read_bytes() for p in mirror.rglob("*") if p.is_file())

    report = investigate(estate.incident, mirror, deploys=estate.deploys, settings=settings, use_index=True)
    top = report.candidates[0].change
    assert (top.sha, top.number, top.url) == (estate.culprit_sha, 138, f"{HOST}/acme/payments/merge_requests/138")
    assert f"[#138]({HOST}/acme/payments/merge_requests/138)" in to_markdown(report)
