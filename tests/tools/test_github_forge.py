"""GitHubReader/GitHubWriter (PyGithub) replayed from cassettes of GitHub's documented examples."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
import vcr

from sleuth.errors import SleuthError
from sleuth.tools.github_forge import GitHubReader, GitHubWriter, github_client, github_forge
from tests.github_cassettes import GitHubExamples, exchange, write_cassette

REPO = "/repos/acme/payments"
PULLS = f"{REPO}/pulls?state=closed&sort=updated&direction=desc&per_page=100"


def _vcr() -> vcr.VCR:
    return vcr.VCR(
        record_mode="none",
        decode_compressed_response=True,
        filter_headers=["authorization"],
        match_on=["method", "scheme", "host", "port", "path", "query", "body"],
    )


@pytest.fixture(scope="module")
def gh() -> GitHubExamples:
    return GitHubExamples("acme", "payments")


def _pull(gh: GitHubExamples, number: int, updated: str, merged: str | None, sha: str) -> dict:
    pull = gh.example("/repos/{owner}/{repo}/pulls", "get", "200")[0]
    text = str(pull["number"])
    pull.update(
        number=number,
        url=pull["url"].replace(text, str(number)),
        html_url=pull["html_url"].replace(text, str(number)),
        updated_at=updated,
        merged_at=merged,
        merge_commit_sha=sha,
        title=f"Change {number}",
    )
    return pull


def _history(gh: GitHubExamples, tmp_path: Path, *, second_page: bool) -> Path:
    repo = gh.example("/repos/{owner}/{repo}", "get", "200")
    reviews = gh.example("/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "get", "200")
    page_one = [
        _pull(gh, 12, "2026-10-29T09:00:00Z", "2026-10-29T08:59:00Z", "a" * 40),
        _pull(gh, 11, "2026-10-28T09:00:00Z", None, "b" * 40),  # closed without merging
        _pull(gh, 10, "2026-10-27T09:00:00Z", "2026-10-27T08:00:00Z", "c" * 40),
    ]
    link = f'<{"https://api.github.com"}{REPO}/pulls?state=closed&sort=updated&direction=desc&per_page=100&page=2>; rel="next"'
    exchanges = [
        exchange("GET", REPO, repo),
        exchange("GET", PULLS, page_one, headers={"Link": link}),
        exchange("GET", f"{REPO}/pulls/12/reviews?per_page=100", reviews),
        exchange("GET", f"{REPO}/pulls/10/reviews?per_page=100", []),
    ]
    if second_page:
        exchanges += [
            exchange(
                "GET", f"{PULLS}&page=2", [_pull(gh, 9, "2026-10-20T09:00:00Z", "2026-10-20T08:00:00Z", "d" * 40)]
            ),
            exchange("GET", f"{REPO}/pulls/9/reviews?per_page=100", []),
        ]
    return write_cassette(tmp_path / "pulls.yaml", exchanges)


def test_merged_pulls_since_a_cursor_stop_early_and_page(gh: GitHubExamples, tmp_path: Path) -> None:
    client = github_client("ghp_test", polite=False)
    # The cutoff falls inside page one: page two is not in the cassette, so asking for it would fail.
    with _vcr().use_cassette(str(_history(gh, tmp_path, second_page=False))):
        recent = list(GitHubReader("acme/payments", client).merged_changes(datetime(2026, 10, 27, 12, tzinfo=UTC)))
    assert [(c.number, c.merge_commit_sha) for c in recent] == [(12, "a" * 40)]
    top = recent[0]
    assert top.reviewers == ["octocat"] and top.url.endswith("/acme/payments/pull/12")
    assert top.merged_at == datetime(2026, 10, 29, 8, 59, tzinfo=UTC) and top.author == "octocat"
    with _vcr().use_cassette(str(_history(gh, tmp_path, second_page=True))):
        every = list(GitHubReader("acme/payments", github_client("ghp_test", polite=False)).merged_changes())
    assert [c.number for c in every] == [12, 10, 9]


def test_deployments_become_deploys(gh: GitHubExamples, tmp_path: Path) -> None:
    deployments = gh.example("/repos/{owner}/{repo}/deployments", "get", "200")
    statuses = gh.example("/repos/{owner}/{repo}/deployments/{deployment_id}/statuses", "get", "200")
    cassette = write_cassette(
        tmp_path / "deployments.yaml",
        [
            exchange("GET", REPO, gh.example("/repos/{owner}/{repo}", "get", "200")),
            exchange("GET", f"{REPO}/deployments?per_page=100", deployments),
            exchange("GET", f"{REPO}/deployments/1/statuses?per_page=100", statuses),
        ],
    )
    with _vcr().use_cassette(str(cassette)):
        deploys = GitHubReader("acme/payments", github_client("ghp_test", polite=False)).deployments("payments")
    assert [(d.service, d.environment, d.sha) for d in deploys] == [("payments", "production", deployments[0]["sha"])]
    assert deploys[0].at == datetime(2012, 7, 20, 1, 19, 13, tzinfo=UTC)


def test_read_only_has_no_write_method_and_read_write_opens_only_a_draft(gh: GitHubExamples, tmp_path: Path) -> None:
    client = github_client("ghp_test", polite=False)
    reader = github_forge("acme/payments", client, "read_only")
    assert not isinstance(reader, GitHubWriter) and not hasattr(reader, "open_draft")
    writer = github_forge("acme/payments", client, "read_write")
    assert isinstance(writer, GitHubWriter)
    created = gh.example("/repos/{owner}/{repo}/pulls", "post", "201")
    sent = {"title": "Fix KeyError", "body": "why", "base": "master", "head": "sleuth/fix-abc123", "draft": True}
    cassette = write_cassette(
        tmp_path / "open.yaml",
        [
            exchange("GET", REPO, gh.example("/repos/{owner}/{repo}", "get", "200")),
            exchange("POST", f"{REPO}/pulls", created, status=201, request_body=_json(sent)),
        ],
    )
    with _vcr().use_cassette(str(cassette)):
        url = writer.open_draft("sleuth/fix-abc123", "Fix KeyError", "why")
    assert url == created["html_url"]
    with pytest.raises(SleuthError, match="only opens its own sleuth/fix-"):
        writer.open_draft("main", "x", "y")


def test_a_missing_permission_is_named(gh: GitHubExamples, tmp_path: Path) -> None:
    refused = {
        "message": "Resource not accessible by personal access token",
        "documentation_url": "https://docs.github.com/rest/pulls/pulls#list-pull-requests",
        "status": "403",
    }
    cassette = write_cassette(
        tmp_path / "refused.yaml",
        [
            exchange("GET", REPO, gh.example("/repos/{owner}/{repo}", "get", "200")),
            exchange("GET", PULLS, refused, status=403),
        ],
    )
    with _vcr().use_cassette(str(cassette)), pytest.raises(SleuthError) as caught:
        list(GitHubReader("acme/payments", github_client("ghp_test", polite=False)).merged_changes())
    assert "Resource not accessible" in str(caught.value) and "Pull requests: Read" in str(caught.value)


def _json(data: dict) -> str:
    import json

    return json.dumps(data)


@pytest.mark.parametrize(
    ("status", "headers", "body"),
    [
        # Primary limit: 403 with no requests left; PyGithub waits for x-ratelimit-reset, then retries.
        (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "RESET"}, {"message": "API rate limit exceeded"}),
        # Secondary limit: 429 with Retry-After.
        (429, {"Retry-After": "1"}, {"message": "You have exceeded a secondary rate limit."}),
    ],
)
def test_rate_limits_are_waited_out_and_the_call_resumes(
    gh: GitHubExamples, tmp_path: Path, status: int, headers: dict, body: dict
) -> None:
    import time

    headers = {k: (str(int(time.time()) + 1) if v == "RESET" else v) for k, v in headers.items()}
    pulls = [_pull(gh, 12, "2026-10-29T09:00:00Z", "2026-10-29T08:59:00Z", "a" * 40)]
    cassette = write_cassette(
        tmp_path / "limited.yaml",
        [
            exchange("GET", REPO, gh.example("/repos/{owner}/{repo}", "get", "200")),
            exchange("GET", PULLS, body, status=status, headers=headers),
            exchange("GET", PULLS, pulls),
            exchange("GET", f"{REPO}/pulls/12/reviews?per_page=100", []),
        ],
    )
    started = time.monotonic()
    with _vcr().use_cassette(str(cassette)) as played:
        found = list(GitHubReader("acme/payments", github_client("ghp_test", polite=False)).merged_changes())
    assert [c.number for c in found] == [12] and played.all_played
    assert time.monotonic() - started >= 0.5  # it waited rather than hammering


def test_a_github_app_gets_installation_tokens_and_refreshes_an_expired_one(gh: GitHubExamples, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from sleuth.config import GitHubSettings
    from sleuth.tools.github_forge import client_from_settings

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = tmp_path / "app.pem"
    pem.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    expired = {**gh.example("/app/installations/{installation_id}/access_tokens", "post", "201"), "token": "ghs_first"}
    fresh = {**expired, "token": "ghs_second", "expires_at": "2999-01-01T00:00:00Z"}  # the first one is from 2016
    seen: list[str] = []

    def authorization(r1, r2) -> None:
        seen.append(f"{r1.method} {r1.path} {r1.headers.get('Authorization', '')[:12]}")

    cassette = write_cassette(
        tmp_path / "app.yaml",
        [
            exchange("POST", "/app/installations/42/access_tokens", expired, status=201),
            exchange("POST", "/app/installations/42/access_tokens", fresh, status=201),
            exchange("GET", REPO, gh.example("/repos/{owner}/{repo}", "get", "200")),
        ],
    )
    settings = GitHubSettings(app_id=1, private_key_file=str(pem), installation_id=42)
    # No header filter here: the test is about which credential each request carried.
    recorder = vcr.VCR(record_mode="none")
    recorder.register_matcher("authorization", authorization)
    with recorder.use_cassette(str(cassette), match_on=["method", "path", "authorization"]) as played:
        client, token_of = client_from_settings(settings)
        assert token_of() == "ghs_first"
        assert token_of() == "ghs_second"  # expired: refreshed before use
        assert token_of() == "ghs_second"  # still valid: no new request
        assert GitHubReader("acme/payments", client).default_branch == "master"
    assert played.all_played
    assert seen[0].startswith("POST /app/installations/42/access_tokens Bearer ey")  # signed with the App's JWT
    assert seen[-1] == "GET /repos/acme/payments token ghs_se"


def test_a_cassette_with_a_credential_is_refused(tmp_path: Path) -> None:
    leaked = exchange("GET", REPO, {"token": "ghp_" + "A1b2C3d4" * 5})
    with pytest.raises(AssertionError, match="token-shaped"):
        write_cassette(tmp_path / "leak.yaml", [leaked])
    signed = exchange("GET", REPO, {})
    signed["request"]["headers"]["Authorization"] = ["token x"]
    with pytest.raises(AssertionError, match="credential header"):
        write_cassette(tmp_path / "header.yaml", [signed])
    assert not (tmp_path / "leak.yaml").exists()


def test_a_file_a_comparison_and_a_code_search_come_from_the_api(gh: GitHubExamples, tmp_path: Path) -> None:
    import base64
    from urllib.parse import urlencode

    readme = gh.example("/repos/{owner}/{repo}/contents/{path}", "get", "200")
    readme["content"] = base64.b64encode(b"def convert(amount, currency):\n").decode()
    missing = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
    compared = gh.example("/repos/{owner}/{repo}/compare/{basehead}", "get", "200")
    found = gh.example("/search/code", "get", "200")
    query = urlencode({"q": "convert repo:acme/payments", "per_page": 100})
    cassette = write_cassette(
        tmp_path / "read.yaml",
        [
            exchange("GET", REPO, gh.example("/repos/{owner}/{repo}", "get", "200")),
            exchange("GET", f"{REPO}/contents/payments/fx.py?ref=abc123", readme),
            exchange("GET", f"{REPO}/contents/gone.py?ref=abc123", missing, status=404),
            exchange("GET", f"{REPO}/compare/v1...v2?page=1&per_page=100", compared),
            exchange("GET", f"/search/code?{query}", found),
        ],
    )
    forge = github_forge("acme/payments", github_client("ghp_test", polite=False), "read_only")
    with _vcr().use_cassette(str(cassette)) as played:
        assert forge.file_at("abc123", "payments/fx.py") == "def convert(amount, currency):\n"
        assert forge.file_at("abc123", "gone.py") is None
        comparison = forge.compare("v1", "v2")
        hits = forge.search_code("convert")
        assert played.all_played
    assert comparison.commits == [c["sha"] for c in compared["commits"]]
    assert comparison.files == [f["filename"] for f in compared["files"]]
    assert [h.path for h in hits] == [i["path"] for i in found["items"]]
    assert hits[0].url == found["items"][0]["html_url"]
