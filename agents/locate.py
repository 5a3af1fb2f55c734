"""locate-code: which repository, at which sha — the code that was running when the incident started.

The repository is the one the caller named, else the service's configured one, else the catalogue's
best match (a forge repository is mirrored and indexed then). The change index is brought up to
date when the repository is in it, and its stored deploys stand in when none were given. The ref is
the last deploy before the first error, else the branch's head at that moment.
"""

from dataclasses import dataclass, field

from sleuth.agents.context import InvestigationContext
from sleuth.errors import SleuthError
from sleuth.models import Deploy, Incident, Signals
from sleuth.tools.code_host import Mirror
from sleuth.tools.deploys import deployed_ref_at
from sleuth.tools.forge_sync import is_forge_spec, resolve_repo_spec


@dataclass
class Located:
    repo: str
    ref: str
    deploys: list[Deploy]
    indexed: bool
    notes: list[str] = field(default_factory=list)


def _index_exists(context: InvestigationContext) -> bool:
    return (context.settings.index_dir() / "sidecar.sqlite3").exists()


def _from_catalogue(context: InvestigationContext, incident: Incident, signals: Signals) -> tuple[str, list[str]]:
    from sleuth.agents.choose_repo import choose_repo

    settings = context.settings
    if not _index_exists(context):
        if not settings.repos():
            settings.repo_for(incident.service)  # raises: nothing configured and nothing catalogued
        raise SleuthError(
            f"several repositories are configured and none is mapped to service {incident.service!r}",
            hint="pass --repo, map the service in sleuth.toml, or run `sleuth index sync` to build the catalogue",
        )
    frame_files = [f.file for f in signals.app_frames() if f.file]
    return choose_repo(context.resources.index(context), incident, frame_files)


def _mirrored(context: InvestigationContext, spec: str) -> tuple[str, list[str]]:
    """A forge repository (`github:owner/name`) is investigated from its mirror: fetch and index it first."""
    from sleuth import index_api
    from sleuth.tools.forge_mirror import mirror_path

    result = index_api.sync(context.settings, [spec], index=context.resources.index(context))[0]
    provider, _, name = spec.partition(":")
    return str(mirror_path(provider, name)), [f"{spec} mirrored and indexed ({result.added} new change(s))"]


def choose_repository(
    context: InvestigationContext, repo: str | None, incident: Incident, signals: Signals
) -> tuple[str, list[str]]:
    """The local path of the repository to investigate, and how it was chosen."""
    settings = context.settings
    if context.mirror is not None:
        return str(context.mirror.path), []
    notes: list[str] = []
    unmapped = incident.service not in settings.services
    # No repository mapped to the service: the catalogue (local or a forge's) picks among several, or
    # among the forge's when none is configured at all.
    default = settings.default_repo or settings.github.default_repo
    if repo is None and unmapped and (len(settings.repos()) > 1 or not default):
        repo, notes = _from_catalogue(context, incident, signals)
    repo = resolve_repo_spec(settings, repo or settings.repo_for(incident.service))
    if is_forge_spec(repo):
        repo, mirrored = _mirrored(context, repo)
        notes += mirrored
    return repo, notes


def bring_index_up_to_date(context: InvestigationContext, host: Mirror, branch: str | None) -> tuple[bool, list[str]]:
    """Whether the run uses the change index (brought up to date first), and why not when it does not."""
    from sleuth.tools.index_sync import sync_lock, sync_repo

    use_index = context.use_index
    if use_index is False or context.mirror is not None:
        return False, []
    if use_index is None and not _index_exists(context):
        return False, ["no change index: the window is read from git (run `sleuth index sync` to build one)"]
    index = context.resources.index(context)
    registered = index.store.repo(host.name)
    if use_index is None and (registered is None or registered["path"] != str(host.path)):
        return False, [f"{host.name} is not in the change index: the window is read from git"]
    if registered and branch and registered["branch"] not in (None, branch):
        return False, [f"the index holds {host.name}'s {registered['branch']} branch, not {branch}"]
    services = registered["services"] if registered else [host.name]
    try:
        with sync_lock(index.dir):
            result = sync_repo(index, host, branch, services)
    except SleuthError as exc:
        if use_index:
            raise
        return False, [f"change index not used: {exc}"]
    return True, [f"change index: {index.store.count(host.name)} changes of {host.name} indexed ({result.added} new)"]


def locate(
    context: InvestigationContext,
    repo: str | None,
    incident: Incident,
    signals: Signals,
    branch: str | None,
    deploys: list[Deploy],
) -> Located:
    path, notes = choose_repository(context, repo, incident, signals)
    host = context.resources.mirror(context, path)
    indexed, index_notes = bring_index_up_to_date(context, host, branch)
    if indexed and not deploys and incident.service:
        deploys = context.resources.index(context).store.deploys(incident.service)
    # Investigate the code that was running: the last deploy before the first error, if known.
    deployed, deploy_notes = deployed_ref_at(host, deploys, incident.service, signals.first_error_at)
    ref = deployed or host.head_at(branch, signals.first_error_at)
    return Located(str(host.path), ref, deploys, indexed, [*notes, *index_notes, *deploy_notes])
