"""The change index with real git, real embedded Chroma and the real offline MiniLM model."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sleuth import index_api
from sleuth.config import Settings
from sleuth.demo.synthetic import write_history
from sleuth.errors import SleuthError
from sleuth.tools.index_sync import sync_lock
from tests.conftest import SLEUTH, commit_files, new_repo, run_sleuth

pytestmark = pytest.mark.integration


def settings_for(repo: Path, index_dir: Path, **index: object) -> Settings:
    return Settings(services={"svc": {"repo": str(repo)}}, index={"path": str(index_dir), **index})


def chroma_ids(index_dir: Path, settings: Settings) -> list[str]:
    index = index_api.open_index(settings, index_dir)
    try:
        return index.collection.get(include=[])["ids"]
    finally:
        index.close()


def test_sync_is_incremental_and_idempotent(tmp_path: Path) -> None:
    repo = write_history(tmp_path / "svc", 60)
    settings = settings_for(repo, tmp_path / "index")
    first = index_api.sync(settings)
    assert (first[0].added, first[0].skipped) == (60, 0)
    again = index_api.sync(settings)
    assert (again[0].added, again[0].skipped) == (0, 0)
    ids = chroma_ids(tmp_path / "index", settings)
    assert len(ids) == len(set(ids)) == 60

    commit_files(
        repo,
        {"service/new.py": "def fresh():\n    return 'eur'\n"},
        "Add the fresh currency path",
        when="2026-06-01T10:00:00+00:00",
    )
    third = index_api.sync(settings)
    assert third[0].added == 1
    status = index_api.status(settings)
    assert [(s.name, s.changes, s.in_chroma) for s in status] == [("svc", 61, 61)]

    # Forgetting the cursor rescans the history and still adds nothing twice.
    index = index_api.open_index(settings)
    index.store.reset_cursor("svc")
    # Documents lost from Chroma (a crash after the store committed) are re-added from the store.
    index.collection.delete(ids=index.store.ids_of_repo("svc")[:3])
    index.close()
    rescan = index_api.sync(settings)
    assert (rescan[0].added, rescan[0].skipped, rescan[0].repaired) == (0, 61, 3)
    assert [(s.changes, s.in_chroma) for s in index_api.status(settings)] == [(61, 61)]


def test_search_finds_by_meaning_and_by_words(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "svc")
    commit_files(
        repo,
        {"README.md": "# svc\n\nThe payments service: prices, checkout and refunds for the web shop.\n"},
        "Initial import",
        when="2026-10-01T08:00:00+00:00",
    )
    commit_files(
        repo,
        {"pay/currency.py": "def rate_for(code):\n    return RATES[code]\n"},
        "Skip upper-casing currency codes on the hot path",
        when="2026-10-02T08:00:00+00:00",
    )
    commit_files(
        repo,
        {"pay/email.py": "def send():\n    return 'smtp'\n"},
        "Send receipts through the new mailer",
        when="2026-10-03T08:00:00+00:00",
    )
    commit_files(
        repo,
        {"docs/oncall.md": "# paging\n"},
        "docs: describe who gets paged at night",
        when="2026-10-04T08:00:00+00:00",
    )
    settings = settings_for(repo, tmp_path / "index")
    index_api.sync(settings)
    now = datetime(2026, 10, 5, tzinfo=UTC)
    by_meaning = index_api.search(settings, "money conversion between currencies is wrong", now=now)
    assert by_meaning[0].change.title == "Skip upper-casing currency codes on the hot path"
    by_words = index_api.search(settings, "rate_for RATES", now=now)
    assert by_words[0].change.title.startswith("Skip upper-casing") and by_words[0].lexical > 0
    # The window filter is applied in both stores.
    assert index_api.search(settings, "currency", since=timedelta(days=2), now=now)[0].change.title.startswith("Send")
    assert index_api.search(settings, "currency", service="svc", since=timedelta(hours=1), now=now) == []
    with pytest.raises(SleuthError, match="no indexed repository serves 'other'"):
        index_api.search(settings, "currency", service="other", now=now)
    # The catalogue profiles the repository from its README and layout.
    profile = index_api.status(settings)
    index = index_api.open_index(settings)
    stored = index.store.repo("svc")["profile"]
    index.close()
    assert profile[0].changes == 4
    assert "payments service" in stored["readme_summary"] and stored["languages"] == {"Python": 2}
    assert stored["layout"] == ["README.md", "docs/", "pay/"]


def test_killed_sync_resumes_without_duplicates(tmp_path: Path) -> None:
    repo = write_history(tmp_path / "svc", 400)
    index_dir = tmp_path / "index"
    (tmp_path / "sleuth.toml").write_text(
        f'[services.svc]\nrepo = "{repo}"\n[index]\npath = "{index_dir}"\nbatch_size = 10\n'
    )
    process = subprocess.Popen(
        [*SLEUTH, "index", "sync"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ.copy()
    )
    store = index_dir / "sidecar.sqlite3"
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and process.poll() is None:
        if store.exists():
            try:
                with sqlite3.connect(store, timeout=1) as db:
                    stored = db.execute("SELECT count(*) FROM changes").fetchone()[0]
            except sqlite3.OperationalError:
                stored = 0
            if stored >= 50:
                break
        time.sleep(0.02)
    assert process.poll() is None, (
        f"sync ended before it could be killed: {process.stderr.read() if process.stderr else ''}"
    )
    process.send_signal(signal.SIGKILL)
    process.wait()
    with sqlite3.connect(store) as db:
        interrupted = db.execute("SELECT count(*) FROM changes").fetchone()[0]
    assert 50 <= interrupted < 400
    assert interrupted % 10 == 0, "a batch is stored whole or not at all"

    resumed = run_sleuth("index", "sync", "--json", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    result = json.loads(resumed.stdout)[0]
    assert result["added"] + interrupted == 400
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT count(*), count(DISTINCT sha) FROM changes").fetchone() == (400, 400)
        assert db.execute("SELECT count(*) FROM changes_fts").fetchone()[0] == 400
    settings = settings_for(repo, index_dir)
    ids = chroma_ids(index_dir, settings)
    assert len(ids) == len(set(ids)) == 400


def test_locked_and_corrupted_index_give_clear_errors(tmp_path: Path) -> None:
    repo = write_history(tmp_path / "svc", 5)
    index_dir = tmp_path / "index"
    (tmp_path / "sleuth.toml").write_text(f'[services.svc]\nrepo = "{repo}"\n[index]\npath = "{index_dir}"\n')
    with sync_lock(index_dir):
        locked = run_sleuth("index", "sync", cwd=tmp_path)
    assert locked.returncode == 2 and "Traceback" not in locked.stderr
    assert f"locked by another sync (pid {os.getpid()})" in locked.stderr

    index_dir.mkdir(exist_ok=True)
    (index_dir / "sidecar.sqlite3").write_bytes(b"this is not a database" * 100)
    broken = run_sleuth("index", "status", cwd=tmp_path)
    assert broken.returncode == 2 and "Traceback" not in broken.stderr
    assert "unreadable" in broken.stderr and "sleuth index reset" in broken.stderr
    reset = run_sleuth("index", "reset", "--yes", cwd=tmp_path)
    assert reset.returncode == 0 and not index_dir.exists()
    rebuilt = run_sleuth("index", "sync", cwd=tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "5 added" in rebuilt.stdout
    # A damaged Chroma store is reported the same way, never as a traceback.
    (index_dir / "chroma" / "chroma.sqlite3").write_bytes(b"\x00garbage" * 500)
    damaged = run_sleuth("index", "status", cwd=tmp_path)
    assert damaged.returncode == 2 and "Traceback" not in damaged.stderr
    assert "cannot be opened" in damaged.stderr and "sleuth index reset" in damaged.stderr


def test_offline_embedding_works_without_a_network(tmp_path: Path) -> None:
    """The bundled MiniLM loads and embeds with HF_HUB_OFFLINE=1 inside a namespace with no network."""
    code = (
        "from sleuth.config import IndexSettings\n"
        "from sleuth.tools.embeddings import embedding_function, MINILM_DIMENSIONS\n"
        "vectors = embedding_function(IndexSettings())(['KeyError in currency conversion', 'disk full'])\n"
        "assert len(vectors) == 2 and len(vectors[0]) == MINILM_DIMENSIONS\n"
        "import socket\n"
        "try:\n"
        "    socket.create_connection(('127.0.0.1', 9), timeout=1)\n"
        "except OSError:\n"
        "    print('no-network-ok')\n"
    )
    env = {"PATH": os.environ["PATH"], "HF_HUB_OFFLINE": "1", "HOME": str(tmp_path)}
    command = ["bwrap", "--dev-bind", "/", "/", "--unshare-net", "--die-with-parent", sys.executable, "-c", code]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "no-network-ok" in result.stdout
