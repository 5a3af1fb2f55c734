"""The Python API of the change index and deploys: sync, status, search, ingest, list, correlate.

The CLI's `sleuth index …` and `sleuth deploy …` commands are thin wrappers over these functions,
so notebooks get exactly what the command line gets.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sleuth.config import Settings
from sleuth.errors import SleuthError
from sleuth.models import Change, Deploy

if TYPE_CHECKING:
    from sleuth.tools.change_index import ChangeIndex, IndexHit
    from sleuth.tools.index_sync import SyncResult
    from sleuth.tools.local_git import LocalGitHost


def open_index(settings: Settings, index_dir: Path | None = None) -> ChangeIndex:
    """Open (creating if needed) the change index the settings point to."""
    from sleuth.tools.change_index import ChangeIndex

    return ChangeIndex(settings, index_dir)


def _repo_targets(settings: Settings, repos: list[str] | None) -> list[tuple[str, list[str]]]:
    configured = settings.repos()
    if repos:
        return [(repo, configured.get(repo, [])) for repo in repos]
    if not configured:
        raise SleuthError(
            "no repositories to index", hint="pass --repo PATH, or set default_repo / [services.NAME] in sleuth.toml"
        )
    return list(configured.items())


def sync(
    settings: Settings,
    repos: list[str] | None = None,
    *,
    index: ChangeIndex | None = None,
    branch: str | None = None,
    on_progress: Callable[[str, int], None] | None = None,
    forge_client: Any = None,
) -> list[SyncResult]:
    """Sync the given repositories (default: every configured one) into the index.

    A repository is a local path, `github:owner/name` or `gitlab:group/project` (fetched into its mirror,
    then annotated with its pull/merge requests; `forge_client` replaces the PyGithub or python-gitlab
    client built from [github] / [gitlab]).
    """
    from sleuth.tools.catalogue import profile_repo, store_profile
    from sleuth.tools.forge_sync import annotate_from_forge, forge_target, is_forge_spec
    from sleuth.tools.index_sync import sync_lock, sync_repo
    from sleuth.tools.local_git import LocalGitHost

    owned = index is None
    index = index or open_index(settings)
    results = []
    try:
        with sync_lock(index.dir):
            for repo, services in _repo_targets(settings, repos):
                forge = None
                if is_forge_spec(repo):
                    host, forge = forge_target(settings, repo, forge_client)
                else:
                    host = LocalGitHost(repo)
                previous = (index.store.repo(host.name) or {}).get("synced_at")
                repo_branch = branch or settings.branch_for_repo(repo)
                result = sync_repo(index, host, repo_branch, services or [host.name], on_progress)
                result.notes.extend(host.gaps().notes())
                if forge is not None:
                    touched = annotate_from_forge(index, host.name, forge, previous, settings.secrets())
                    result.notes.append(f"{repo}: {touched} change(s) linked to their pull/merge requests")
                store_profile(index, profile_repo(host, repo_branch, services or [host.name]))
                results.append(result)
                _retie(index, host)
    finally:
        if owned:
            index.close()
    return results


def catalogue(
    settings: Settings,
    sources: list[str],
    *,
    index: ChangeIndex | None = None,
    client: Any = None,
    now: datetime | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> list[Any]:
    """Profile every repository a forge lists (`github:`, `github:OWNER`, `gitlab:`, `gitlab:GROUP`) into the
    catalogue, without cloning; an investigation mirrors the one it picks."""
    from sleuth.tools.forge_catalogue import catalogue_forge
    from sleuth.tools.index_sync import sync_lock

    owned = index is None
    index = index or open_index(settings)
    try:
        with sync_lock(index.dir):
            return [
                catalogue_forge(settings, index, s, client=client, now=now, on_progress=on_progress) for s in sources
            ]
    finally:
        if owned:
            index.close()


@dataclass
class RepoStatus:
    """One repository's place in the index."""

    name: str
    path: str
    services: list[str]
    changes: int
    in_chroma: int
    cursor: str | None
    synced_at: datetime | None


def status(settings: Settings, index: ChangeIndex | None = None) -> list[RepoStatus]:
    """Return each indexed repository's change count (store and Chroma) and cursor."""
    owned = index is None
    index = index or open_index(settings)
    try:
        return [
            RepoStatus(
                name=r["name"],
                path=r["path"],
                services=r["services"],
                changes=r["changes"],
                in_chroma=index.count(r["name"])[1],
                cursor=r["cursor"],
                synced_at=r["synced_at"],
            )
            for r in index.store.repos()
        ]
    finally:
        if owned:
            index.close()


def search(
    settings: Settings,
    query: str,
    *,
    since: timedelta = timedelta(days=7),
    service: str | None = None,
    repos: list[str] | None = None,
    limit: int = 10,
    now: datetime | None = None,
    index: ChangeIndex | None = None,
) -> list[IndexHit]:
    """Search indexed changes by meaning and words, newest window first."""
    owned = index is None
    index = index or open_index(settings)
    try:
        names = repos or [r["name"] for r in index.store.repos_serving(service)]
        if not names:
            raise SleuthError(
                f"no indexed repository serves {service!r}" if service else "the index is empty",
                hint="run `sleuth index sync` first",
            )
        until = now or datetime.now(UTC)
        return index.search(query, names, until - since, until + timedelta(seconds=1), limit=limit)
    finally:
        if owned:
            index.close()


def reset(settings: Settings) -> Path:
    """Delete the index directory (embedded backend); return the path that was deleted."""
    path = settings.index_dir().expanduser().resolve()
    if path.exists():
        shutil.rmtree(path)
    return path


# --- deploys -------------------------------------------------------------------------------------
def _repos_for_service(index: ChangeIndex, settings: Settings, service: str) -> list[str]:
    paths = [r["path"] for r in index.store.repos_serving(service)]
    if not paths and (service in settings.services or settings.default_repo):
        paths = [settings.repo_for(service)]
    return paths


def _retie(index: ChangeIndex, host: Any) -> list[str]:
    """Recompute ship times of one repository's changes from every stored deploy of its services."""
    from sleuth.tools.deploys import first_shipped, tie_deploys

    info = index.store.repo(host.name) or {"services": [host.name]}
    deploys = [d for d in index.store.deploys() if d.service in info["services"] or d.service == host.name]
    tied, notes = tie_deploys(host, deploys)
    for service, environment in sorted({(t.deploy.service, t.deploy.environment) for t in tied}):
        stream = [t for t in tied if (t.deploy.service, t.deploy.environment) == (service, environment)]
        shipped = first_shipped(stream)
        index.store.replace_shipped(host.name, service, environment, shipped)
        index.mark_shipped(host.name, environment, shipped)
    return notes


@dataclass
class IngestResult:
    """What a deploy ingest stored and what it could not tie."""

    received: int
    new: int
    repos: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def ingest_deploys(settings: Settings, deploys: list[Deploy], index: ChangeIndex | None = None) -> IngestResult:
    """Store deploy events and tie each to the commits it carried (shipped_at per change)."""
    from sleuth.tools.local_git import LocalGitHost

    owned = index is None
    index = index or open_index(settings)
    try:
        received = len(deploys)
        deploys, rejected = _accepted_deploys(index, settings, deploys)
        new = index.store.add_deploys(deploys)
        result = IngestResult(received=received, new=new, notes=rejected)
        for service in sorted({d.service for d in deploys}):
            paths = _repos_for_service(index, settings, service)
            if not paths:
                result.notes.append(f"no repository known for service {service!r}: its deploys are stored, not tied")
            for path in paths:
                host = LocalGitHost(path)
                if index.store.repo(host.name) is None:
                    index.store.register_repo(host.name, str(host.path), None, [service])
                result.notes.extend(_retie(index, host))
                result.repos.append(host.name)
        result.notes = list(dict.fromkeys(result.notes))
        return result
    finally:
        if owned:
            index.close()


def remove_deploy(
    settings: Settings,
    service: str,
    sha: str,
    *,
    environment: str | None = None,
    at: datetime | None = None,
    index: ChangeIndex | None = None,
) -> tuple[Deploy, IngestResult]:
    """Remove one stored deploy (sha prefix, narrowed by environment/time) and re-tie ship times without it.

    More than one match is refused, naming them, so a short prefix never deletes a service's history.
    """
    from sleuth.tools.local_git import LocalGitHost

    if not _SHA.fullmatch(sha):
        raise SleuthError(
            f"{sha[:40]!r} is not a commit sha", hint="give the deploy's sha (or a prefix of 4+ hex digits)"
        )
    owned = index is None
    index = index or open_index(settings)
    try:
        matches = [
            d
            for d in index.store.deploys(service)
            if d.sha.lower().startswith(sha.lower())
            and (environment is None or d.environment == environment)
            and (at is None or int(d.at.timestamp()) == int(at.timestamp()))
        ]
        if not matches:
            raise SleuthError(
                f"no stored deploy of {service!r} matches sha {sha}",
                hint=f"see them with `sleuth deploy list {service} --since 365d`",
            )
        if len(matches) > 1:
            listed = "; ".join(f"{d.environment} {d.sha[:12]} at {d.at:%Y-%m-%dT%H:%M:%SZ}" for d in matches[:5])
            raise SleuthError(
                f"{len(matches)} deploys of {service!r} match sha {sha}: {listed}",
                hint="narrow it with --env and/or --at (the deploy's time), or give more of the sha",
            )
        index.store.remove_deploy(matches[0])
        result = IngestResult(received=1, new=0)
        for path in _repos_for_service(index, settings, service):
            host = LocalGitHost(path)
            if index.store.repo(host.name) is not None:
                result.notes.extend(_retie(index, host))
                result.repos.append(host.name)
        return matches[0], result
    finally:
        if owned:
            index.close()


_SHA = re.compile(r"[0-9a-fA-F]{4,64}")


def _accepted_deploys(index: ChangeIndex, settings: Settings, deploys: list[Deploy]) -> tuple[list[Deploy], list[str]]:
    """Deploys worth storing, and a note for each rejected one (a malformed sha, or one no repo has).

    A stored deploy of an unknown sha would be the service's "running code" for every later
    investigation; rejecting it at the door keeps one bad feed row from blocking them.
    """
    from sleuth.tools.local_git import LocalGitHost

    accepted, notes = [], []
    hosts: dict[str, list[LocalGitHost]] = {}
    for deploy in deploys:
        where = f"deploy of {deploy.service} at {deploy.at:%Y-%m-%d %H:%M}"
        if not _SHA.fullmatch(deploy.sha):
            notes.append(f"{where} rejected: {deploy.sha[:40]!r} is not a commit sha")
            continue
        if deploy.service not in hosts:
            hosts[deploy.service] = [LocalGitHost(p) for p in _repos_for_service(index, settings, deploy.service)]
        if hosts[deploy.service] and not any(_has(host, deploy.sha) for host in hosts[deploy.service]):
            names = ", ".join(host.name for host in hosts[deploy.service])
            notes.append(f"{where} rejected: sha {deploy.sha[:12]} is not in {names}")
            continue
        accepted.append(deploy)
    return accepted, notes


def _has(host: LocalGitHost, sha: str) -> bool:
    try:
        host.resolve(sha)
    except SleuthError:
        return False
    return True


@dataclass
class DeployView:
    """A deploy as `deploy list`/`correlate` show it: its changes, and whether it is suspect."""

    deploy: Deploy
    changes: list[Change]
    carried: int
    unknown_sha: bool = False
    first_on_record: bool = False
    near_anomaly: bool = False


def list_deploys(
    settings: Settings,
    service: str,
    *,
    since: timedelta = timedelta(days=7),
    deploys: list[Deploy] | None = None,
    anomaly_at: datetime | None = None,
    now: datetime | None = None,
    environment: str | None = None,
    max_changes: int = 50,
) -> tuple[list[DeployView], list[str]]:
    """Return the service's deploys in the window (newest first) with the changes each carried.

    With `anomaly_at`, the window ends there and deploys within 30 minutes before it are flagged.
    Deploys come from `deploys` when given, else from the index.
    """
    from sleuth.tools.deploys import deploys_of, near_anomaly, tie_deploys
    from sleuth.tools.local_git import LocalGitHost

    if deploys is None:
        index = open_index(settings)
        try:
            deploys = index.store.deploys(service)
            paths = _repos_for_service(index, settings, service)
        finally:
            index.close()
    else:
        paths = [settings.repo_for(service)]
    if not paths:
        raise SleuthError(f"no repository known for service {service!r}", hint="configure [services.NAME] or sync it")
    end = anomaly_at or now or datetime.now(UTC)
    start = end - since
    host = LocalGitHost(paths[0])
    history = deploys_of(deploys, service, environment)
    if not history:
        raise SleuthError(
            f"no deploys recorded for service {service!r}", hint="ingest some: `sleuth deploy ingest FILE`"
        )
    tied, notes = tie_deploys(host, [d for d in history if d.at <= end])
    views = []
    for record in reversed(tied):
        if record.deploy.at < start:
            continue
        shas = record.carried if not record.first_on_record else record.carried[:1]
        views.append(
            DeployView(
                deploy=record.deploy,
                changes=[host.change(sha) for sha in shas[:max_changes]],
                carried=len(record.carried),
                unknown_sha=record.sha is None,
                first_on_record=record.first_on_record,
                near_anomaly=anomaly_at is not None and near_anomaly(record.deploy, anomaly_at),
            )
        )
    if not views and tied:
        newest = max(record.deploy.at for record in tied)
        notes.append(
            f"no deploys in the {since} before {end:%Y-%m-%d %H:%M} UTC; the newest is from {newest:%Y-%m-%d %H:%M}"
            f" UTC (use --at {newest:%Y-%m-%dT%H:%M}Z or a longer --since)"
        )
    return views, notes
