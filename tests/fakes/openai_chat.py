"""An OpenAI-compatible chat-completions server on loopback, standing in for a model in tests.

It answers the re-ranker's forced tool call the way a careful reader would in miniature: a listed
change whose block mentions one of `telling_words` gets 90, any other 10. Every request is kept so a
test can check what reached "the model" (and what must never reach it).
"""

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class ChatServer:
    """`with ChatServer.running(["region"]) as server:` then point `[llm] base_url` at `server.url`."""

    def __init__(self, telling_words: list[str], status: int = 200) -> None:
        self.telling_words = telling_words
        self.status = status
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []

    @classmethod
    @contextmanager
    def running(cls, telling_words: list[str], status: int = 200) -> Iterator["ChatServer"]:
        fake = cls(telling_words, status)
        server = ThreadingHTTPServer(("127.0.0.1", 0), fake._handler())
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        fake.url = f"http://127.0.0.1:{server.server_port}/v1"
        try:
            yield fake
        finally:
            server.shutdown()

    def judge(self, text: str) -> list[dict[str, Any]]:
        judgements = []
        for block in re.split(r"^## ", text, flags=re.M)[1:]:
            sha = block.split()[0]
            telling = [w for w in self.telling_words if w in block]
            judgements.append(
                {
                    "sha": sha,
                    "likelihood": 90 if telling else 10,
                    "why": f"its diff mentions {telling[0]!r}" if telling else "nothing links it to the error",
                }
            )
        return judgements

    def _answer(self, body: dict[str, Any]) -> dict[str, Any]:
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        tool = body["tools"][0]["function"]["name"]
        call = {"id": "call_1", "type": "function", "function": {"name": tool, "arguments": ""}}
        call["function"]["arguments"] = json.dumps({"judgements": self.judge(user)})
        return {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "tool_calls",
                    "message": {"role": "assistant", "content": None, "tool_calls": [call]},
                }
            ],
            "usage": {"prompt_tokens": 400, "completion_tokens": 60, "total_tokens": 460},
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(body)
                fake.headers.append({"path": self.path, "auth": self.headers.get("Authorization", "")})
                if fake.status != 200:
                    payload = {"error": {"message": "overloaded", "type": "server_error"}}
                else:
                    payload = fake._answer(body)
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(payload).encode())

            def log_message(self, *args: object) -> None:
                return

        return Handler
