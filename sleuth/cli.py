"""The `sleuth` command line. Heavy modules are imported inside commands so `--help` stays fast."""

import json
import sqlite3
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from sleuth import cli_auth, cli_deploy, cli_eval, cli_index, cli_sandbox
from sleuth.cli_common import console, fail
from sleuth.errors import SleuthError

app = typer.Typer(
    help="sleuth: find the change that caused an incident, explain it, and draft a tested fix.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(cli_index.app, name="index")
app.add_typer(cli_deploy.app, name="deploy")
app.add_typer(cli_sandbox.app, name="sandbox")
app.add_typer(cli_eval.app, name="eval")
app.add_typer(cli_auth.app, name="auth")

DEFAULT_DEMO_DIR = Path(".sleuth-demo")


def _progress(node: str, message: str) -> None:
    console.print(f"[cyan]▸ {node:<15}[/] {message}", highlight=False)


def _check_outputs(*paths: Path | None) -> None:
    """Refuse, before any work, a report path whose folder does not exist (nothing is half-written)."""
    for path in paths:
        if path is not None and not path.parent.is_dir():
            raise SleuthError(f"cannot write {path}: folder {path.parent} does not exist", hint="create it first")
        if path is not None and path.is_dir():
            raise SleuthError(f"cannot write {path}: it is a folder", hint="give a file name")


def _write_outputs(report: Any, json_path: Path | None, md_path: Path | None) -> tuple[str, str | None]:
    """Write the requested reports, and the fix's patch beside them; return the Markdown and the patch path."""
    from sleuth.render import to_markdown

    markdown = to_markdown(report)
    if json_path:
        json_path.write_text(report.to_json(), encoding="utf-8")
        console.print(f"JSON report: {json_path}")
    if md_path:
        md_path.write_text(markdown, encoding="utf-8")
        console.print(f"Markdown report: {md_path}")
    patch = None
    beside = md_path or json_path
    if beside is not None and report.fix is not None and report.fix.diff.strip():
        patch = beside.with_name(f"{beside.stem}.patch")
        patch.write_text(report.fix.diff if report.fix.diff.endswith("\n") else report.fix.diff + "\n")
    return markdown, str(patch.resolve()) if patch else None


def _show(report: Any, outputs: tuple[str, str | None], verbose: bool) -> None:
    """The full Markdown with --verbose; else the summary that stays readable at 80 columns."""
    from sleuth.render import to_summary

    markdown, patch = outputs
    _print_markdown(markdown if verbose else to_summary(report, patch))
    if not verbose:
        console.print("(the full report, candidates and evidence: --verbose, or the Markdown file)", style="dim")


def _print_markdown(markdown: str) -> None:
    from rich.markdown import Markdown

    console.print(Markdown(markdown, code_theme="ansi_dark"))


@app.command()
def demo(
    directory: Annotated[Path, typer.Option("--dir", help="Where to build the demo estate.")] = DEFAULT_DEMO_DIR,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the JSON report here.")] = None,
    md_path: Annotated[Path | None, typer.Option("--md", help="Write the Markdown report here.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", help="Print the full report, not the summary.")] = False,
) -> None:
    """Build three demo service repos with a real incident, index them, and investigate it offline."""
    from sleuth import index_api
    from sleuth.api import investigate
    from sleuth.config import Settings
    from sleuth.demo.estate import build_estate

    try:
        _check_outputs(json_path, md_path)
        with console.status("building the demo estate (3 repos, a month of history, deploys)…"):
            estate = build_estate(directory.resolve())
        console.print(f"Demo estate: [bold]{estate.root}[/] (repos: {', '.join(estate.repos)})")
        console.print(f"Incident: {estate.incident_path}  Deploys: {estate.deploys_path}")
        settings = Settings(
            services={name: {"repo": str(path)} for name, path in estate.repos.items()},
            index={"path": str(estate.root / "index")},
        )
        with console.status("indexing the three repositories (offline embeddings) and their deploys…"):
            synced = index_api.sync(settings)
            index_api.ingest_deploys(settings, estate.deploys)
        for result in synced:
            console.print(f"Indexed {result.repo}: {result.added} changes in {result.seconds:.1f}s", highlight=False)
        report = investigate(estate.incident, settings=settings, on_progress=_progress, use_index=True)
    except SleuthError as exc:
        fail(str(exc))
    _show(report, _write_outputs(report, json_path, md_path or estate.root / "report.md"), verbose)
    top = report.top
    named = top.culprit_sha if top else None
    if named != estate.culprit_sha or not (report.fix and report.fix.validated):
        fail(f"demo check failed: expected culprit {estate.culprit_sha[:10]} with a validated fix", 1)
    console.print(f"[bold green]✔ demo check:[/] named the planted culprit {named[:10]} first, fix validated")


@app.command()
def investigate(
    incident_file: Annotated[Path, typer.Argument(help="Incident as .json or .yaml.")],
    repo: Annotated[
        str | None,
        typer.Option(help="Local git repository, github:OWNER/NAME or gitlab:GROUP/PROJECT (default: from config)."),
    ] = None,
    deploys: Annotated[Path | None, typer.Option(help="Deploy events: JSON, JSON Lines or CSV.")] = None,
    branch: Annotated[str | None, typer.Option(help="Branch to read changes from (default HEAD).")] = None,
    window_days: Annotated[int | None, typer.Option(help="Days before the incident to search.")] = None,
    allow_no_trace: Annotated[bool, typer.Option(help="Investigate even without a stack trace.")] = False,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the JSON report here.")] = None,
    md_path: Annotated[Path | None, typer.Option("--md", help="Write the Markdown report here.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", help="Print the full report, not the summary.")] = False,
) -> None:
    """Investigate an incident against a repository and print the report."""
    from sleuth.agents.plan import plan
    from sleuth.api import investigate as run_investigation
    from sleuth.config import load_settings
    from sleuth.inputs import load_deploys, load_incident

    try:
        _check_outputs(json_path, md_path)
        incident = load_incident(incident_file)
        if not allow_no_trace and not plan(incident).exceptions:
            raise SleuthError(
                f"{incident_file}: no stack trace found in the incident's logs or description",
                hint="paste the error's traceback into `logs`, or pass --allow-no-trace",
            )
        report = run_investigation(
            incident,
            repo,  # a path, a spec, owner/name or a URL: resolved by the graph (locate-code)
            branch=branch,
            deploys=load_deploys(deploys) if deploys else [],
            window_days=window_days,
            settings=load_settings(),
            on_progress=_progress,
        )
    except SleuthError as exc:
        fail(str(exc))
    _show(report, _write_outputs(report, json_path, md_path), verbose)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8787,
) -> None:
    """Receive GitHub/GitLab webhooks (POST /webhooks/github, /webhooks/gitlab; GET /healthz) and index them."""
    from sleuth.config import load_settings
    from sleuth.server import queue_path
    from sleuth.server import serve as run_server

    try:
        settings = load_settings()
        secrets = (settings.webhooks.github_secret, settings.webhooks.gitlab_token)
        if not any(secret is not None and secret.get_secret_value() for secret in secrets):
            raise SleuthError(
                "no webhook secret is configured, so no delivery could be verified",
                hint='set [webhooks] github_secret = "env:NAME" and/or gitlab_token = "env:NAME"',
            )
    except SleuthError as exc:
        fail(str(exc))
    console.print(f"sleuth serve: http://{host}:{port} (queue {queue_path(settings)})", highlight=False)
    run_server(settings, host=host, port=port)


@app.command()
def chat(
    incident_file: Annotated[
        Path | None, typer.Argument(help="Incident as .json or .yaml (omit with --resume).")
    ] = None,
    repo: Annotated[
        str | None, typer.Option(help="Local git repository, github:OWNER/NAME or gitlab:GROUP/PROJECT.")
    ] = None,
    deploys: Annotated[Path | None, typer.Option(help="Deploy events: JSON, JSON Lines or CSV.")] = None,
    resume: Annotated[str | None, typer.Option(help="Resume a session: its thread id, or `last`.")] = None,
) -> None:
    """Debug an incident in a chat-style session: explain, show, why, timeline, fix, approve, ask."""
    from sleuth.cli_chat import run_chat

    raise typer.Exit(run_chat(incident_file, repo, deploys, resume))


@app.command()
def mcp(
    transport: Annotated[
        str, typer.Option(help="stdio (default), or http: streamable HTTP on --host/--port.")
    ] = "stdio",
    host: Annotated[str, typer.Option(help="Interface for http (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port for http.")] = 8765,
) -> None:
    """Serve sleuth's read-only tools over MCP: investigate, get_report, explain, list_changes, show_change."""
    from sleuth.mcp_server import run_server

    if transport not in ("stdio", "http"):
        fail(f"--transport must be stdio or http, not {transport!r}")
    run_server("stdio" if transport == "stdio" else "http", host=host, port=port)


@app.command()
def signals(
    source: Annotated[str, typer.Argument(help="Incident file (.json/.yaml), a log file, or - for stdin.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show what sleuth understands from an incident or raw log text."""
    from datetime import UTC, datetime

    from sleuth.agents.plan import plan
    from sleuth.inputs import load_incident
    from sleuth.models import Incident
    from sleuth.tools.log_excerpt import read_log

    try:
        if source == "-":
            logs = read_log(sys.stdin.buffer)
        elif Path(source).suffix.lower() in (".json", ".yaml", ".yml"):
            logs = None
            incident = load_incident(Path(source))
        else:
            path = Path(source)
            if not path.is_file():
                raise SleuthError(f"file not found: {source}")
            with path.open("rb") as stream:
                logs = read_log(stream)
        if logs is not None:  # a raw log of any size arrives already cut to its excerpt
            incident = Incident(logs=logs.text, started_at=datetime.now(UTC))
        found = plan(incident)
        if logs is not None and (note := logs.note("the log")):
            found.notes.insert(0, note)
    except SleuthError as exc:
        fail(str(exc))
    if as_json:
        data = found.model_dump(mode="json")
        for exc in data["exceptions"]:
            for frame in exc["frames"]:
                frame.pop("repo_path", None)
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    console.print(f"language: {found.language or '-'}   error class: {found.error_class} ({found.error_class_reason})")
    console.print(f"first error: {found.first_error_at.isoformat()}   services: {', '.join(found.services) or '-'}")
    if found.failing_tests:
        console.print(f"failing tests: {', '.join(found.failing_tests)}")
    for note in found.notes:
        console.print(f"note: {note}", highlight=False, markup=False)
    if not found.exceptions:
        console.print("no stack trace found")
    for exc in found.exceptions:
        console.print(f"[bold]{exc.type}[/]: {exc.message}", highlight=False)
        for frame in exc.frames:
            tag = "app" if frame.in_app else "lib"
            console.print(f"   [{tag}] {frame.file}:{frame.line} in {frame.function}", highlight=False, markup=False)


def _redacted_logging() -> None:
    """Warnings and errors go to stderr redacted (secrets by value and shape), like every other output."""
    import logging

    from sleuth.redact import RedactingFilter

    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())  # the configured secrets are scrubbed where they are known
    logging.getLogger().addHandler(handler)


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    # SIGTERM (a stopped container, `kill`) unwinds like Ctrl-C: finally blocks delete the workspace.
    raise SystemExit(128 + signum)


def main() -> None:
    """Entry point that turns user errors into one line on stderr."""
    import signal

    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    _redacted_logging()
    try:
        app()
    except SleuthError as exc:
        fail(str(exc))
    except sqlite3.DatabaseError as exc:  # a damaged store found mid-query (opening one checks already)
        fail(f"a sleuth database is damaged ({exc}) (run `sleuth index reset --yes` and sync again)")


if __name__ == "__main__":
    main()
