"""GitLab as a forge (python-gitlab): merged MRs, approvers, labels, deployments; and, read-write only, draft MRs.

The same surface as `github_forge`, so the sync and the fix publisher treat both alike. Read-only
and read-write are different types: `GitLabReader` has no method that writes. `GitLabWriter` adds
the one write sleuth makes, a draft merge request ("Draft: …", never a merge, never a push to an
existing branch). A missing permission is named as GitLab names it: the token scope (`read_api`,
`read_repository`; `api` for writes) and the role, with what to change.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sleuth.errors import SleuthError
from sleuth.models import Deploy
from sleuth.tools.forge_calls import ForgeCalls
from sleuth.tools.github_forge import CodeHit, Comparison, ForgeChange

# What each call needs, in GitLab's own words (personal, project or group access token scopes; role).
_SCOPE = {
    "project": "read_api",
    "merge_requests": "read_api",
    "approvals": "read_api",
    "deployments": "read_api",
    "repository": "read_api",
    "open_draft": "api",
}
_ROLE = {
    "project": "Reporter",
    "merge_requests": "Reporter",
    "approvals": "Reporter",
    "deployments": "Reporter",
    "repository": "Reporter",
    "open_draft": "Developer",
}
_DRAFT = "Draft: "


def _when(value: str | None) -> datetime | None:
    """GitLab's ISO 8601 timestamps ("2018-09-07T11:16:17.520Z"), in UTC."""
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def landed_sha(mr: Any) -> str | None:
    """The commit the MR put on the target branch's first-parent history (what the mirror indexed).

    - merge-commit method (squashed or not): `merge_commit_sha`, the merge commit; a squash commit
      is then its second parent, not a first-parent change;
    - fast-forward with squash: no merge commit; `squash_commit_sha` is the commit the branch moved to;
    - fast-forward without squash: the branch moved to the MR's (rebased) head, `sha`. Squashed but
      without `squash_commit_sha` (older GitLab), `sha` is the pre-squash head, on no branch: none.
    """
    merge_commit = getattr(mr, "merge_commit_sha", None)
    if merge_commit:
        return merge_commit
    if getattr(mr, "squash", False):
        return getattr(mr, "squash_commit_sha", None) or None
    return getattr(mr, "sha", None) or None


class GitLabReader(ForgeCalls):
    """One project on gitlab.com or a self-managed GitLab (`group/subgroup/project`), read-only."""

    def __init__(self, project_path: str, client: Any) -> None:
        self.project_path = project_path
        self.client = client
        self._project: Any = None

    def _failure(self, what: str, exc: Exception) -> SleuthError | None:
        from gitlab.exceptions import GitlabError

        return _forge_error(self.project_path, what, exc) if isinstance(exc, GitlabError) else None

    @property
    def project(self) -> Any:
        if self._project is None:
            self._project = self._call("project", lambda: self.client.projects.get(self.project_path))
        return self._project

    @property
    def clone_url(self) -> str:
        """The https URL the mirror is fetched from."""
        return self.project.http_url_to_repo

    @property
    def default_branch(self) -> str:
        return self.project.default_branch

    def merged_changes(self, since: datetime | None = None) -> Iterator[ForgeChange]:
        """Merged MRs updated since `since`, newest update first (GitLab filters by `updated_after` itself)."""
        if since is not None:
            since = since.astimezone(UTC) if since.tzinfo else since.replace(tzinfo=UTC)
        # ISO 8601 as GitLab's docs write it ("2019-03-15T08:00:00Z"); "on or after", whole seconds.
        narrowed = {"updated_after": since.strftime("%Y-%m-%dT%H:%M:%SZ")} if since is not None else {}
        listed = self._call(
            "merge_requests",
            lambda: self.project.mergerequests.list(
                state="merged", order_by="updated_at", sort="desc", iterator=True, **narrowed
            ),
        )
        for mr in self._each("merge_requests", listed):
            updated = _when(getattr(mr, "updated_at", None))
            if since is not None and updated is not None and updated < since:
                return
            merged_at = _when(getattr(mr, "merged_at", None))
            if merged_at is None:
                continue
            approvals = self._call("approvals", lambda m=mr: m.approvals.get())
            approvers = {a["user"]["username"] for a in getattr(approvals, "approved_by", None) or [] if a.get("user")}
            reviewers = {r["username"] for r in getattr(mr, "reviewers", None) or []}
            author = getattr(mr, "author", None) or {}
            yield ForgeChange(
                number=mr.iid,
                title=mr.title,
                body=getattr(mr, "description", None) or "",
                author=author.get("username"),
                reviewers=sorted(approvers | reviewers),
                labels=[label["name"] if isinstance(label, dict) else label for label in mr.labels or []],
                merged_at=merged_at,
                merge_commit_sha=landed_sha(mr),
                url=mr.web_url,
            )

    def deployments(self, service: str, environment: str | None = None) -> list[Deploy]:
        """GitLab deployments with status success, as sleuth's Deploy records (oldest first)."""
        narrowed = {"environment": environment} if environment else {}
        listed = self._call(
            "deployments", lambda: self.project.deployments.list(status="success", iterator=True, **narrowed)
        )
        found = []
        for deployment in self._each("deployments", listed):
            if getattr(deployment, "status", "success") != "success":
                continue
            # When it went live: the deploy job's end; a deployment made through the API has no job.
            job = getattr(deployment, "deployable", None) or {}
            at = (
                _when(job.get("finished_at"))
                or _when(getattr(deployment, "updated_at", None))
                or _when(getattr(deployment, "created_at", None))
            )
            named = (getattr(deployment, "environment", None) or {}).get("name")
            if at is None:
                continue
            found.append(Deploy(service=service, environment=named or "production", sha=deployment.sha, at=at))
        return sorted(found, key=lambda d: d.at)

    def file_url(self, path: str, line: int | None, ref: str) -> str:
        """A link to a file (and line) at a ref, for the report's evidence."""
        anchor = f"#L{line}" if line else ""
        return f"{self.project.web_url}/-/blob/{ref}/{path}{anchor}"

    def file_at(self, ref: str, path: str) -> str | None:
        """A file's text at a ref, straight from the API (None when it does not exist there)."""
        from gitlab.exceptions import GitlabGetError

        def read() -> str | None:
            try:
                raw = self.project.files.raw(file_path=path, ref=ref)
            except GitlabGetError as exc:
                if exc.response_code == 404:
                    return None
                raise
            return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)

        return self._call("repository", read)

    def compare(self, base: str, head: str) -> Comparison:
        """The commits and changed paths from `base` to `head`."""
        found = self._call("repository", lambda: self.project.repository_compare(base, head))
        return Comparison(
            commits=[c["id"] for c in found.get("commits") or []],
            files=[d.get("new_path") or d.get("old_path") for d in found.get("diffs") or []],
        )

    def search_code(self, query: str, limit: int = 20) -> list[CodeHit]:
        """Files of this project GitLab's search matches (blobs of the default branch)."""
        found = self._call("repository", lambda: self.project.search("blobs", query, iterator=True))
        hits: list[CodeHit] = []
        for blob in self._each("repository", found):
            path = blob.get("path") or blob.get("filename")
            if path and all(h.path != path for h in hits):
                hits.append(
                    CodeHit(path=path, url=self.file_url(path, blob.get("startline"), blob.get("ref") or "HEAD"))
                )
            if len(hits) >= limit:
                break
        return hits


class GitLabWriter(GitLabReader):
    """Read-write: also opens the approved fix as a draft merge request."""

    def open_draft(self, branch: str, title: str, body: str, base: str | None = None) -> str:
        """Open a draft MR from an already pushed `branch` to the default branch; return its URL."""
        if not branch.startswith("sleuth/fix-"):
            raise SleuthError(
                f"refusing to open an MR from {branch!r}: sleuth only opens its own sleuth/fix-… branches"
            )
        # GitLab has no draft flag on create: a title starting "Draft:" is what makes an MR a draft.
        drafted = title if title.lower().startswith("draft:") else f"{_DRAFT}{title}"
        created = self._call(
            "open_draft",
            lambda: self.project.mergerequests.create(
                {
                    "source_branch": branch,
                    "target_branch": base or self.default_branch,
                    "title": drafted,
                    "description": body,
                }
            ),
        )
        return created.web_url


def _forge_error(project_path: str, what: str, exc: Any) -> SleuthError:
    status = getattr(exc, "response_code", None)
    message = getattr(exc, "error_message", None) or str(exc)
    scope = _SCOPE.get(what, "read_api")
    role = _ROLE.get(what, "Reporter")
    asked = _asked_scope(exc)
    if status == 401:
        return SleuthError(
            f"GitLab rejected the credentials for {project_path}",
            hint="check [gitlab] token: it may be expired or revoked (and [gitlab] url for a self-managed GitLab)",
        )
    if status in (403, 404):
        push = " (and `write_repository` to push the branch)" if what == "open_draft" else ""
        needs = f"the `{scope}` scope{push}"
        found = "; GitLab answers 404 for a project the token cannot see" if status == 404 else ""
        return SleuthError(
            f"GitLab refused {what} on {project_path} ({status}: {message})",
            hint=(
                f"the token needs {needs} and at least the {role} role on {project_path}"
                f"{f' (GitLab asked for: {asked})' if asked else ''}{found}; "
                "create a personal, project or group access token with that scope, and `read_repository` for the mirror"
            ),
        )
    return SleuthError(f"GitLab {what} on {project_path} failed ({status}: {message})")


def _asked_scope(exc: Any) -> str | None:
    """The scopes GitLab names in an `insufficient_scope` answer ({"error": …, "scope": "api read_api"})."""
    import json

    try:
        data = json.loads(getattr(exc, "response_body", None) or b"")
    except (ValueError, TypeError):
        return None
    return data.get("scope") if isinstance(data, dict) and isinstance(data.get("scope"), str) else None


def gitlab_client(token: str, url: str | None = None, *, polite: bool = True) -> Any:
    """A python-gitlab client (self-managed: url `https://HOST`); `polite=False` drops the retries (tests)."""
    import gitlab

    return gitlab.Gitlab(
        url or "https://gitlab.com",
        private_token=token,
        per_page=100,
        timeout=60,
        retry_transient_errors=polite,
    )


def client_from_settings(gitlab: Any) -> tuple[Any, Any]:
    """A python-gitlab client and a function giving its token, from `[gitlab]` settings (token, url)."""
    if getattr(gitlab, "token", None) is None:
        raise SleuthError(
            "no GitLab credentials",
            hint='set [gitlab] token = "env:NAME": an access token with read_api and read_repository (api to open MRs)',
        )
    token = gitlab.token.get_secret_value()
    return gitlab_client(token, getattr(gitlab, "url", None)), lambda: token


def gitlab_forge(project_path: str, client: Any, access: str) -> GitLabReader:
    """The forge for an access level: read_only gets a type with no write method at all."""
    if access == "read_write":
        return GitLabWriter(project_path, client)
    if access == "read_only":
        return GitLabReader(project_path, client)
    raise SleuthError(f"unknown [gitlab] access {access!r}", hint='use "read_only" or "read_write"')
