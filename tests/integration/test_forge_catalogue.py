"""`sleuth index catalogue github:…|gitlab:…`: an installation's repositories profiled without cloning, and an
incident that picks one of them mirrors it on demand and names its culprit PR.

GitHub's responses are its documented examples (@octokit/openapi), GitLab's the REST docs' examples;
the repository behind `acme/payments` is a bare copy of the demo's payments service.
"""

import base64
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest
import vcr

from sleuth import index_api
from sleuth.api import investigate
from sleuth.config import Settings
from sleuth.demo.estate import Estate
from sleuth.errors import SleuthError
from sleuth.models import RepoProfile
from sleuth.render import to_markdown
from sleuth.tools.github_forge import GitHubReader, github_client
from sleuth.tools.gitlab_forge import gitlab_client
from tests import gitlab_cassettes
from tests.github_cassettes import GitHubExamples, exchange, write_cassette

pytestmark = pytest.mark.integration
TOKEN = "ghp_canaryTOKENforGitHubCatalog0123456789"
NOW = datetime(2026, 10, 30, 12, tzinfo=UTC)
PULLS = "pulls?state=closed&sort=updated&direction=desc&per_page=100"
REPOS = {
    "payments": ("Card payments and currency conversion", ["payments", "checkout"], {"Python": 9000, "Shell": 1000}),
    "search": ("Full-text search over the product catalogue", ["search"], {"Go": 5000}),
    "marketing-site": ("The public marketing website", ["website"], {"TypeScript": 3000, "CSS": 1000}),
}


def _repo(gh: GitHubExamples, name: str, pushed: str) -> dict:
    description, topics, _ = REPOS[name]
    repo = gh.example("/installation/repositories", "get", "200")["repositories"][0]
    text = repo["full_name"]
    repo = {k: v.replace(text, f"acme/{name}") if isinstance(v, str) else v for k, v in repo.items()}
    repo.update(name=name, full_name=f"acme/{name}", description=description, topics=topics, pushed_at=pushed)
    repo["owner"] = repo["owner"] | {"login": "acme"}
    return repo


def _details(gh: GitHubExamples, name: str) -> list[dict]:
    readme = gh.example("/repos/{owner}/{repo}/readme", "get", "200")
    prose = f"# {name}\n\nThe {name} service: {REPOS[name][0].lower()}, run by the platform team."
    readme["content"] = base64.b64encode(prose.encode()).decode()
    pull = gh.example("/repos/{owner}/{repo}/pulls", "get", "200")[0]
    merged = [pull | {"updated_at": "2026-10-28T10:00:00Z", "merged_at": "2026-10-28T10:00:00Z"}] * 2
    old = pull | {"updated_at": "2026-08-01T10:00:00Z", "merged_at": "2026-08-01T10:00:00Z"}
    base = f"/repos/acme/{name}"
    return [
        exchange("GET", f"{base}/languages", REPOS[name][2]),
        exchange("GET", f"{base}/readme", readme),
        exchange("GET", f"{base}/{PULLS}", [*merged, old] if name == "payments" else [old]),
    ]


def _settings(tmp_path: Path, **extra: object) -> Settings:
    # An App's installation: `github:` lists exactly the repositories it was granted.
    github = {"token": TOKEN, "app_id": 1, "private_key_file": str(tmp_path / "absent.pem"), "installation_id": 7}
    return Settings.model_validate({"github": github, "index": {"path": str(tmp_path / "index")}, **extra})


def test_an_installation_is_catalogued_without_cloning_and_rerun_reads_only_what_changed(tmp_path: Path) -> None:
    gh = GitHubExamples("acme", "payments")
    pushed = "2026-10-29T09:00:00Z"
    listing = {"total_count": 3, "repositories": [_repo(gh, n, pushed) for n in REPOS]}
    first = write_cassette(
        tmp_path / "first.yaml",
        [exchange("GET", "/installation/repositories?per_page=100", listing)]
        + [e for n in REPOS for e in _details(gh, n)],
    )
    settings = _settings(tmp_path)
    client = github_client(TOKEN, polite=False)
    recorder = vcr.VCR(record_mode="none", filter_headers=["authorization"], decode_compressed_response=True)
    with recorder.use_cassette(str(first)):
        [result] = index_api.catalogue(settings, ["github:"], client=client, now=NOW)
    assert (result.listed, result.profiled, result.unchanged) == (3, 3, 0)

    index = index_api.open_index(settings)
    try:
        profiles = {r["name"]: RepoProfile.model_validate(r["profile"]) for r in index.store.repos()}
    finally:
        index.close()
    payments = profiles["payments"]
    assert payments.path == "github:acme/payments"  # catalogued, not cloned
    assert payments.languages == {"Python": 90, "Shell": 10}
    assert payments.topics == ["payments", "checkout"]
    assert payments.readme_summary.startswith("The payments service: card payments")
    assert payments.changes_last_30_days == 2  # the two merged in October, not August's
    assert payments.url == "https://github.com/acme/payments"
    assert profiles["search"].changes_last_30_days == 0
    assert not (tmp_path / "home" / "mirrors").exists()

    # Re-run: only the listing is read, and only the repository pushed to since is profiled again.
    listing["repositories"][1]["pushed_at"] = "2026-10-30T08:00:00Z"
    second = write_cassette(
        tmp_path / "second.yaml",
        [exchange("GET", "/installation/repositories?per_page=100", listing), *_details(gh, "search")],
    )
    with recorder.use_cassette(str(second)) as played:
        [again] = index_api.catalogue(settings, ["github:"], client=client, now=NOW)
        assert played.all_played
    assert (again.profiled, again.unchanged) == (1, 2)


def test_an_incident_picks_a_catalogued_repository_mirrors_it_and_names_the_culprit_pr(
    estate: Estate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bare = tmp_path / "github.com" / "acme" / "payments.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(estate.repos["payments"]), str(bare)], check=True)
    monkeypatch.setattr(GitHubReader, "clone_url", property(lambda self: f"file://{bare}"))
    gh = GitHubExamples("acme", "payments")
    listing = {"total_count": 3, "repositories": [_repo(gh, n, "2026-10-29T09:00:00Z") for n in REPOS]}
    settings = _settings(tmp_path)
    recorder = vcr.VCR(record_mode="none", filter_headers=["authorization"], decode_compressed_response=True)
    catalogue = write_cassette(
        tmp_path / "catalogue.yaml",
        [exchange("GET", "/installation/repositories?per_page=100", listing)]
        + [e for n in REPOS for e in _details(gh, n)],
    )
    with recorder.use_cassette(str(catalogue)):
        index_api.catalogue(settings, ["github:"], client=github_client(TOKEN, polite=False), now=NOW)

    pull = gh.example("/repos/{owner}/{repo}/pulls", "get", "200")[0]
    pull.update(
        number=138,
        url="https://api.github.com/repos/acme/payments/pulls/138",
        html_url="https://github.com/acme/payments/pull/138",
        merged_at="2026-10-28T16:00:00Z",
        updated_at="2026-10-28T16:00:00Z",
        merge_commit_sha=estate.culprit_sha,
    )
    sync = write_cassette(
        tmp_path / "sync.yaml",
        [
            exchange("GET", "/repos/acme/payments", gh.example("/repos/{owner}/{repo}", "get", "200")),
            exchange("GET", f"/repos/acme/payments/{PULLS}", [pull]),
            exchange("GET", "/repos/acme/payments/pulls/138/reviews?per_page=100", []),
        ],
    )
    # The investigation builds its client from [github]: a token here (an App would need its real key).
    settings = settings.model_copy(update={"github": settings.github.model_copy(update={"app_id": None})})
    with recorder.use_cassette(str(sync)) as played:
        report = investigate(estate.incident, deploys=estate.deploys, settings=settings)
        assert played.all_played
    assert any("repository chosen from the catalogue: payments" in n for n in report.notes)
    assert any("github:acme/payments mirrored and indexed" in n for n in report.notes)
    top = report.candidates[0].change
    assert (top.sha, top.number) == (estate.culprit_sha, 138)
    assert "[#138](https://github.com/acme/payments/pull/138)" in to_markdown(report)
    assert TOKEN not in report.model_dump_json()


def test_a_gitlab_group_is_catalogued_from_its_projects(tmp_path: Path) -> None:
    token = "glpat-canaryTOKENforGitLabCatalog1"
    gl = gitlab_cassettes.GitLabExamples("acme/payments")
    project = gl.example("get single project") | {"last_activity_at": "2026-10-29T09:00:00Z", "archived": False}
    group = {"id": 5, "name": "acme", "path": "acme", "full_path": "acme", "web_url": f"{gitlab_cassettes.HOST}/acme"}
    mr = gl.example("list project merge requests")[0] | {"merged_at": "2026-10-28T11:16:17.520Z"}
    listing = urlencode({"include_subgroups": "True", "archived": "False", "per_page": 100})
    merged = urlencode({"state": "merged", "updated_after": "2026-09-30T12:00:00Z", "per_page": 100})
    cassette = gitlab_cassettes.write_cassette(
        tmp_path / "gitlab.yaml",
        [
            gitlab_cassettes.exchange("GET", "/groups/acme", group),
            gitlab_cassettes.exchange("GET", f"/groups/5/projects?{listing}", [project]),
            gitlab_cassettes.exchange("GET", "/projects/3/languages", {"Ruby": 66.69, "JavaScript": 33.31}),
            gitlab_cassettes.exchange(
                "GET", "/projects/3/repository/files/README.md/raw?ref=main", "The payments service, by acme."
            ),
            gitlab_cassettes.exchange("GET", f"/projects/3/merge_requests?{merged}", [mr]),
        ],
    )
    settings = Settings.model_validate(
        {"gitlab": {"token": token, "url": gitlab_cassettes.HOST}, "index": {"path": str(tmp_path / "index")}}
    )
    with vcr.VCR(record_mode="none", filter_headers=["private-token"]).use_cassette(str(cassette)):
        [result] = index_api.catalogue(
            settings, ["gitlab:acme"], client=gitlab_client(token, gitlab_cassettes.HOST, polite=False), now=NOW
        )
    assert (result.listed, result.profiled) == (1, 1)
    index = index_api.open_index(settings)
    try:
        profile = RepoProfile.model_validate(index.store.repo("payments")["profile"])
    finally:
        index.close()
    assert profile.path == "gitlab:acme/payments"
    assert profile.languages == {"Ruby": 67, "JavaScript": 33}
    assert profile.topics == ["example", "disapora project"]
    assert profile.changes_last_30_days == 1


def test_a_source_that_is_not_a_forge_is_refused(tmp_path: Path) -> None:
    settings = Settings.model_validate({"index": {"path": str(tmp_path / "index")}})
    with pytest.raises(SleuthError, match="not a forge to catalogue"):
        index_api.catalogue(settings, ["/srv/git/payments"])
