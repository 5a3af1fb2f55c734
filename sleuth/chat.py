"""Chat sessions, programmatically: what `sleuth chat` and the notebooks drive.

A session is a thread of the chat graph in `$SLEUTH_HOME/chat/sessions.sqlite3` (LangGraph's
SQLite checkpointer, secrets scrubbed), listed in a small table beside the checkpoints. Starting
one investigates; each `send(line)` is one turn. `approve` pauses for a key: `needs_key` is then
true and `provide_key(key)` continues the turn with the key's SHA-256 only. `ChatSession.resume`
continues a session killed at any point: an unfinished turn (an investigation halfway, an
approval waiting for its key) picks up where its last checkpoint left it.
"""

import sqlite3
import uuid
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sleuth.config import Settings, load_settings, sleuth_home
from sleuth.errors import SleuthError
from sleuth.models import Deploy, Incident, Report

ProgressCallback = Callable[[str, str], None]


def sessions_path() -> Path:
    return sleuth_home() / "chat" / "sessions.sqlite3"


@dataclass
class SessionInfo:
    thread: str
    title: str
    repo: str
    started_at: datetime
    updated_at: datetime


def _sessions_table(connection: sqlite3.Connection) -> None:
    connection.execute(
        "CREATE TABLE IF NOT EXISTS sleuth_sessions (thread TEXT PRIMARY KEY, title TEXT NOT NULL,"
        " repo TEXT NOT NULL, started_at TEXT NOT NULL, updated_at TEXT NOT NULL)"
    )
    connection.commit()


def list_sessions(path: Path | None = None) -> list[SessionInfo]:
    """The chat sessions on this machine, the most recently used first."""
    path = path or sessions_path()
    if not path.exists():
        return []
    with sqlite3.connect(path) as connection:
        _sessions_table(connection)
        rows = connection.execute(
            "SELECT thread, title, repo, started_at, updated_at FROM sleuth_sessions ORDER BY updated_at DESC"
        ).fetchall()
    return [
        SessionInfo(t, title, repo, datetime.fromisoformat(s), datetime.fromisoformat(u))
        for t, title, repo, s, u in rows
    ]


class ChatSession:
    """One chat session over an investigation (use as a context manager, or call `close`)."""

    def __init__(self, thread: str, settings: Settings, path: Path | None = None, llm: Any = None) -> None:
        from sleuth.agents.chat_nodes import ChatContext
        from sleuth.checkpoints import sqlite_checkpointer
        from sleuth.graphs.chat import build_chat_graph

        self.thread, self.settings, self.path = thread, settings, path or sessions_path()
        self._stack = ExitStack()
        saver = self._stack.enter_context(sqlite_checkpointer(self.path, settings.secrets()))
        _sessions_table(saver.conn)
        self._saver = saver
        self.graph = build_chat_graph(saver)
        self.context = ChatContext(settings=settings, llm=llm)
        self.config = {"configurable": {"thread_id": thread}}
        self.on_progress: ProgressCallback | None = None

    # --- opening ----------------------------------------------------------------------------
    @classmethod
    def start(
        cls,
        incident: Incident | dict[str, Any],
        repo: str | Path | None = None,
        *,
        deploys: Iterable[Deploy] = (),
        settings: Settings | None = None,
        on_progress: ProgressCallback | None = None,
        path: Path | None = None,
        llm: Any = None,
    ) -> "ChatSession":
        """A new session: investigate the incident (its first turn) and return the session."""
        from sleuth.api import investigation_input

        settings = settings or load_settings()
        inputs = investigation_input(incident, repo, deploys=deploys, settings=settings)
        session = cls(uuid.uuid4().hex[:12], settings, path, llm)
        session.on_progress = on_progress
        now = datetime.now(UTC).isoformat()
        session._saver.conn.execute(
            "INSERT INTO sleuth_sessions VALUES (?, ?, ?, ?, ?)",
            (session.thread, inputs["incident"].title or "(untitled incident)", inputs["repo"] or "", now, now),
        )
        session._saver.conn.commit()
        session.last_reply = session._run({**inputs, "command": "investigate"})
        return session

    @classmethod
    def resume(
        cls,
        thread: str = "last",
        *,
        settings: Settings | None = None,
        on_progress: ProgressCallback | None = None,
        path: Path | None = None,
        llm: Any = None,
    ) -> "ChatSession":
        """Reopen a session (`last`: the most recently used); an unfinished turn is finished first."""
        known = list_sessions(path)
        if not known:
            raise SleuthError(
                "there are no chat sessions to resume", hint="start one: sleuth chat INCIDENT --repo PATH"
            )
        if thread == "last":
            thread = known[0].thread
        matches = [s for s in known if s.thread.startswith(thread)]
        if len(matches) != 1:
            listed = ", ".join(s.thread for s in known[:5])
            raise SleuthError(f"no single session matches {thread!r}", hint=f"known: {listed} (or `--resume last`)")
        session = cls(matches[0].thread, settings or load_settings(), path, llm)
        session.on_progress = on_progress
        state = session.graph.get_state(session.config)
        session.last_reply = None
        if state.next and not session.needs_key:
            session.last_reply = session._run(None)  # killed mid-turn: finish that turn
        return session

    # --- turns ------------------------------------------------------------------------------
    @property
    def needs_key(self) -> bool:
        """An approval is waiting for the approver's key."""
        return any(task.interrupts for task in self.graph.get_state(self.config).tasks)

    @property
    def report(self) -> Report | None:
        return self.graph.get_state(self.config).values.get("report")

    @property
    def transcript(self) -> list[dict[str, str]]:
        return list(self.graph.get_state(self.config).values.get("transcript", []))

    def send(self, line: str) -> str:
        """One turn: a command or a question; returns the reply (empty while an approval waits for a key)."""
        if self.needs_key:
            raise SleuthError("an approval is waiting for a key", hint="give the key, or approve again later")
        return self._run({"command": line})

    def provide_key(self, key: str) -> str:
        """Continue the waiting approval with this key (only its SHA-256 enters the graph and its checkpoint)."""
        from langgraph.types import Command

        from sleuth.auth import key_hash

        return self._run(Command(resume={"key_hash": key_hash(key)}))

    def _run(self, payload: Any) -> str:
        from sleuth.redact import redact

        secrets = self.settings.secrets()
        for _namespace, mode, chunk in self.graph.stream(
            payload, self.config, context=self.context, stream_mode=["custom", "updates"], subgraphs=True
        ):
            if mode == "custom" and self.on_progress is not None:
                self.on_progress(chunk["node"], redact(chunk["message"], secrets))
        self._saver.conn.execute(
            "UPDATE sleuth_sessions SET updated_at = ? WHERE thread = ?", (datetime.now(UTC).isoformat(), self.thread)
        )
        self._saver.conn.commit()
        if self.needs_key:
            return ""
        return self.graph.get_state(self.config).values.get("reply", "")

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> "ChatSession":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
