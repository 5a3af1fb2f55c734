"""The OpenAI-compatible embedding switch, against a real HTTP server on loopback."""

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from sleuth import index_api
from sleuth.config import Settings
from tests.conftest import commit_files, new_repo

pytestmark = pytest.mark.integration
SECRET = "sk-test-not-a-real-key-4242"
DIMENSIONS = 16


def _vector(text: str) -> list[float]:
    vector = [0.0] * DIMENSIONS
    for word in text.lower().split():
        vector[hashlib.sha256(word.encode()).digest()[0] % DIMENSIONS] += 1.0
    return vector


class _Embeddings(BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Embeddings.seen.append({"path": self.path, "auth": self.headers.get("Authorization", "")})
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = [{"object": "embedding", "index": i, "embedding": _vector(t)} for i, t in enumerate(texts)]
        payload = json.dumps(
            {"object": "list", "data": data, "model": body["model"], "usage": {"prompt_tokens": 1, "total_tokens": 1}}
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload.encode())

    def log_message(self, *args: object) -> None:
        return


def test_index_through_an_openai_compatible_endpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Embeddings)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("EMBEDDINGS_KEY", SECRET)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    try:
        repo = new_repo(tmp_path / "svc")
        commit_files(repo, {"a.py": "x = 1\n"}, "Initial import", when="2026-10-01T08:00:00+00:00")
        commit_files(repo, {"pay.py": "y = 2\n"}, "Round currency conversion half up", when="2026-10-02T08:00:00+00:00")
        (tmp_path / "sleuth.toml").write_text(
            f'[services.svc]\nrepo = "{repo}"\n[index]\npath = "{tmp_path / "index"}"\nembedding = "openai"\n'
            f'embedding_base_url = "http://127.0.0.1:{server.server_port}/v1"\nembedding_api_key = "env:EMBEDDINGS_KEY"\n'
        )
        from sleuth.config import load_settings

        settings: Settings = load_settings(tmp_path)
        assert index_api.sync(settings)[0].added == 2
        from datetime import UTC, datetime

        hits = index_api.search(settings, "currency conversion rounding", now=datetime(2026, 10, 3, tzinfo=UTC))
        assert hits[0].change.title == "Round currency conversion half up"
    finally:
        server.shutdown()
    assert _Embeddings.seen and all(s["path"] == "/v1/embeddings" for s in _Embeddings.seen)
    assert all(s["auth"] == f"Bearer {SECRET}" for s in _Embeddings.seen)
    # The key is used, never stored: not in the sidecar, not in Chroma's files.
    for path in (tmp_path / "index").rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
