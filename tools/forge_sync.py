"""Syncing a forge repository (`github:owner/name`, `gitlab:group/project`): fetch its mirror, index it, then add
what only the forge knows.

The changes themselves come from the mirror exactly as for a local clone (same enrichment, same
cursor, same resumability); the forge then annotates them by merge commit with the PR's number,
URL, reviewers and labels, for the PRs updated since the last sync.
"""

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sleuth.config import Settings
from sleuth.redact import scrub_model

if TYPE_CHECKING:
    from sleuth.tools.change_index import ChangeIndex
    from sleuth.tools.github_forge import GitHubReader
    from sleuth.tools.gitlab_forge import GitLabReader
    from sleuth.tools.local_git import LocalGitHost

FORGE_PREFIXES = ("github:", "gitlab:")
# A sync killed mid-way has stamped a later time than its PRs were read to: look back a little.
_OVERLAP = timedelta(days=1)


def is_forge_spec(repo: str) -> bool:
    return repo.startswith(FORGE_PREFIXES)


def _forge(settings: Settings, spec: str, client: Any, access: str | None = None) -> tuple[str, str, Any, Any]:
    """(provider, repository name, forge, token getter) for `github:…` or `gitlab:…`; access defaults to the
    provider section's."""
    from importlib import import_module

    provider, _, name = spec.partition(":")
    module = import_module(f"sleuth.tools.{provider}_forge")
    section = getattr(settings, provider)
    if client is None:
        client, token_of = module.client_from_settings(section)
    else:
        token = section.token.get_secret_value() if section.token else None
        token_of = lambda: token  # noqa: E731 - the injected client's own token, if any
    return provider, name, getattr(module, f"{provider}_forge")(name, client, access or section.access), token_of


def forge_target(
    settings: Settings, spec: str, client: Any = None
) -> tuple["LocalGitHost", "GitHubReader | GitLabReader"]:
    """The mirror (fetched now) and the forge of `github:owner/name` or `gitlab:group/subgroup/project`."""
    from sleuth.tools.forge_mirror import fetch_mirror, mirror_path
    from sleuth.tools.local_git import LocalGitHost

    provider, name, forge, token_of = _forge(settings, spec, client)
    # Over HTTPS GitHub takes a token as x-access-token's password, GitLab as oauth2's (its documented user).
    user = "oauth2" if provider == "gitlab" else "x-access-token"
    path = fetch_mirror(forge.clone_url, mirror_path(provider, name), token_of(), user=user)
    return LocalGitHost(path), forge


def annotate_from_forge(
    index: "ChangeIndex", repo: str, forge: "GitHubReader | GitLabReader", since: datetime | None, secrets: list[Any]
) -> int:
    """Merge the forge's PR/MR metadata into the indexed changes; return how many changes it touched."""
    updates: dict[str, dict[str, Any]] = {}
    for pull in forge.merged_changes(since - _OVERLAP if since else None):
        if not pull.merge_commit_sha:
            continue
        pull = scrub_model(pull, secrets)
        updates[pull.merge_commit_sha] = {
            "number": pull.number,
            "url": pull.url,
            "reviewers": pull.reviewers,
            "labels": pull.labels,
        }
    return index.store.annotate(repo, updates)


def forge_deploys(settings: Settings, spec: str, service: str | None = None, client: Any = None) -> list[Any]:
    """The successful deployments of `github:owner/name` or `gitlab:group/project` as Deploy records of `service`
    (default: the repo name)."""
    _, name, forge, _ = _forge(settings, spec, client, "read_only")  # reading deployments never needs more
    return forge.deployments(service or name.rsplit("/", 1)[-1])


def forge_for_mirror(settings: Settings, path: str, client: Any = None) -> tuple[Any, Any] | None:
    """(forge, token getter) when `path` is a forge repository's mirror (`…/mirrors/github/owner/name.git`),
    with the provider section's access level; None for any other repository."""
    from pathlib import Path

    from sleuth.tools.forge_mirror import mirrors_root

    try:
        relative = Path(path).resolve().relative_to(mirrors_root().resolve())
    except ValueError:
        return None
    parts = relative.parts
    if len(parts) < 3 or parts[0] not in ("github", "gitlab") or not parts[-1].endswith(".git"):
        return None
    name = "/".join([*parts[1:-1], parts[-1].removesuffix(".git")])
    _, _, forge, token_of = _forge(settings, f"{parts[0]}:{name}", client)
    return forge, token_of


def resolve_repo_spec(settings: Settings, repo: str) -> str:
    """A repository as the user wrote it → a local path or `github:`/`gitlab:` spec.

    `https://github.com/owner/name(.git)` and GitLab URLs (gitlab.com, or the configured hosts) become
    specs; a bare `owner/name` that is not a local path goes to the configured forge, else is refused.
    """
    import re
    from pathlib import Path
    from urllib.parse import urlparse

    from sleuth.errors import SleuthError

    if is_forge_spec(repo) or Path(repo).expanduser().exists():
        return repo
    if repo.startswith(("https://", "http://")):
        url = urlparse(repo)
        name = url.path.strip("/").removesuffix(".git").removesuffix("/-")
        github_hosts = {"github.com", urlparse(settings.github.base_url or "").hostname}
        gitlab_hosts = {"gitlab.com", urlparse(settings.gitlab.url or "").hostname}
        if url.hostname in github_hosts and name.count("/") == 1:
            return f"github:{name}"
        if url.hostname in gitlab_hosts and "/" in name:
            return f"gitlab:{name.split('/-/', 1)[0]}"
        raise SleuthError(
            f"{repo} is not a GitHub or GitLab repository sleuth knows", hint="clone it and pass the path"
        )
    if re.fullmatch(r"[\w.-]+/[\w.-]+", repo) and not repo.startswith("."):
        github = settings.github.token is not None or settings.github.app_id is not None
        gitlab = settings.gitlab.token is not None
        if github != gitlab:
            return f"{'github' if github else 'gitlab'}:{repo}"
        raise SleuthError(
            f"{repo} is not a local path",
            hint=f"write github:{repo} or gitlab:{repo}"
            + ("" if github else " (with [github] or [gitlab] credentials)"),
        )
    return repo
