"""The Python API: `investigate(incident, repo=…) -> Report`, for notebooks and scripts."""

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sleuth.config import Settings, load_settings
from sleuth.models import Deploy, Incident, Report

if TYPE_CHECKING:
    from sleuth.tools.code_host import Mirror

ProgressCallback = Callable[[str, str], None]


def investigate(
    incident: Incident | dict[str, Any],
    repo: str | Path | None = None,
    *,
    branch: str | None = None,
    deploys: Iterable[Deploy] = (),
    window_days: int | None = None,
    settings: Settings | None = None,
    on_progress: ProgressCallback | None = None,
    use_index: bool | None = None,
) -> Report:
    """Investigate an incident against a local repository and return the report.

    The workspace sandbox is created for this investigation and deleted when it ends, whether it
    succeeds or fails. With `use_index` None (the default) the change index is used when the
    repository has been synced into it (and is brought up to date first); True requires it, False
    skips it. Deploys stored in the index are used when none are passed.
    """
    from sleuth.inputs import parse_incident
    from sleuth.tools.forge_sync import is_forge_spec
    from sleuth.tools.local_git import LocalGitHost

    settings = settings or load_settings()
    if not isinstance(incident, Incident):
        incident = parse_incident(incident)
    chosen_notes: list[str] = []
    # No repository mapped to the service: the catalogue (local or a forge's) picks among several, or
    # among the forge's when none is configured at all.
    if (
        repo is None
        and incident.service not in settings.services
        and (len(settings.repos()) > 1 or not settings.default_repo)
    ):
        repo, chosen_notes = _choose_repo(settings, incident)
    repo = repo or settings.repo_for(incident.service)
    if isinstance(repo, str) and is_forge_spec(repo):
        repo, mirrored = _mirror(settings, repo, on_progress)
        chosen_notes += mirrored
    host = LocalGitHost(repo)
    service = settings.service_settings(incident.service)
    branch = branch or (service.branch if service else None)
    deploys = list(deploys)
    index, notes = _open_index(settings, host, branch, use_index, on_progress)
    if index is not None and not deploys and incident.service:
        deploys = index.store.deploys(incident.service)
    try:
        return run_investigation(
            host,
            incident,
            branch=branch,
            deploys=deploys,
            window_days=window_days or settings.window_days,
            settings=settings,
            index=index,
            notes=chosen_notes + notes,
            on_progress=on_progress,
        )
    finally:
        if index is not None:
            index.close()


def run_investigation(
    host: "Mirror",
    incident: Incident,
    *,
    branch: str | None,
    deploys: list[Deploy],
    window_days: int,
    settings: Settings,
    index: Any = None,
    notes: list[str] | None = None,
    on_progress: ProgressCallback | None = None,
    checkpointer: Any = None,
    thread_id: str | None = None,
) -> Report:
    """Run the investigation graph over a host (any mirror, e.g. an eval case's view of the past).

    With a `checkpointer` (e.g. `sleuth.checkpoints.sqlite_checkpointer`), each step is saved under
    `thread_id`.
    """
    from sleuth.agents.context import InvestigationContext
    from sleuth.graphs.investigation import build_graph
    from sleuth.llm import chat_model
    from sleuth.redact import scrub_model, scrub_values
    from sleuth.tools.sandbox import open_sandbox

    llm = chat_model(settings.llm)  # a missing key fails here, before a sandbox exists
    sandbox = open_sandbox(settings)
    try:
        graph = build_graph(checkpointer)
        context = InvestigationContext(host=host, sandbox=sandbox, settings=settings, index=index, llm=llm)
        secrets = settings.secrets()
        incident, intake_notes = _intake(incident, secrets)
        inputs = {
            "incident": incident,
            "repo": str(host.path),
            "branch": branch,
            "deploys": deploys,
            "window_days": window_days,
            "notes": [*(notes or []), *intake_notes],
        }
        report: Report | None = None
        config = {"configurable": {"thread_id": thread_id or "investigation"}} if checkpointer is not None else None
        for mode, chunk in graph.stream(inputs, config, context=context, stream_mode=["custom", "values"]):
            if mode == "custom" and on_progress is not None:
                on_progress(chunk["node"], scrub_values(chunk["message"], secrets))
            elif mode == "values" and "report" in chunk:
                report = chunk["report"]
        assert report is not None, "the graph ended without a report"
        # A configured secret quoted anywhere (a log line, a commit message) never leaves in the report.
        return scrub_model(report, secrets)
    finally:
        sandbox.destroy()


def _intake(incident: Incident, secrets: list[Any]) -> tuple[Incident, list[str]]:
    """The incident the graph holds: a huge log as its excerpt, and no secret (by value, keyword or shape).

    Redacted here, a token an engineer pasted with the logs reaches no state, checkpoint or report.
    """
    from sleuth.redact import redact
    from sleuth.tools.log_excerpt import excerpt_text

    logs = excerpt_text(incident.logs)
    update = {
        "title": redact(incident.title, secrets),
        "description": redact(incident.description, secrets),
        "logs": redact(logs.text, secrets),
    }
    return incident.model_copy(update=update), [note] if (note := logs.note()) else []


def _choose_repo(settings: Settings, incident: Incident) -> tuple[str, list[str]]:
    """Pick the repository for an incident no service mapping points to, from the catalogue."""
    from sleuth.agents.choose_repo import choose_repo
    from sleuth.errors import SleuthError
    from sleuth.tools.change_index import ChangeIndex

    if not (settings.index_dir() / "sidecar.sqlite3").exists():
        if not settings.repos():
            settings.repo_for(incident.service)  # raises: nothing configured and nothing catalogued
        raise SleuthError(
            f"several repositories are configured and none is mapped to service {incident.service!r}",
            hint="pass --repo, map the service in sleuth.toml, or run `sleuth index sync` to build the catalogue",
        )
    index = ChangeIndex(settings)
    try:
        return choose_repo(index, incident)
    finally:
        index.close()


def _mirror(settings: Settings, spec: str, on_progress: ProgressCallback | None) -> tuple[str, list[str]]:
    """A forge repository (`github:owner/name`, e.g. picked from the forge catalogue) is investigated from
    its mirror: fetch it and index it (with its PRs/MRs) first."""
    from sleuth import index_api
    from sleuth.tools.forge_mirror import mirror_path

    if on_progress is not None:
        on_progress("index", f"mirroring {spec}")
    result = index_api.sync(settings, [spec])[0]
    provider, _, name = spec.partition(":")
    return str(mirror_path(provider, name)), [f"{spec} mirrored and indexed ({result.added} new change(s))"]


def _open_index(
    settings: Settings, host: Any, branch: str | None, use_index: bool | None, on_progress: ProgressCallback | None
) -> tuple[Any, list[str]]:
    """Open the change index for this repository and bring it up to date, or say why not."""
    from sleuth.errors import SleuthError

    if use_index is False:
        return None, []
    store_path = settings.index_dir() / "sidecar.sqlite3"
    if use_index is None and not store_path.exists():
        return None, ["no change index: the window is read from git (run `sleuth index sync` to build one)"]
    from sleuth.tools.change_index import ChangeIndex
    from sleuth.tools.index_sync import sync_lock, sync_repo

    index = ChangeIndex(settings)
    registered = index.store.repo(host.name)
    if use_index is None and (registered is None or registered["path"] != str(host.path)):
        index.close()
        return None, [f"{host.name} is not in the change index: the window is read from git"]
    if registered and branch and registered["branch"] not in (None, branch):
        index.close()
        return None, [f"the index holds {host.name}'s {registered['branch']} branch, not {branch}"]
    services = registered["services"] if registered else [host.name]
    try:
        with sync_lock(index.dir):
            result = sync_repo(index, host, branch, services)
    except SleuthError as exc:
        index.close()
        if use_index:
            raise
        return None, [f"change index not used: {exc}"]
    if on_progress is not None:
        on_progress("index", f"{result.added} new change(s) indexed for {host.name}")
    return index, [f"change index: {index.store.count(host.name)} changes of {host.name} indexed"]
