"""The repository catalogue from a forge: a profile for every repository a GitHub installation or token (or
a GitLab token) can see, without cloning any of them, so an org with thousands of repositories narrows to
the few worth mirroring.

A profile holds what the forge says about a repository: description, topics, languages (percent of
the code), its README's first paragraph and how many PRs/MRs merged in the last 30 days. The
repository is registered under its mirror's name with its forge spec (`github:owner/name`) as its
path; an investigation that picks it mirrors and syncs it then (`sleuth.api`), and that sync
replaces the profile with the mirror's own. A re-run re-reads only the repositories pushed to since.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sleuth.errors import SleuthError
from sleuth.models import RepoProfile
from sleuth.tools.catalogue import readme_summary, store_profile
from sleuth.tools.forge_calls import ForgeCalls
from sleuth.tools.forge_sync import is_forge_spec

_RECENT = timedelta(days=30)


@dataclass
class ForgeRepo:
    """What a forge lists about one repository."""

    full_name: str
    description: str
    topics: list[str]
    pushed_at: datetime | None
    url: str
    archived: bool = False


@dataclass
class CatalogueResult:
    source: str
    listed: int = 0
    profiled: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _percent(listed: dict[str, Any]) -> dict[str, int]:
    # Only the numbers: PyGithub adds the request's `url` to the languages it returns.
    sizes = {name: size for name, size in listed.items() if isinstance(size, int | float)}
    total = sum(sizes.values()) or 1
    shares = {name: round(100 * size / total) for name, size in sizes.items()}
    return dict(sorted(((n, s) for n, s in shares.items() if s > 0), key=lambda item: -item[1]))


class GitHubCatalogue(ForgeCalls):
    """The repositories of a GitHub App installation (`github:`), a token's (`github:`) or an owner's (`github:ORG`)."""

    def __init__(self, client: Any, owner: str | None, installation: bool) -> None:
        self.client, self.owner, self.installation = client, owner, installation

    def _failure(self, what: str, exc: Exception) -> SleuthError | None:
        from github import GithubException

        from sleuth.tools.github_forge import _forge_error

        target = self.owner or ("the installation" if self.installation else "the token's repositories")
        return _forge_error(target, what, exc) if isinstance(exc, GithubException) else None

    def repositories(self) -> Iterator[tuple[ForgeRepo, Any]]:
        from github.PaginatedList import PaginatedList
        from github.Repository import Repository

        if self.installation:
            # GET /installation/repositories: exactly what the App was granted.
            listed: Any = PaginatedList(
                Repository, self.client.requester, "/installation/repositories", None, list_item="repositories"
            )
        elif self.owner:
            # An organisation's listing holds its private repositories too; a user's, only the public ones.
            owner = self._call("repository", lambda: self.client.get_user(self.owner))
            if owner.type == "Organization":
                owner = self._call("repository", lambda: self.client.get_organization(self.owner))
            listed = self._call("repository", owner.get_repos)
        else:
            listed = self._call("repository", lambda: self.client.get_user().get_repos())
        for repo in self._each("repository", listed):
            if self.owner and self.installation and repo.owner.login.lower() != self.owner.lower():
                continue
            yield (
                ForgeRepo(
                    full_name=repo.full_name,
                    description=repo.description or "",
                    topics=list(repo.topics or []),
                    pushed_at=_utc(repo.pushed_at),
                    url=repo.html_url,
                    archived=bool(repo.archived),
                ),
                repo,
            )

    def details(self, repo: Any, now: datetime) -> tuple[dict[str, int], str, int]:
        """(languages, README summary, PRs merged in the last 30 days) of one repository."""
        languages = _percent(self._call("repository", repo.get_languages))
        readme = self._call("repository", lambda: _github_readme(repo))
        merged = 0
        pulls = self._call("pulls", lambda: repo.get_pulls(state="closed", sort="updated", direction="desc"))
        for pull in self._each("pulls", pulls):
            if _utc(pull.updated_at) < now - _RECENT:
                break
            merged += bool(pull.merged_at and _utc(pull.merged_at) >= now - _RECENT)
        return languages, readme_summary(readme), merged


def _github_readme(repo: Any) -> str:
    from github import UnknownObjectException

    try:
        return repo.get_readme().decoded_content.decode("utf-8", "replace")
    except UnknownObjectException:  # no README: a profile without a summary
        return ""


def _gitlab_readme(project: Any, path: str, branch: str) -> str:
    from gitlab.exceptions import GitlabGetError

    try:
        raw = project.files.raw(file_path=path, ref=branch)
    except GitlabGetError as exc:
        if exc.response_code != 404:
            raise
        return ""
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


class GitLabCatalogue(ForgeCalls):
    """The projects a GitLab token is a member of (`gitlab:`), or a group's with its subgroups (`gitlab:GROUP`)."""

    def __init__(self, client: Any, group: str | None) -> None:
        self.client, self.group = client, group

    def _failure(self, what: str, exc: Exception) -> SleuthError | None:
        from gitlab.exceptions import GitlabError

        from sleuth.tools.gitlab_forge import _forge_error

        target = self.group or "the token's projects"
        return _forge_error(target, what, exc) if isinstance(exc, GitlabError) else None

    def repositories(self) -> Iterator[tuple[ForgeRepo, Any]]:
        from sleuth.tools.gitlab_forge import _when

        if self.group:
            group = self._call("project", lambda: self.client.groups.get(self.group))
            listed = self._call(
                "project", lambda: group.projects.list(include_subgroups=True, archived=False, iterator=True)
            )
        else:
            listed = self._call("project", lambda: self.client.projects.list(membership=True, iterator=True))
        for project in self._each("project", listed):
            yield (
                ForgeRepo(
                    full_name=project.path_with_namespace,
                    description=getattr(project, "description", None) or "",
                    topics=list(getattr(project, "topics", None) or getattr(project, "tag_list", None) or []),
                    pushed_at=_when(getattr(project, "last_activity_at", None)),
                    url=project.web_url,
                    archived=bool(getattr(project, "archived", False)),
                ),
                project,
            )

    def details(self, listed: Any, now: datetime) -> tuple[dict[str, int], str, int]:
        from sleuth.tools.gitlab_forge import _when

        # A group's listing holds GroupProject objects: the project's own endpoints need a Project.
        project = self.client.projects.get(listed.id, lazy=True)
        languages = _percent(self._call("project", project.languages))
        readme = ""
        branch = getattr(listed, "default_branch", None)
        if getattr(listed, "readme_url", None) and branch:
            path = listed.readme_url.rsplit(f"/blob/{branch}/", 1)[-1]
            readme = self._call("project", lambda: _gitlab_readme(project, path, branch))
        since = (now - _RECENT).strftime("%Y-%m-%dT%H:%M:%SZ")
        listed_mrs = self._call(
            "merge_requests", lambda: project.mergerequests.list(state="merged", updated_after=since, iterator=True)
        )
        merged = sum(
            1 for mr in self._each("merge_requests", listed_mrs) if (_when(mr.merged_at) or now) >= now - _RECENT
        )
        return languages, readme_summary(readme), merged


def _catalogue_for(settings: Any, source: str, client: Any) -> Any:
    provider, _, owner = source.partition(":")
    owner = owner.strip("/") or None
    if provider == "github":
        from sleuth.tools.github_forge import client_from_settings

        client = client or client_from_settings(settings.github)[0]
        return GitHubCatalogue(client, owner, installation=settings.github.app_id is not None)
    from sleuth.tools.gitlab_forge import client_from_settings as gitlab_client_from_settings

    client = client or gitlab_client_from_settings(settings.gitlab)[0]
    return GitLabCatalogue(client, owner)


def catalogue_forge(
    settings: Any,
    index: Any,
    source: str,
    *,
    client: Any = None,
    now: datetime | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> CatalogueResult:
    """Profile every repository `source` lists (`github:`, `github:OWNER`, `gitlab:`, `gitlab:GROUP`) into the index."""
    from sleuth.redact import redact

    if not is_forge_spec(source):
        raise SleuthError(
            f"not a forge to catalogue: {source!r}", hint="write github:, github:OWNER, gitlab: or gitlab:GROUP"
        )
    now = now or datetime.now(UTC)
    catalogue = _catalogue_for(settings, source, client)
    provider = source.partition(":")[0]
    secrets = settings.secrets()
    result = CatalogueResult(source)
    for repo, handle in catalogue.repositories():
        result.listed += 1
        name = repo.full_name.rsplit("/", 1)[-1]
        spec = f"{provider}:{repo.full_name}"
        registered = index.store.repo(name)
        if registered and registered["path"] != spec:
            # Already mirrored (its profile is the mirror's, richer) or another repository of that name.
            result.skipped.append(f"{spec}: {name} is already indexed from {registered['path']}")
            continue
        if repo.archived:
            result.skipped.append(f"{spec}: archived")
            continue
        old = (registered or {}).get("profile") or {}
        if (
            repo.pushed_at
            and old.get("last_change_at")
            and _utc(datetime.fromisoformat(old["last_change_at"])) == repo.pushed_at
        ):
            result.unchanged += 1  # nothing pushed since it was profiled
            continue
        languages, summary, merged = catalogue.details(handle, now)
        services = (registered or {}).get("services") or [name]
        profile = RepoProfile(
            name=name,
            path=spec,
            description=redact(repo.description, secrets),
            readme_summary=redact(summary, secrets),
            languages=languages,
            services=services,
            topics=repo.topics,
            url=repo.url,
            changes_last_30_days=merged,
            last_change_at=repo.pushed_at,
        )
        index.store.register_repo(name, spec, None, services)
        store_profile(index, profile)
        result.profiled += 1
        if on_progress is not None:
            on_progress(spec)
    return result
