"""`sleuth deploy …`: ingest deploy events, list them with their changes, correlate with an anomaly."""

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from sleuth.cli_common import console, fail
from sleuth.errors import SleuthError

app = typer.Typer(
    help="Deploy events: what shipped when, and what shipped just before an anomaly.", no_args_is_help=True
)

DeploysOption = Annotated[
    Path | None, typer.Option("--deploys", help="Read deploys from this file instead of the index.")
]


@app.command()
def ingest(
    file: Annotated[
        str,
        typer.Argument(
            help="Deploys: JSON, JSON Lines or CSV; - reads stdin; github:OWNER/NAME reads its Deployments."
        ),
    ],
    service: Annotated[
        str | None, typer.Option(help="With github:, the service they deploy (default: the repo name).")
    ] = None,
) -> None:
    """Store deploy events and tie each to the commits it carried (previous deploy's sha..its sha)."""
    from sleuth import index_api
    from sleuth.config import load_settings
    from sleuth.inputs import load_deploys
    from sleuth.tools.forge_sync import forge_deploys, is_forge_spec

    try:
        settings = load_settings()
        if is_forge_spec(file):
            events = forge_deploys(settings, file, service)
        elif file == "-":
            events = load_deploys(Path("<stdin>"), sys.stdin.read())
        else:
            events = load_deploys(Path(file))
        result = index_api.ingest_deploys(settings, events)
    except SleuthError as exc:
        fail(str(exc))
    console.print(
        f"{result.received} deploy(s) read, {result.new} new; ship times updated for: {', '.join(result.repos) or '-'}",
        highlight=False,
    )
    for note in result.notes:
        console.print(f"  note: {escape(note)}", highlight=False)


@app.command()
def remove(
    service: Annotated[str, typer.Argument(help="The service the deploy belongs to.")],
    sha: Annotated[str, typer.Argument(help="The deployed sha, or a prefix of at least 4 hex digits.")],
    env: Annotated[str | None, typer.Option(help="Only the deploy to this environment.")] = None,
    at: Annotated[str | None, typer.Option(help="Only the deploy at this time (ISO 8601).")] = None,
) -> None:
    """Remove one stored deploy (a bad feed row) and recompute ship times without it."""
    from sleuth import index_api
    from sleuth.config import load_settings
    from sleuth.inputs import parse_time

    try:
        moment = parse_time(at) if at else None
        removed, result = index_api.remove_deploy(load_settings(), service, sha, environment=env, at=moment)
    except SleuthError as exc:
        fail(str(exc))
    console.print(
        f"removed the deploy of {removed.service}/{removed.environment} {removed.sha[:12]}"
        f" at {removed.at:%Y-%m-%d %H:%M}; ship times recomputed for: {', '.join(result.repos) or '-'}",
        highlight=False,
    )
    for note in result.notes:
        console.print(f"  note: {escape(note)}", highlight=False)


def _views(
    service: str,
    since: str,
    deploys_file: Path | None,
    anomaly_at: datetime | None,
    env: str | None,
    now: datetime | None = None,
) -> Any:
    from sleuth import index_api
    from sleuth.config import load_settings
    from sleuth.inputs import load_deploys, parse_duration

    deploys = load_deploys(deploys_file) if deploys_file else None
    return index_api.list_deploys(
        load_settings(),
        service,
        since=parse_duration(since),
        deploys=deploys,
        anomaly_at=anomaly_at,
        environment=env,
        now=now,
    )


def _print(views: list[Any], notes: list[str], anomaly_at: datetime | None, as_json: bool) -> None:
    if as_json:
        rows = [
            {
                "deploy": v.deploy.model_dump(mode="json"),
                "carried": v.carried,
                "unknown_sha": v.unknown_sha,
                "near_anomaly": v.near_anomaly,
                "changes": [{"sha": c.sha, "title": c.title, "author": c.author} for c in v.changes],
            }
            for v in views
        ]
        sys.stdout.write(json.dumps({"deploys": rows, "notes": notes}, indent=2) + "\n")
        return
    if anomaly_at:
        console.print(f"anomaly at {anomaly_at:%Y-%m-%d %H:%M:%S %Z}", highlight=False)
    if not views:
        console.print("no deploys in the window")
    for view in views:
        d = view.deploy
        flag = "[bold red]⚠ shipped ≤30 min before the anomaly[/] " if view.near_anomaly else ""
        console.print(
            f"{flag}[bold]{d.at:%Y-%m-%d %H:%M}[/] {d.service}/{d.environment} {d.sha[:10]} ({d.status})",
            highlight=False,
        )
        if view.unknown_sha:
            console.print("    sha unknown to the repository: cannot tell what it carried", highlight=False)
        elif view.first_on_record:
            console.print(f"    first deploy on record: carried all {view.carried} earlier change(s)", highlight=False)
        for change in view.changes:
            line = escape(f"{change.short_sha} {change.title} ({change.author})")
            console.print(f"    [red]{line}[/]" if view.near_anomaly else f"    {line}", highlight=False)
        if view.carried > len(view.changes) and not view.first_on_record:
            console.print(f"    … and {view.carried - len(view.changes)} more", highlight=False)
    for note in notes:
        console.print(f"note: {escape(note)}", highlight=False)


@app.command("list")
def list_(
    service: Annotated[str, typer.Argument(help="The service whose deploys to show.")],
    since: Annotated[str, typer.Option(help="How far back: 30m, 12h, 7d, 2w.")] = "7d",
    at: Annotated[str | None, typer.Option(help="Count back from here (ISO 8601; default now).")] = None,
    env: Annotated[str | None, typer.Option(help="Only this environment.")] = None,
    deploys: DeploysOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List a service's deploys, newest first, with the changes each carried."""
    from sleuth.inputs import parse_time

    try:
        views, notes = _views(service, since, deploys, None, env, parse_time(at) if at else None)
    except SleuthError as exc:
        fail(str(exc))
    _print(views, notes, None, as_json)


@app.command()
def correlate(
    service: Annotated[str, typer.Argument(help="The service that misbehaved.")],
    since: Annotated[str, typer.Option(help="How far back from the anomaly: 30m, 12h, 7d.")] = "7d",
    at: Annotated[str | None, typer.Option(help="When the anomaly started (ISO 8601).")] = None,
    incident: Annotated[Path | None, typer.Option(help="Take the anomaly time from an incident's first error.")] = None,
    env: Annotated[str | None, typer.Option(help="Only this environment.")] = None,
    deploys: DeploysOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Deploys before an anomaly and their changes; those shipped within 30 minutes before it are flagged."""
    from datetime import UTC

    from sleuth.inputs import load_incident, parse_time

    try:
        if at and incident:
            raise SleuthError("give --at or --incident, not both")
        if incident:
            from sleuth.agents.plan import plan

            anomaly_at = plan(load_incident(incident)).first_error_at
        else:
            anomaly_at = parse_time(at) if at else datetime.now(UTC)
        views, notes = _views(service, since, deploys, anomaly_at, env)
    except SleuthError as exc:
        fail(str(exc))
    _print(views, notes, anomaly_at, as_json)
