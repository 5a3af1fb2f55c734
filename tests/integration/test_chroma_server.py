"""A real `chroma run` server on loopback, used through HttpClient for sync and search."""

import shutil
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sleuth import index_api
from sleuth.config import Settings
from sleuth.errors import SleuthError
from tests.conftest import commit_files, new_repo

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _chroma_binary() -> str:
    found = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    if not Path(found).exists():
        pytest.fail("the `chroma` CLI (installed with chromadb) is missing")
    return found


@pytest.fixture
def chroma_server(tmp_path: Path) -> tuple[str, int]:
    port = _free_port()
    process = subprocess.Popen(
        [_chroma_binary(), "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None:
                    pytest.fail("chroma run exited at start")
                time.sleep(0.2)
        else:
            pytest.fail("chroma run did not start listening within 60 s")
        yield "127.0.0.1", port
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_sync_and_search_against_a_chroma_server(tmp_path: Path, chroma_server: tuple[str, int]) -> None:
    host, port = chroma_server
    repo = new_repo(tmp_path / "svc")
    commit_files(repo, {"a.py": "x = 1\n"}, "Initial import", when="2026-10-01T08:00:00+00:00")
    commit_files(
        repo,
        {"pay/currency.py": "def rate_for(code):\n    return RATES[code]\n"},
        "Stop normalising currency codes before the rate lookup",
        when="2026-10-02T08:00:00+00:00",
    )
    commit_files(
        repo,
        {"mail.py": "def send():\n    pass\n"},
        "Send receipts through the new mailer",
        when="2026-10-03T08:00:00+00:00",
    )
    settings = Settings(
        services={"svc": {"repo": str(repo)}},
        index={"path": str(tmp_path / "local"), "backend": "http", "host": host, "port": port},
    )
    first = index_api.sync(settings)
    assert first[0].added == 3
    assert index_api.sync(settings)[0].added == 0
    # The documents live in the server's directory, not in a local Chroma store.
    assert not (tmp_path / "local" / "chroma").exists()
    assert any((tmp_path / "server-data").iterdir())
    hits = index_api.search(
        settings, "currency rate lookup broke for lowercase codes", now=datetime(2026, 10, 4, tzinfo=UTC)
    )
    assert hits[0].change.title == "Stop normalising currency codes before the rate lookup"
    assert [s.in_chroma for s in index_api.status(settings)] == [3]


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings(index={"path": str(tmp_path), "backend": "http", "host": "127.0.0.1", "port": _free_port()})
    with pytest.raises(SleuthError, match="cannot reach the Chroma server") as caught:
        index_api.status(settings)
    assert "chroma run" in (caught.value.hint or "")
