"""The durable queue between acknowledging a webhook and indexing it (SQLite, one row per delivery).

A delivery is acknowledged only after its row is committed (synchronous=FULL), so a crash between
the acknowledgement and the indexing loses nothing: on restart the rows still `pending` are done
then. The delivery id is the primary key, so a replayed delivery is recognised and not queued
again. Indexing a job is idempotent (a deploy is stored once, a sync resumes from its cursor), so
the one batch a crash interrupts is simply done again.
"""

import hashlib
import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sleuth.tools.webhooks import Job

MAX_ATTEMPTS = 5

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,              -- provider:delivery id
    provider TEXT NOT NULL,
    event TEXT NOT NULL,
    job TEXT NOT NULL,                -- the Job as JSON
    received_at REAL NOT NULL,
    state TEXT NOT NULL,              -- pending | done | failed
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before REAL NOT NULL DEFAULT 0,  -- a retried delivery waits out its backoff
    body_sha TEXT UNIQUE,             -- the delivery id is not signed: the same signed body is a replay too
    done_at REAL,
    error TEXT
);
CREATE INDEX IF NOT EXISTS deliveries_pending ON deliveries (state, received_at);
"""


@dataclass(frozen=True)
class Delivery:
    id: str
    job: Job
    attempts: int


def _job_json(job: Job) -> str:
    data: dict[str, Any] = {**job.__dict__, "at": job.at.isoformat() if job.at else None}
    return json.dumps(data)


def _job(text: str) -> Job:
    data = json.loads(text)
    data["at"] = datetime.fromisoformat(data["at"]) if data.get("at") else None
    return Job(**data)


class DeliveryQueue:
    """Deliveries received and not yet indexed, and the ids of every delivery ever seen."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def put(self, delivery_id: str, provider: str, event: str, job: Job, body: bytes = b"") -> bool:
        """Store a delivery (durably); False when its id, or its exact signed body, was seen before."""
        digest = hashlib.sha256(body).hexdigest() if body else None
        with self._lock:
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO deliveries (id, provider, event, job, received_at, state, body_sha)"
                " VALUES (?, ?, ?, ?, ?, 'pending', ?)",
                (f"{provider}:{delivery_id}", provider, event, _job_json(job), time.time(), digest),
            )
            return cursor.rowcount == 1

    def pending(self, limit: int = 1000) -> list[Delivery]:
        """The oldest deliveries due for indexing; each read counts as an attempt.

        One that has been handed out MAX_ATTEMPTS times already (it crashed the indexer, or kept
        failing) is marked failed instead, so it cannot block the queue across restarts.
        """
        now = time.time()
        with self._lock:
            self.db.execute(
                "UPDATE deliveries SET state = 'failed', error = coalesce(error, 'gave up after repeated attempts')"
                " WHERE state = 'pending' AND attempts >= ?",
                (MAX_ATTEMPTS,),
            )
            rows = self.db.execute(
                "SELECT id, job, attempts FROM deliveries WHERE state = 'pending' AND not_before <= ?"
                " ORDER BY received_at LIMIT ?",
                (now, limit),
            ).fetchall()
            self.db.executemany("UPDATE deliveries SET attempts = attempts + 1 WHERE id = ?", [(r[0],) for r in rows])
        return [Delivery(id=r[0], job=_job(r[1]), attempts=r[2] + 1) for r in rows]

    def finish(self, ids: list[str], error: str | None = None, retry: bool = False) -> None:
        """Mark deliveries done, or failed with an error; `retry` leaves them pending behind a backoff."""
        state = "pending" if retry else ("failed" if error else "done")
        now = time.time()
        with self._lock:
            self.db.executemany(
                "UPDATE deliveries SET state = ?, done_at = ?, error = ?, not_before = ? + min(300, 2 << attempts)"
                " WHERE id = ?",
                [(state, now, error, now if retry else 0, identifier) for identifier in ids],
            )

    def counts(self) -> dict[str, int]:
        """Deliveries per state."""
        with self._lock:
            return dict(self.db.execute("SELECT state, count(*) FROM deliveries GROUP BY state").fetchall())

    def attempts(self) -> dict[str, int]:
        """How many times each delivery was handed to the indexer (1 unless a crash interrupted it)."""
        with self._lock:
            return dict(self.db.execute("SELECT id, attempts FROM deliveries").fetchall())
