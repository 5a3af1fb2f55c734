"""intake: the incident as the graph may hold it — validated, a huge log cut to its excerpt, no secret in it.

In-process callers intake before the graph (so not even the checkpointed input holds a secret);
input that arrives as JSON (LangGraph Server, MCP) is taken in by the first node instead.
"""

from typing import Any

from sleuth.models import Deploy, Incident


def intake_incident(incident: Incident | dict[str, Any], secrets: list[Any]) -> tuple[Incident, list[str]]:
    """The incident validated, its logs excerpted, and redacted by value, keyword and shape; with a note of any cut."""
    from sleuth.inputs import parse_incident
    from sleuth.redact import redact
    from sleuth.tools.log_excerpt import excerpt_text

    if not isinstance(incident, Incident):
        incident = parse_incident(incident)
    logs = excerpt_text(_printable(incident.logs))
    update = {
        "title": redact(_printable(incident.title), secrets),
        "description": redact(_printable(incident.description), secrets),
        "logs": redact(logs.text, secrets),
        # A test id goes into a command line: a NUL there is not a test (and no argv can hold one).
        "failing_tests": [t for t in (_printable(t) for t in incident.failing_tests) if t.strip()],
    }
    return incident.model_copy(update=update), [note] if (note := logs.note()) else []


def _printable(text: str) -> str:
    """NUL is no character a log means: drop it (a subprocess argument cannot hold one)."""
    return text.replace("\x00", "") if "\x00" in text else text


def deploy_records(deploys: list[Deploy | dict[str, Any]]) -> list[Deploy]:
    """Deploys as records (JSON input gives mappings)."""
    return [d if isinstance(d, Deploy) else Deploy.model_validate(d) for d in deploys]
