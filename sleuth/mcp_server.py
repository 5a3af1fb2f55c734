"""`sleuth mcp`: sleuth's read-only tools for an IDE agent, over MCP (stdio, or streamable HTTP on loopback).

Tools: `investigate`, `get_report`, `explain`, `list_changes`, `show_change`, and the reading agent's
code tools (`read_file`, `grep`, `list_dir`, `find_definition`, `find_callers`, `blame_range`). Their signatures and
docstrings are the schemas the agent sees. None of them writes to a repository or a forge (approval
stays with a person, in `sleuth chat`); every result is scrubbed of the configured secrets and
redacted by shape, so no token leaves in a result. Reports are kept under `$SLEUTH_HOME/reports`.
"""

import functools
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sleuth.config import Settings, load_settings, sleuth_home
from sleuth.errors import SleuthError
from sleuth.models import Report

INSTRUCTIONS = (
    "sleuth investigates incidents: give `investigate` the incident (title, logs with the stack trace, "
    "started_at, service) and the repository; it returns the culprit change with its confidence and an "
    "investigation id for `get_report` and `explain`. `list_changes` and `show_change` read a repository's "
    "merged changes; read_file, grep, list_dir, find_definition, find_callers and blame_range read its code. "
    "Nothing here writes: fixes are approved by a person in `sleuth chat`."
)
MAX_DIFF_CHARS = 20_000
_ID = re.compile(r"^[0-9a-f]{6,32}$")


def reports_dir() -> Path:
    return sleuth_home() / "reports"


def _save(report: Report) -> None:
    reports_dir().mkdir(parents=True, exist_ok=True)
    path = reports_dir() / f"{report.investigation_id}.json"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(report.to_json(), encoding="utf-8")
    temporary.replace(path)


def _load(investigation_id: str) -> Report:
    if not _ID.match(investigation_id):
        raise SleuthError(f"not an investigation id: {investigation_id!r}", hint="use the id `investigate` returned")
    path = reports_dir() / f"{investigation_id}.json"
    if not path.exists():
        raise SleuthError(f"no report {investigation_id}", hint="run `investigate` first")
    return Report.model_validate_json(path.read_text(encoding="utf-8"))


def _clean(value: Any, settings: Settings) -> Any:
    """No secret leaves in a result: every string scrubbed by value, keyword and shape."""
    from sleuth.redact import redact

    if isinstance(value, str):
        return redact(value, settings.secrets())
    if isinstance(value, dict):
        return {k: _clean(v, settings) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v, settings) for v in value]
    return value


def _summary(report: Report) -> dict[str, Any]:
    top = report.top
    return {
        "investigation_id": report.investigation_id,
        "verdict": report.verdict,
        "culprit_sha": top.culprit_sha if top else None,
        "culprit_title": top.culprit_title if top else None,
        "confidence": top.confidence if top else None,
        "faulty_location": f"{top.file}:{top.line}" if top and top.file and top.line else None,
        "fix_validated": bool(report.fix and report.fix.validated),
        "fix_diff": report.fix.diff if report.fix else None,
    }


def _said(function: Callable[..., Any]) -> Callable[..., Any]:
    """A SleuthError becomes the tool's error result with its one line (what went wrong and what to do)."""
    from mcp.server.mcpserver.exceptions import ToolError

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except SleuthError as exc:
            raise ToolError(str(exc)) from None

    return call


def build_server(settings: Settings | None = None) -> Any:
    """The MCP server with sleuth's read-only tools."""
    from mcp.server.mcpserver import MCPServer

    settings = settings or load_settings()
    server = MCPServer("sleuth", instructions=INSTRUCTIONS)

    @server.tool()
    @_said
    def investigate(
        incident: dict[str, Any],
        repo: str | None = None,
        deploys: list[dict[str, Any]] | None = None,
        window_days: int | None = None,
    ) -> dict[str, Any]:
        """Investigate an incident and name the change that most likely caused it.

        incident: {"title", "logs" (with the stack trace), "started_at" (ISO 8601), "service", "description"}.
        repo: a local git repository path, github:OWNER/NAME or gitlab:GROUP/PROJECT (default: configured).
        deploys: [{"service", "environment", "sha", "at"}] when known. Returns the verdict, the culprit
        sha, its confidence, the faulty location, whether the drafted fix was validated, and the
        investigation id for get_report and explain.
        """
        from sleuth.agents.intake import deploy_records
        from sleuth.api import investigate as run

        report = run(incident, repo, deploys=deploy_records(deploys or []), window_days=window_days, settings=settings)
        _save(report)
        return _clean(_summary(report), settings)

    @server.tool()
    @_said
    def get_report(investigation_id: str) -> dict[str, Any]:
        """The full report of an investigation (its JSON schema: hypotheses, candidates, evidence, fix)."""
        return _clean(json.loads(_load(investigation_id).to_json()), settings)

    @server.tool()
    @_said
    def explain(investigation_id: str) -> str:
        """The leading hypothesis of an investigation, its evidence (E1, E2, …) and the code it points at."""
        from sleuth.agents.chat_answers import explain as explained

        return _clean(explained(_load(investigation_id)), settings)

    @server.tool()
    @_said
    def list_changes(repo: str, since_days: int = 14, limit: int = 50) -> list[dict[str, Any]]:
        """The changes merged into a local repository's HEAD in the last `since_days` days, newest first."""
        from sleuth.tools.local_git import LocalGitHost

        now = datetime.now(UTC)
        changes = LocalGitHost(repo).changes(None, now - timedelta(days=max(1, since_days)), now + timedelta(days=1))
        rows = [
            {
                "sha": c.sha,
                "title": c.title,
                "author": c.author,
                "merged_at": c.merged_at.isoformat(),
                "files": c.files[:50],
                "additions": c.additions,
                "deletions": c.deletions,
            }
            for c in changes[: max(1, min(limit, 500))]
        ]
        return _clean(rows, settings)

    @server.tool()
    @_said
    def show_change(repo: str, sha: str, max_diff_chars: int = MAX_DIFF_CHARS) -> dict[str, Any]:
        """One change of a local repository: its message, files and diff (cut at max_diff_chars, said so)."""
        from sleuth.tools.local_git import LocalGitHost

        if not re.fullmatch(r"[0-9a-fA-F]{4,40}", sha):
            raise SleuthError(f"not a sha: {sha!r}")
        host = LocalGitHost(repo)
        change = host.change(host.resolve(sha))
        diff = host.diff(change.sha)
        cap = max(1_000, min(max_diff_chars, 200_000))
        return _clean(
            {
                "sha": change.sha,
                "title": change.title,
                "body": change.body,
                "author": change.author,
                "merged_at": change.merged_at.isoformat(),
                "files": change.files,
                "diff": diff[:cap],
                "truncated": len(diff) > cap,
                "how_to_narrow": "ask with a larger max_diff_chars (up to 200000)" if len(diff) > cap else None,
            },
            settings,
        )

    from sleuth.mcp_code_tools import Workspaces, register_code_tools

    register_code_tools(server, Workspaces(settings), lambda value: _clean(value, settings), _said)
    return server


def run_server(transport: str = "stdio", host: str = "127.0.0.1", port: int = 8765) -> None:
    server = build_server()
    if transport == "stdio":
        server.run("stdio")
    else:
        server.run("streamable-http", host=host, port=port)
