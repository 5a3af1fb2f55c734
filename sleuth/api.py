"""The Python API: `investigate(incident, repo=…) -> Report`, for notebooks and scripts."""

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sleuth.config import Settings, load_settings
from sleuth.models import Deploy, Incident, Report

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
) -> Report:
    """Investigate an incident against a local repository and return the report.

    The workspace sandbox is created for this investigation and deleted when it ends, whether it
    succeeds or fails.
    """
    from sleuth.agents.context import InvestigationContext
    from sleuth.graphs.investigation import build_graph
    from sleuth.inputs import parse_incident
    from sleuth.tools.local_git import LocalGitHost
    from sleuth.tools.sandbox import BubblewrapSandbox

    settings = settings or load_settings()
    if not isinstance(incident, Incident):
        incident = parse_incident(incident)
    host = LocalGitHost(repo or settings.repo_for(incident.service))
    service = settings.service_settings(incident.service)
    branch = branch or (service.branch if service else None)
    sandbox = BubblewrapSandbox(
        timeout_seconds=settings.sandbox.timeout_seconds,
        output_limit_bytes=settings.sandbox.output_limit_bytes,
    )
    try:
        graph = build_graph()
        context = InvestigationContext(host=host, sandbox=sandbox, settings=settings)
        inputs = {
            "incident": incident,
            "repo": str(host.path),
            "branch": branch,
            "deploys": list(deploys),
            "window_days": window_days or settings.window_days,
        }
        report: Report | None = None
        for mode, chunk in graph.stream(inputs, context=context, stream_mode=["custom", "values"]):
            if mode == "custom" and on_progress is not None:
                on_progress(chunk["node"], chunk["message"])
            elif mode == "values" and "report" in chunk:
                report = chunk["report"]
        assert report is not None, "the graph ended without a report"
        return report
    finally:
        sandbox.destroy()
