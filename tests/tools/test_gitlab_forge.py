"""GitLabReader/GitLabWriter (python-gitlab) replayed from cassettes of GitLab's documented examples."""

import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
import vcr
from pydantic import SecretStr

from sleuth.errors import SleuthError
from sleuth.tools.gitlab_forge import GitLabReader, GitLabWriter, client_from_settings, gitlab_client, gitlab_forge
from tests.gitlab_cassettes import API, HOST, GitLabExamples, exchange, write_cassette

PROJECT = "/projects/acme%2Fpayments"  # python-gitlab URL-encodes the path; then it uses the project's id
MRS = "/projects/3/merge_requests"
SINCE = datetime(2026, 10, 27, 12, tzinfo=UTC)
QUERY = {"state": "merged", "order_by": "updated_at", "sort": "desc", "updated_after": "2026-10-27T12:00:00Z"}


def _vcr() -> vcr.VCR:
    return vcr.VCR(
        record_mode="none",
        decode_compressed_response=True,
        filter_headers=["private-token"],
        match_on=["method", "scheme", "host", "port", "path", "query", "body"],
    )


def _client():
    return gitlab_client("glpat-test", HOST, polite=False)


@pytest.fixture(scope="module")
def gl() -> GitLabExamples:
    return GitLabExamples("acme/payments")


def _mr(gl: GitLabExamples, iid: int, updated: str, merged: str, **fields) -> dict:
    mr = gl.example("list project merge requests")[0]
    mr.update(
        id=100 + iid,
        iid=iid,
        title=f"Change {iid}",
        updated_at=updated,
        merged_at=merged,
        web_url=mr["web_url"].replace("/merge_requests/1", f"/merge_requests/{iid}"),
        **fields,
    )
    return mr


def _approvals(gl: GitLabExamples, iid: int, approved: bool) -> dict:
    approvals = gl.example("mr approvals")
    approvals.update(iid=iid, project_id=3, state="merged")
    if not approved:
        approvals["approved_by"] = []
    return approvals


def _pages(query: dict[str, str], page: int, last: int) -> dict[str, str]:
    """GitLab's offset pagination headers: x-page/x-next-page/… and the Link header python-gitlab follows."""

    def link(number: int) -> str:
        return f"{API}{MRS}?{urlencode({**query, 'page': number, 'per_page': 100})}"

    links = [f'<{link(page + 1)}>; rel="next"'] if page < last else []
    links += [f'<{link(1)}>; rel="first"', f'<{link(last)}>; rel="last"']
    return {
        "x-page": str(page),
        "x-per-page": "100",
        "x-next-page": str(page + 1) if page < last else "",
        "x-prev-page": str(page - 1) if page > 1 else "",
        "x-total-pages": str(last),
        "Link": ", ".join(links),
    }


def _history(gl: GitLabExamples, tmp_path: Path) -> Path:
    """Three merged MRs over two pages, one per way GitLab can land a change on the target branch."""
    page_one = [
        # Merge-commit method, squashed: the merge commit is the first-parent change, the squash its 2nd parent.
        _mr(gl, 12, "2026-10-29T09:00:00Z", "2026-10-29T08:59:00.000Z", merge_commit_sha="a" * 40, squash=True)
        | {"squash_commit_sha": "e" * 40},
        # Fast-forward, squashed: no merge commit; the target branch moved to the squash commit.
        _mr(gl, 11, "2026-10-28T09:00:00Z", "2026-10-28T08:00:00.000Z", squash=True, squash_commit_sha="b" * 40)
        | {"reviewers": []},
    ]
    # Fast-forward, not squashed: the target branch moved to the MR's (rebased) head.
    page_two = [_mr(gl, 10, "2026-10-27T13:00:00Z", "2026-10-27T12:30:00.000Z", sha="c" * 40) | {"reviewers": []}]
    query = urlencode({**QUERY, "per_page": 100})
    return write_cassette(
        tmp_path / "mrs.yaml",
        [
            exchange("GET", PROJECT, gl.example("get single project")),
            exchange("GET", f"{MRS}?{query}", page_one, headers=_pages(QUERY, 1, 2)),
            exchange("GET", f"{MRS}/12/approvals", _approvals(gl, 12, approved=True)),
            exchange("GET", f"{MRS}/11/approvals", _approvals(gl, 11, approved=False)),
            exchange(
                "GET",
                f"{MRS}?{urlencode({**QUERY, 'page': 2, 'per_page': 100})}",
                page_two,
                headers=_pages(QUERY, 2, 2),
            ),
            exchange("GET", f"{MRS}/10/approvals", _approvals(gl, 10, approved=False)),
        ],
    )


def test_merged_mrs_since_a_cursor_page_and_carry_the_commit_that_landed(gl: GitLabExamples, tmp_path: Path) -> None:
    with _vcr().use_cassette(str(_history(gl, tmp_path))) as cassette:
        changes = list(GitLabReader("acme/payments", _client()).merged_changes(SINCE))
        assert cassette.all_played  # both pages were read, each MR's approvals once
    assert [(c.number, c.merge_commit_sha) for c in changes] == [(12, "a" * 40), (11, "b" * 40), (10, "c" * 40)]
    top = changes[0]
    assert top.title == "Change 12" and top.body == "fixed login page css paddings" and top.author == "admin"
    assert top.labels == ["Community contribution", "Manage"]
    assert top.merged_at == datetime(2026, 10, 29, 8, 59, tzinfo=UTC)
    assert top.url == f"{HOST}/acme/payments/merge_requests/12"


def test_approvers_and_reviewers_are_the_reviewers(gl: GitLabExamples, tmp_path: Path) -> None:
    with _vcr().use_cassette(str(_history(gl, tmp_path))):
        changes = {c.number: c for c in GitLabReader("acme/payments", _client()).merged_changes(SINCE)}
    # "root" approved (the approvals API), "kenyatta_oconnell" was asked to review (the MR's reviewers).
    assert changes[12].reviewers == ["kenyatta_oconnell", "root"]
    assert changes[11].reviewers == [] and changes[10].reviewers == []


def test_successful_deployments_become_deploys(gl: GitLabExamples, tmp_path: Path) -> None:
    deployments = gl.example("list project deployments")
    for deployment in deployments:
        deployment["status"] = "success"  # what `status=success` returns (the docs' example says "created")
    deployments.reverse()  # whatever order GitLab lists them in, the deploys come oldest first
    cassette = write_cassette(
        tmp_path / "deployments.yaml",
        [
            exchange("GET", PROJECT, gl.example("get single project")),
            exchange("GET", "/projects/3/deployments?status=success&environment=production&per_page=100", deployments),
        ],
    )
    with _vcr().use_cassette(str(cassette)):
        reader = GitLabReader("acme/payments", _client())
        deploys = reader.deployments("payments", environment="production")
        assert reader.clone_url == f"{HOST}/acme/payments.git" and reader.default_branch == "main"
    assert [(d.service, d.environment, d.sha) for d in deploys] == [
        ("payments", "production", "99d03678b90d914dbb1b109132516d71a4a03ea8"),
        ("payments", "production", "a91957a858320c0e17f3a0eca7cfacbff50ea29a"),
    ]
    assert deploys[0].at == datetime(2016, 8, 11, 7, 36, 39, 851000, tzinfo=UTC)  # the deploy job's finished_at
    assert reader.file_url("app/rates.py", 7, "a" * 40) == f"{HOST}/acme/payments/-/blob/{'a' * 40}/app/rates.py#L7"


def test_read_only_has_no_write_method_and_read_write_opens_only_a_draft(gl: GitLabExamples, tmp_path: Path) -> None:
    client = _client()
    reader = gitlab_forge("acme/payments", client, "read_only")
    assert not isinstance(reader, GitLabWriter) and not hasattr(reader, "open_draft")
    writer = gitlab_forge("acme/payments", client, "read_write")
    assert isinstance(writer, GitLabWriter)
    with pytest.raises(SleuthError, match="access"):
        gitlab_forge("acme/payments", client, "admin")

    created = gl.example("create mr") | {"title": "Draft: Fix KeyError", "draft": True, "state": "opened"}
    expected = {"source_branch": "sleuth/fix-abc123", "target_branch": "main", "title": "Draft: Fix KeyError"}
    sent: list[dict] = []

    def draft_mr(r1, r2) -> None:  # the create request must be a draft from sleuth's branch to the default branch
        if r1.method != "POST":
            return
        body = json.loads(r1.body)
        sent.append(body)
        assert {k: body.get(k) for k in expected} == expected and body["description"] == "why"

    recorder = _vcr()
    recorder.register_matcher("draft_mr", draft_mr)
    cassette = write_cassette(
        tmp_path / "open.yaml",
        [
            exchange("GET", PROJECT, gl.example("get single project")),
            exchange("POST", MRS, created, status=201, request_body="{}"),
        ],
    )
    with recorder.use_cassette(str(cassette), match_on=["method", "host", "path", "draft_mr"]) as played:
        url = writer.open_draft("sleuth/fix-abc123", "Fix KeyError", "why")
        assert played.play_count == 2  # the project, then one create (vcrpy may ask the matcher more than once)
    assert url == f"{HOST}/acme/payments/merge_requests/1" and sent
    with pytest.raises(SleuthError, match="only opens its own sleuth/fix-"):
        writer.open_draft("main", "x", "y")


def test_a_missing_scope_is_named(gl: GitLabExamples, tmp_path: Path) -> None:
    # What GitLab answers a token without the scope an endpoint needs.
    refused = {
        "error": "insufficient_scope",
        "error_description": "The request requires higher privileges than provided by the access token.",
        "scope": "api read_api",
    }
    cassette = write_cassette(
        tmp_path / "refused.yaml",
        [
            exchange("GET", PROJECT, gl.example("get single project")),
            exchange("GET", f"{MRS}?{urlencode({**QUERY, 'per_page': 100})}", refused, status=403),
        ],
    )
    with _vcr().use_cassette(str(cassette)), pytest.raises(SleuthError) as caught:
        list(GitLabReader("acme/payments", _client()).merged_changes(SINCE))
    assert "403: insufficient_scope" in str(caught.value)
    assert "`read_api` scope" in caught.value.hint and "Reporter" in caught.value.hint


def test_an_unseen_project_and_bad_credentials_say_what_to_change(gl: GitLabExamples, tmp_path: Path) -> None:
    cassette = write_cassette(
        tmp_path / "unseen.yaml", [exchange("GET", PROJECT, {"message": "404 Project Not Found"}, status=404)]
    )
    with _vcr().use_cassette(str(cassette)), pytest.raises(SleuthError) as caught:
        _ = GitLabReader("acme/payments", _client()).default_branch
    assert "404 Project Not Found" in str(caught.value) and "cannot see" in caught.value.hint
    cassette = write_cassette(
        tmp_path / "denied.yaml", [exchange("GET", PROJECT, {"message": "401 Unauthorized"}, status=401)]
    )
    with _vcr().use_cassette(str(cassette)), pytest.raises(SleuthError, match="rejected the credentials"):
        _ = GitLabReader("acme/payments", _client()).clone_url


def test_settings_give_a_client_for_gitlab_com_or_a_self_managed_host() -> None:
    with pytest.raises(SleuthError, match="no GitLab credentials") as caught:
        client_from_settings(SimpleNamespace(token=None, url=None))
    assert "read_api" in caught.value.hint
    client, token_of = client_from_settings(SimpleNamespace(token=SecretStr("glpat-x"), url=HOST))
    assert client.url == HOST and client.api_url == API and token_of() == "glpat-x"
    client, _ = client_from_settings(SimpleNamespace(token=SecretStr("glpat-x"), url=None))
    assert client.url == "https://gitlab.com" and client.per_page == 100


def test_a_file_a_comparison_and_a_code_search_come_from_the_api(gl: GitLabExamples, tmp_path: Path) -> None:
    compared = gl.example("compare")
    blobs = gl.example("search blobs")
    missing = {"message": "404 File Not Found"}
    cassette = write_cassette(
        tmp_path / "read.yaml",
        [
            exchange("GET", PROJECT, gl.example("get single project")),
            exchange("GET", "/projects/3/repository/files/payments%2Ffx.py/raw?ref=abc123", "def convert():\n"),
            exchange("GET", "/projects/3/repository/files/gone.py/raw?ref=abc123", missing, status=404),
            exchange("GET", "/projects/3/repository/compare?from=v1&to=v2", compared),
            exchange("GET", f"/projects/3/search?{urlencode({'scope': 'blobs', 'search': 'installation'})}", blobs),
        ],
    )
    forge = gitlab_forge("acme/payments", _client(), "read_only")
    with _vcr().use_cassette(str(cassette)) as played:
        assert json.loads(forge.file_at("abc123", "payments/fx.py")) == "def convert():\n"  # the cassette's JSON body
        assert forge.file_at("abc123", "gone.py") is None
        comparison = forge.compare("v1", "v2")
        hits = forge.search_code("installation")
        assert played.all_played
    assert comparison.commits == ["12d65c8dd2b2676fa3ac47d955accc085a37a9c1"]
    assert comparison.files == ["files/js/application.js"]
    assert [(h.path, h.url) for h in hits] == [("README.md", f"{HOST}/acme/payments/-/blob/main/README.md#L46")]
