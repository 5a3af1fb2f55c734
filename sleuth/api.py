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
    checkpointer: Any = None,
    thread_id: str | None = None,
) -> Report:
    """Investigate an incident and return the report.

    `repo` is a local path, `github:owner/name` or `gitlab:group/project` (mirrored first); None means
    the service's configured repository, or the catalogue's best match. The workspace sandbox lives
    for this run and is deleted when it ends, whether it succeeds or fails. With `use_index` None
    (the default) the change index is used when the repository has been synced into it (and is
    brought up to date first); True requires it, False skips it. Deploys stored in the index are
    used when none are passed. With a `checkpointer` (`sleuth.checkpoints.sqlite_checkpointer`) each
    step is saved under `thread_id`, and `resume_investigation` continues it from any process.
    """
    from sleuth.agents.context import InvestigationContext

    settings = settings or load_settings()
    inputs = investigation_input(
        incident, repo, branch=branch, deploys=deploys, window_days=window_days, settings=settings
    )
    context = InvestigationContext(settings=settings, use_index=use_index)
    return stream_investigation(inputs, context, on_progress, checkpointer=checkpointer, thread_id=thread_id)


def run_investigation(
    host: "Mirror",
    incident: Incident,
    *,
    branch: str | None,
    deploys: list[Deploy],
    window_days: int,
    settings: Settings,
    notes: list[str] | None = None,
    on_progress: ProgressCallback | None = None,
    checkpointer: Any = None,
    thread_id: str | None = None,
) -> Report:
    """Run the investigation graph over a given mirror (e.g. an eval case's view of the past), without the index."""
    from sleuth.agents.context import InvestigationContext

    inputs = investigation_input(
        incident, str(host.path), branch=branch, deploys=deploys, window_days=window_days, settings=settings
    )
    inputs["notes"] = [*(notes or []), *inputs["notes"]]
    context = InvestigationContext(settings=settings, use_index=False, mirror=host)
    return stream_investigation(inputs, context, on_progress, checkpointer=checkpointer, thread_id=thread_id)


def investigation_input(
    incident: Incident | dict[str, Any],
    repo: str | Path | None,
    *,
    branch: str | None = None,
    deploys: Iterable[Deploy] = (),
    window_days: int | None = None,
    settings: Settings,
) -> dict[str, Any]:
    """The graph's input: the incident parsed, cut to its excerpt and redacted; branch and window from settings."""
    from sleuth.agents.intake import intake_incident

    incident, notes = intake_incident(incident, settings.secrets())
    service = settings.service_settings(incident.service)
    return {
        "incident": incident,
        "repo": str(repo) if repo is not None else None,
        "branch": branch or (service.branch if service else None),
        "deploys": list(deploys),
        "window_days": window_days or settings.window_days,
        "notes": notes,
    }


def stream_investigation(
    inputs: dict[str, Any] | None,
    context: Any,
    on_progress: ProgressCallback | None = None,
    *,
    checkpointer: Any = None,
    thread_id: str | None = None,
) -> Report:
    """Stream the graph from `inputs` (None: resume `thread_id` from its checkpoint) and return the report."""
    from sleuth.graphs.investigation import build_graph
    from sleuth.redact import redact, redact_model

    settings = context.settings
    secrets = settings.secrets()
    context.resources.llm(context)  # a model without its key fails here, before any work
    config = {"configurable": {"thread_id": thread_id or "investigation"}} if checkpointer is not None else None
    report: Report | None = None
    try:
        graph = build_graph(checkpointer)
        for mode, chunk in graph.stream(inputs, config, context=context, stream_mode=["custom", "values"]):
            if mode == "custom" and on_progress is not None:
                on_progress(chunk["node"], redact(chunk["message"], secrets))
            elif mode == "values" and "report" in chunk:
                report = chunk["report"]
    finally:
        context.resources.close()
    if report is None:
        from sleuth.errors import SleuthError

        raise SleuthError("the investigation stopped before its report (interrupted)", hint="resume its thread")
    # A secret quoted anywhere (a log line, a commit message, code) never leaves in the report: by value,
    # and by shape (tokens, keys, credentials in URLs, card numbers, IP and e-mail addresses).
    return redact_model(report, secrets)


def resume_investigation(
    thread_id: str,
    checkpointer: Any,
    *,
    settings: Settings | None = None,
    on_progress: ProgressCallback | None = None,
    use_index: bool | None = None,
) -> Report:
    """Continue a checkpointed investigation where it stopped, in this process, with a fresh workspace."""
    from sleuth.agents.context import InvestigationContext

    context = InvestigationContext(settings=settings or load_settings(), use_index=use_index)
    return stream_investigation(None, context, on_progress, checkpointer=checkpointer, thread_id=thread_id)
