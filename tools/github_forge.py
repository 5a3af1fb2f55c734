"""GitHub as a forge (PyGithub): merged PRs, reviewers, labels, deployments; and, read-write only, draft PRs.

Read-only and read-write are different types: `GitHubReader` has no method that writes, so a
graph handed one cannot open anything whatever it is told. `GitHubWriter` adds the one write
sleuth makes, a draft pull request (never a merge, never a push to an existing branch). A missing
permission is named as GitHub names it (fine-grained "Pull requests: Read", …) with what to change.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from sleuth.errors import SleuthError
from sleuth.models import Deploy
from sleuth.tools.forge_calls import ForgeCalls

# What each call needs, in GitHub's own words (fine-grained PAT / App permissions; classic: `repo`).
_PERMISSION = {
    "repository": "Metadata: Read",
    "pulls": "Pull requests: Read",
    "reviews": "Pull requests: Read",
    "deployments": "Deployments: Read",
    "contents": "Contents: Read",
    "open_draft": "Pull requests: Read and write (and Contents: Read and write to push the branch)",
}


class ForgeChange(BaseModel):
    """A merged pull request as the forge knows it; the mirror has its commits."""

    number: int
    title: str
    body: str = ""
    author: str | None = None
    reviewers: list[str] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=list)
    merged_at: datetime
    merge_commit_sha: str | None = None
    url: str


class CodeHit(BaseModel):
    """A file a forge's code search matched."""

    path: str
    url: str


class Comparison(BaseModel):
    """What lies between two refs, as the forge compares them (the first parent's view is the mirror's)."""

    commits: list[str] = Field(default_factory=list, description="Shas reachable from head and not from base.")
    files: list[str] = Field(default_factory=list, description="Paths changed between the two.")


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class GitHubReader(ForgeCalls):
    """One repository on github.com or GitHub Enterprise Server, read-only."""

    def __init__(self, full_name: str, client: Any) -> None:
        self.full_name = full_name
        self.client = client
        self._repo: Any = None

    def _failure(self, what: str, exc: Exception) -> SleuthError | None:
        from github import GithubException

        return _forge_error(self.full_name, what, exc) if isinstance(exc, GithubException) else None

    @property
    def repo(self) -> Any:
        if self._repo is None:
            self._repo = self._call("repository", lambda: self.client.get_repo(self.full_name))
        return self._repo

    @property
    def clone_url(self) -> str:
        """The https URL the mirror is fetched from."""
        return self.repo.clone_url

    @property
    def default_branch(self) -> str:
        return self.repo.default_branch

    def merged_changes(self, since: datetime | None = None) -> Iterator[ForgeChange]:
        """Merged PRs updated since `since`, newest update first (/pulls has no date filter: stop early)."""
        pulls = self._call("pulls", lambda: self.repo.get_pulls(state="closed", sort="updated", direction="desc"))
        for pull in self._each("pulls", pulls):
            if since is not None and _utc(pull.updated_at) < since:
                return
            if not pull.merged_at:
                continue
            reviews = self._call("reviews", lambda p=pull: list(p.get_reviews()))
            yield ForgeChange(
                number=pull.number,
                title=pull.title,
                body=pull.body or "",
                author=pull.user.login if pull.user else None,
                reviewers=sorted({r.user.login for r in reviews if r.user}),
                labels=[label.name for label in pull.labels],
                merged_at=_utc(pull.merged_at),
                merge_commit_sha=pull.merge_commit_sha,
                url=pull.html_url,
            )

    def deployments(self, service: str, environment: str | None = None) -> list[Deploy]:
        """GitHub Deployments whose latest status is success, as sleuth's Deploy records (oldest first)."""
        found = []
        narrowed = {"environment": environment} if environment else {}
        listed = self._call("deployments", lambda: self.repo.get_deployments(**narrowed))
        for deployment in self._call("deployments", lambda: list(listed)):
            statuses = self._call("deployments", lambda d=deployment: list(d.get_statuses()))
            success = next((s for s in statuses if s.state == "success"), None)
            if success is None:
                continue
            found.append(
                Deploy(
                    service=service,
                    environment=deployment.environment or "production",
                    sha=deployment.sha,
                    at=_utc(success.created_at),
                )
            )
        return sorted(found, key=lambda d: d.at)

    def file_url(self, path: str, line: int | None, ref: str) -> str:
        """A link to a file (and line) at a ref, for the report's evidence."""
        anchor = f"#L{line}" if line else ""
        return f"{self.repo.html_url}/blob/{ref}/{path}{anchor}"

    def file_at(self, ref: str, path: str) -> str | None:
        """A file's text at a ref, straight from the API (None when it does not exist there)."""
        from github import UnknownObjectException

        def read() -> str | None:
            try:
                found = self.repo.get_contents(path, ref=ref)
            except UnknownObjectException:
                return None
            if isinstance(found, list):  # a directory
                return None
            return found.decoded_content.decode("utf-8", "replace")

        return self._call("contents", read)

    def compare(self, base: str, head: str) -> Comparison:
        """The commits and changed paths from `base` to `head`."""
        found = self._call("contents", lambda: self.repo.compare(base, head))
        commits = [c.sha for c in self._each("contents", found.commits)]
        return Comparison(commits=commits, files=[f.filename for f in found.files])

    def search_code(self, query: str, limit: int = 20) -> list[CodeHit]:
        """Files of this repository the forge's code search matches (its default branch only)."""
        found = self._call("contents", lambda: self.client.search_code(f"{query} repo:{self.full_name}"))
        hits = []
        for item in self._each("contents", found):
            hits.append(CodeHit(path=item.path, url=item.html_url))
            if len(hits) >= limit:
                break
        return hits


class GitHubWriter(GitHubReader):
    """Read-write: also opens the approved fix as a draft pull request."""

    def open_draft(self, branch: str, title: str, body: str, base: str | None = None) -> str:
        """Open a draft PR from an already pushed `branch` to the default branch; return its URL."""
        if not branch.startswith("sleuth/fix-"):
            raise SleuthError(f"refusing to open a PR from {branch!r}: sleuth only opens its own sleuth/fix-… branches")
        pull = self._call(
            "open_draft",
            lambda: self.repo.create_pull(
                base=base or self.default_branch, head=branch, title=title, body=body, draft=True
            ),
        )
        return pull.html_url


def _forge_error(full_name: str, what: str, exc: Any) -> SleuthError:
    status = getattr(exc, "status", None)
    data = getattr(exc, "data", None)
    message = data.get("message") if isinstance(data, dict) else None
    permission = _PERMISSION.get(what, "Metadata: Read")
    if status in (401,):
        return SleuthError(
            f"GitHub rejected the credentials for {full_name}", hint="check [github] token or the App key"
        )
    if status in (403, 404):
        return SleuthError(
            f"GitHub refused {what} on {full_name} ({status}: {message or 'no message'})",
            hint=f"the token needs '{permission}' on {full_name} (a classic PAT: the `repo` scope)",
        )
    return SleuthError(f"GitHub {what} on {full_name} failed ({status}: {message or exc})")


def github_client(token: str, base_url: str | None = None, *, polite: bool = True) -> Any:
    """A PyGithub client (Enterprise: base_url `https://HOST/api/v3`); `polite=False` drops the pauses (tests)."""
    from github import Auth, Github

    pause = {} if polite else {"seconds_between_requests": 0, "seconds_between_writes": 0}
    return Github(auth=Auth.Token(token), base_url=base_url or "https://api.github.com", per_page=100, **pause)


def github_forge(full_name: str, client: Any, access: str) -> GitHubReader:
    """The forge for an access level: read_only gets a type with no write method at all."""
    if access == "read_write":
        return GitHubWriter(full_name, client)
    if access == "read_only":
        return GitHubReader(full_name, client)
    raise SleuthError(f"unknown [github] access {access!r}", hint='use "read_only" or "read_write"')


def client_from_settings(github: Any) -> tuple[Any, Any]:
    """A PyGithub client and a function giving the current token, from `[github]` settings.

    A GitHub App (app_id, private_key_file, installation_id) gets short-lived installation tokens
    that PyGithub refreshes before they expire, mid-sync included; they live only in memory.
    """
    from pathlib import Path

    from github import Auth, Github

    base_url = github.base_url or "https://api.github.com"
    if github.app_id is not None:
        if not (github.private_key_file and github.installation_id):
            raise SleuthError("a GitHub App needs app_id, private_key_file and installation_id")
        try:
            key = Path(github.private_key_file).expanduser().read_text()
        except OSError as exc:
            raise SleuthError(f"cannot read the GitHub App key {github.private_key_file}: {exc.strerror}") from None
        auth = Auth.AppAuth(github.app_id, key).get_installation_auth(github.installation_id)
        client = Github(auth=auth, base_url=base_url, per_page=100)
        return client, lambda: auth.token
    if github.token is None:
        raise SleuthError(
            "no GitHub credentials", hint='set [github] token = "env:NAME", or app_id/private_key_file/installation_id'
        )
    token = github.token.get_secret_value()
    return github_client(token, github.base_url), lambda: token
