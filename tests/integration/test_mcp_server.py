"""`sleuth mcp` through the MCP SDK's own client, over stdio and over streamable HTTP on loopback.

The tools are the five read-only ones with schemas from their signatures; an investigation names the
planted culprit; no configured token reaches any result, even one planted in a commit message.
"""

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sleuth.demo.estate import Estate
from tests.conftest import commit_files

pytestmark = pytest.mark.integration
SLEUTH = str(Path(sys.executable).with_name("sleuth"))
TOKEN = "ghp_canaryTOKENforMCPresults0123456789ab"
TOOLS = {"investigate", "get_report", "explain", "list_changes", "show_change"} | {
    "read_file",
    "grep",
    "list_dir",
    "find_definition",
    "find_callers",
    "blame_range",
}


@pytest.fixture
def repo(estate: Estate, tmp_path: Path) -> tuple[Path, str]:
    copy = tmp_path / "payments"
    shutil.copytree(estate.repos["payments"], copy, symlinks=True)
    commit_files(copy, {"ops/notes.txt": f"rotated {TOKEN}\n"}, f"ops: rotate {TOKEN}", when="2026-10-30T08:00:00Z")
    head = subprocess.run(["git", "-C", str(copy), "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
    return copy, head.stdout.strip()


def _env() -> dict[str, str]:
    return os.environ | {"SLEUTH_GITHUB__TOKEN": TOKEN}


def _text(result) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_over_stdio_an_ide_agent_investigates_and_reads_the_report(estate: Estate, repo: tuple[Path, str]) -> None:
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    path, planted = repo
    incident = estate.incident.model_dump(mode="json")
    deploys = [d.model_dump(mode="json") for d in estate.deploys]

    async def session() -> dict:
        async with Client(StdioServerParameters(command=SLEUTH, args=["mcp"], env=_env())) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            found = await client.call_tool("investigate", {"incident": incident, "repo": str(path), "deploys": deploys})
            summary = found.structured_content
            explained = await client.call_tool("explain", {"investigation_id": summary["investigation_id"]})
            report = await client.call_tool("get_report", {"investigation_id": summary["investigation_id"]})
            shown = await client.call_tool("show_change", {"repo": str(path), "sha": planted[:10]})
            missing = await client.call_tool("get_report", {"investigation_id": "0123456789ab"})
            planted_read = await client.call_tool("grep", {"repo": str(path), "pattern": "rotated"})
            escape = await client.call_tool("read_file", {"repo": str(path), "path": "../../etc/passwd"})
            return {
                "tools": tools,
                "summary": summary,
                "explained": explained,
                "report": report,
                "shown": shown,
                "missing": missing,
                "planted_read": planted_read,
                "escape": escape,
            }

    got = asyncio.run(session())
    assert set(got["tools"]) == TOOLS  # read-only: nothing that writes is offered
    assert set(got["tools"]["investigate"].input_schema["properties"]) >= {"incident", "repo", "deploys"}
    assert got["summary"]["culprit_sha"] == estate.culprit_sha and got["summary"]["fix_validated"] is True
    assert f"Leading culprit: {estate.culprit_sha[:10]}" in _text(got["explained"])
    assert got["report"].structured_content["hypotheses"][0]["culprit_sha"] == estate.culprit_sha
    assert got["shown"].structured_content["title"].startswith("ops: rotate")
    assert got["missing"].is_error and "no report 0123456789ab" in _text(got["missing"])
    # The reading agent's code tools, on a sandbox clone: the planted line found (its token scrubbed).
    assert _text(got["planted_read"]).startswith("ops/notes.txt:1:rotated ")
    assert set(got["tools"]["read_file"].input_schema["properties"]) == {"repo", "path", "start_line", "end_line"}
    assert "outside the repository" in _text(got["escape"])
    everything = repr(got)
    assert TOKEN not in everything  # not in a diff, a title, a report or an explanation


def test_over_streamable_http_on_loopback_changes_are_listed_and_shown(repo: tuple[Path, str]) -> None:
    from mcp import Client

    path, planted = repo
    port = _free_port()
    server = subprocess.Popen(
        [SLEUTH, "mcp", "--transport", "http", "--host", "127.0.0.1", "--port", str(port)],
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            assert server.poll() is None and time.monotonic() < deadline, "sleuth mcp --transport http did not start"
            time.sleep(0.3)

        async def session() -> tuple:
            async with Client(f"http://127.0.0.1:{port}/mcp") as client:
                names = {t.name for t in (await client.list_tools()).tools}
                listed = await client.call_tool("list_changes", {"repo": str(path), "since_days": 3650, "limit": 5})
                shown = await client.call_tool("show_change", {"repo": str(path), "sha": planted})
                bad = await client.call_tool("show_change", {"repo": str(path), "sha": "--output=/tmp/x"})
                return names, listed, shown, bad

        names, listed, shown, bad = asyncio.run(session())
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert names == TOOLS
    rows = listed.structured_content
    rows = rows["result"] if isinstance(rows, dict) and "result" in rows else rows
    assert rows[0]["sha"] == planted and len(rows) == 5
    assert "[REDACTED]" in shown.structured_content["diff"] and TOKEN not in repr(shown)
    assert bad.is_error and "not a sha" in _text(bad)
