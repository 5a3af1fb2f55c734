"""The real LangGraph Server (`langgraph dev`, in-memory runtime) serves langgraph.json's two graphs on loopback.

Driven through `langgraph-sdk` as a team would: the graph drawings load, an investigation streams its
progress and ends with the report naming the planted culprit, and a chat thread takes two turns.
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sleuth.demo.estate import Estate

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
LANGGRAPH = str(Path(sys.executable).with_name("langgraph"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    port = _free_port()
    home = tmp_path_factory.mktemp("server-home")
    env = os.environ | {
        "SLEUTH_HOME": str(home),
        "LANGGRAPH_CLI_NO_ANALYTICS": "1",  # nothing leaves the machine: no analytics,
        "LANGGRAPH_NO_VERSION_CHECK": "1",  # no version check,
        "LANGSMITH_TRACING": "false",  # no tracing
        "LANGCHAIN_TRACING_V2": "false",
    }
    log = (home / "server.log").open("w")
    # The dev server keeps its store in its working directory: run it outside the repository, on
    # the repository's own langgraph.json with its paths made absolute.
    config = json.loads((ROOT / "langgraph.json").read_text())
    config["dependencies"] = [str(ROOT)]
    config["graphs"] = {name: str(ROOT / spec.removeprefix("./")) for name, spec in config["graphs"].items()}
    (home / "langgraph.json").write_text(json.dumps(config))
    flags = ["--no-browser", "--no-reload", "--allow-blocking", "--config", str(home / "langgraph.json")]
    process = subprocess.Popen(
        [LANGGRAPH, "dev", "--host", "127.0.0.1", "--port", str(port), *flags],
        cwd=home,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/ok", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("langgraph dev did not start:\n" + (home / "server.log").read_text()[-3000:])
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _inputs(estate: Estate) -> dict:
    return {
        "incident": estate.incident.model_dump(mode="json"),
        "repo": str(estate.repos["payments"]),
        "branch": None,
        "deploys": [d.model_dump(mode="json") for d in estate.deploys],
        "window_days": 14,
    }


def test_the_server_serves_both_graphs_and_an_investigation_streams_to_its_report(server: str, estate: Estate) -> None:
    from langgraph_sdk import get_sync_client

    client = get_sync_client(url=server)
    graphs = {a["graph_id"]: a["assistant_id"] for a in client.assistants.search()}
    assert set(graphs) == {"investigation", "chat"}
    for assistant in graphs.values():
        drawing = client.assistants.get_graph(assistant)
        assert drawing["nodes"], "the graph drawing loads"

    thread = client.threads.create()
    progress, final = [], None
    for part in client.runs.stream(
        thread["thread_id"], "investigation", input=_inputs(estate), context={}, stream_mode=["custom", "values"]
    ):
        if part.event == "custom":
            progress.append(part.data["node"])
        elif part.event == "values":
            final = part.data
        assert part.event != "error", part.data
    assert progress[:3] == ["plan", "locate_code", "search_changes"] and progress[-1] == "report"
    report = final["report"]
    assert report["hypotheses"][0]["culprit_sha"] == estate.culprit_sha
    assert report["fix"]["validated"] is True


def test_a_chat_thread_on_the_server_investigates_then_explains(server: str, estate: Estate) -> None:
    from langgraph_sdk import get_sync_client

    client = get_sync_client(url=server)
    thread = client.threads.create()["thread_id"]
    first = client.runs.wait(thread, "chat", input={**_inputs(estate), "command": "investigate"}, context={})
    assert "leading culprit" in first["reply"]
    second = client.runs.wait(thread, "chat", input={"command": "explain"}, context={})
    assert f"Leading culprit: {estate.culprit_sha[:10]}" in second["reply"]
    assert [t["command"] for t in second["transcript"]] == ["investigate", "explain"]
