"""The sidecar store beside Chroma: one SQLite file holding each change's raw data and diff, an
FTS5 table for lexical (bm25) ranking, the sync cursor per repository, deploys and ship times.

SQLite is the source of truth for "is this change indexed": a change's row and its repository's
cursor are written in one transaction, so a sync killed at any moment leaves either the whole batch
or none of it.
"""

import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sleuth.errors import SleuthError
from sleuth.models import Change, Deploy
from sleuth.tools.lexical import tokens

SCHEMA_VERSION = "1"
FTS_DIFF_CHARS = 6_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS changes (
    id TEXT PRIMARY KEY,              -- repo:sha, also the Chroma id
    repo TEXT NOT NULL,
    sha TEXT NOT NULL,
    merged_at INTEGER NOT NULL,       -- unix seconds
    data TEXT NOT NULL,               -- Change (with enrichment) as JSON
    diff BLOB NOT NULL                -- zlib-compressed unified diff
);
CREATE INDEX IF NOT EXISTS changes_by_time ON changes (repo, merged_at);
CREATE VIRTUAL TABLE IF NOT EXISTS changes_fts USING fts5(terms, tokenize='unicode61');
CREATE TABLE IF NOT EXISTS repos (
    name TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    branch TEXT,
    services TEXT NOT NULL,           -- JSON list
    cursor TEXT,                      -- last first-parent sha indexed
    synced_at INTEGER,
    profile TEXT                      -- RepoProfile as JSON (the catalogue)
);
CREATE TABLE IF NOT EXISTS deploys (
    service TEXT NOT NULL, environment TEXT NOT NULL, sha TEXT NOT NULL, at INTEGER NOT NULL,
    status TEXT NOT NULL, PRIMARY KEY (service, environment, sha, at)
);
CREATE TABLE IF NOT EXISTS shipped (
    repo TEXT NOT NULL, sha TEXT NOT NULL, service TEXT NOT NULL, environment TEXT NOT NULL,
    shipped_at INTEGER NOT NULL, PRIMARY KEY (repo, sha, service, environment)
);
"""


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


def _dt(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def change_id(repo: str, sha: str) -> str:
    """Return the id a change has in both stores."""
    return f"{repo}:{sha}"


def lexical_text(change: Change, diff: str) -> str:
    """Return the text bm25 ranks a change by: message, paths, symbols and changed diff lines."""
    changed = [
        line[1:]
        for line in diff[:FTS_DIFF_CHARS].splitlines()
        if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))
    ]
    symbols = change.enrichment.symbols if change.enrichment else []
    return " ".join(tokens("\n".join([change.title, change.body, " ".join(change.files), *symbols, *changed])))


class ChangeStore:
    """The sidecar SQLite store of one index directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
            self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
        except sqlite3.DatabaseError as exc:
            raise store_error(path, exc) from None

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run statements atomically (BEGIN IMMEDIATE: one writer at a time)."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise store_error(self.path, exc) from None
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- repositories and cursors ---------------------------------------------------------
    def register_repo(self, name: str, path: str, branch: str | None, services: list[str]) -> None:
        """Record a repository (or update where it lives and which services it serves)."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO repos (name, path, branch, services) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE"
                " SET path = excluded.path, branch = excluded.branch, services = excluded.services",
                (name, path, branch, json.dumps(services)),
            )

    def repos(self, name: str | None = None) -> list[dict[str, Any]]:
        """Return every registered repository (or the one named) with its cursor and change count."""
        rows = self.db.execute(
            "SELECT r.name, r.path, r.branch, r.services, r.cursor, r.synced_at, r.profile,"
            " (SELECT count(*) FROM changes c WHERE c.repo = r.name) FROM repos r"
            + (" WHERE r.name = ?" if name is not None else "")
            + " ORDER BY r.name",
            (name,) if name is not None else (),
        ).fetchall()
        return [
            {
                "name": name,
                "path": path,
                "branch": branch,
                "services": json.loads(services),
                "cursor": cursor,
                "synced_at": _dt(synced_at) if synced_at else None,
                "profile": json.loads(profile) if profile else None,
                "changes": count,
            }
            for name, path, branch, services, cursor, synced_at, profile, count in rows
        ]

    def repo(self, name: str) -> dict[str, Any] | None:
        """Return one registered repository, or None (counting only its own changes)."""
        found = self.repos(name)
        return found[0] if found else None

    def repos_serving(self, service: str | None) -> list[dict[str, Any]]:
        """Return the repositories that serve a service (named after it, or mapped to it); all for None."""
        return [r for r in self.repos() if service in (None, r["name"], *r["services"])]

    def set_profile(self, name: str, profile: dict[str, Any]) -> None:
        """Store a repository's catalogue profile."""
        with self.transaction() as db:
            db.execute("UPDATE repos SET profile = ? WHERE name = ?", (json.dumps(profile), name))

    def reset_cursor(self, name: str) -> None:
        """Forget where a repository's sync got to, so the next sync rescans its history."""
        with self.transaction() as db:
            db.execute("UPDATE repos SET cursor = NULL WHERE name = ?", (name,))

    # --- changes ------------------------------------------------------------------------------
    def known(self, ids: Iterable[str]) -> set[str]:
        """Return which of these change ids are already stored."""
        ids = list(ids)
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(row[0] for row in self.db.execute(f"SELECT id FROM changes WHERE id IN ({marks})", chunk))
        return found

    def add_batch(self, repo: str, items: list[tuple[Change, str, str]], cursor: str, now: datetime) -> None:
        """Store a batch of (change, diff, bm25 terms) and advance the repository's cursor, all or nothing."""
        with self.transaction() as db:
            for change, diff, terms in items:
                # A change already stored is left as it is (and keeps its one FTS row).
                inserted = db.execute(
                    "INSERT OR IGNORE INTO changes (id, repo, sha, merged_at, data, diff) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        change_id(repo, change.sha),
                        repo,
                        change.sha,
                        _ts(change.merged_at),
                        change.model_dump_json(),
                        zlib.compress(diff.encode("utf-8", "replace"), 3),
                    ),
                )
                if inserted.rowcount:
                    db.execute("INSERT INTO changes_fts (rowid, terms) VALUES (?, ?)", (inserted.lastrowid, terms))
            db.execute("UPDATE repos SET cursor = ?, synced_at = ? WHERE name = ?", (cursor, _ts(now), repo))

    def annotate(self, repo: str, updates: dict[str, dict[str, Any]]) -> int:
        """Merge forge metadata (PR number, URL, reviewers, labels) into stored changes by sha; return how many."""
        changed = 0
        with self.transaction() as db:
            for sha, fields in updates.items():
                row = db.execute("SELECT data FROM changes WHERE id = ?", (change_id(repo, sha),)).fetchone()
                if row is None:
                    continue  # merged on the forge, not (yet) in the mirror's first-parent history
                change = Change.model_validate_json(row[0]).model_copy(update=fields)
                db.execute("UPDATE changes SET data = ? WHERE id = ?", (change.model_dump_json(), change_id(repo, sha)))
                changed += 1
        return changed

    def get_many(self, ids: list[str]) -> dict[str, Change]:
        """Return stored changes by id."""
        found: dict[str, Change] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for identifier, data in self.db.execute(f"SELECT id, data FROM changes WHERE id IN ({marks})", chunk):
                found[identifier] = Change.model_validate_json(data)
        return found

    def diff(self, identifier: str) -> str | None:
        """Return a stored change's diff."""
        row = self.db.execute("SELECT diff FROM changes WHERE id = ?", (identifier,)).fetchone()
        return zlib.decompress(row[0]).decode("utf-8") if row else None

    def ids_in_window(self, repos: list[str], since: datetime, until: datetime) -> list[str]:
        """Return ids of changes of these repositories merged in [since, until), newest first."""
        marks = ",".join("?" * len(repos))
        rows = self.db.execute(
            f"SELECT id FROM changes WHERE repo IN ({marks}) AND merged_at >= ? AND merged_at < ?"
            " ORDER BY merged_at DESC",
            [*repos, _ts(since), _ts(until)],
        )
        return [row[0] for row in rows]

    def ids_of_repo(self, repo: str) -> list[str]:
        """Return every stored change id of a repository."""
        return [row[0] for row in self.db.execute("SELECT id FROM changes WHERE repo = ?", (repo,))]

    def bm25(
        self, query_terms: list[str], repos: list[str], since: datetime, until: datetime, limit: int
    ) -> dict[str, float]:
        """Return bm25 scores (higher is better) of the best matching changes in the window."""
        if not query_terms or not repos:
            return {}
        match = " OR ".join(f'"{term}"' for term in query_terms)
        marks = ",".join("?" * len(repos))
        window = [*repos, _ts(since), _ts(until)]
        # Changes are stored in merge order, so a window is a narrow band of rowids: FTS5 scores
        # only that band instead of every matching change (100k changes: 25 ms -> a few ms).
        low, high = self.db.execute(
            f"SELECT min(rowid), max(rowid) FROM changes WHERE repo IN ({marks}) AND merged_at >= ? AND merged_at < ?",
            window,
        ).fetchone()
        if low is None:
            return {}
        rows = self.db.execute(
            "SELECT c.id, bm25(changes_fts) AS rank FROM changes_fts JOIN changes c ON c.rowid = changes_fts.rowid"
            " WHERE changes_fts MATCH ? AND changes_fts.rowid BETWEEN ? AND ?"
            f" AND c.repo IN ({marks}) AND c.merged_at >= ? AND c.merged_at < ? ORDER BY rank LIMIT ?",
            [match, low, high, *window, limit],
        )
        return {identifier: -score for identifier, score in rows}

    def count(self, repo: str | None = None) -> int:
        """Return how many changes are stored (for one repository, or in all)."""
        if repo is None:
            return self.db.execute("SELECT count(*) FROM changes").fetchone()[0]
        return self.db.execute("SELECT count(*) FROM changes WHERE repo = ?", (repo,)).fetchone()[0]

    # --- deploys ------------------------------------------------------------------------------
    def add_deploys(self, deploys: list[Deploy]) -> int:
        """Store deploy events (the same event twice is stored once); return how many were new."""
        with self.transaction() as db:
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO deploys VALUES (?, ?, ?, ?, ?)",
                [(d.service, d.environment, d.sha, _ts(d.at), d.status) for d in deploys],
            )
            return db.total_changes - before

    def deploys(self, service: str | None = None) -> list[Deploy]:
        """Return stored deploys (of one service, or all), oldest first."""
        query = "SELECT service, environment, sha, at, status FROM deploys"
        if service:
            rows = self.db.execute(query + " WHERE service = ? ORDER BY at", (service,))
        else:
            rows = self.db.execute(query + " ORDER BY at")
        return [Deploy(service=s, environment=e, sha=sha, at=_dt(at), status=st) for s, e, sha, at, st in rows]

    def remove_deploy(self, deploy: Deploy) -> None:
        """Delete one stored deploy event, and the ship times its service/environment had."""
        with self.transaction() as db:
            key = (deploy.service, deploy.environment)
            db.execute(
                "DELETE FROM deploys WHERE service = ? AND environment = ? AND sha = ? AND at = ?",
                (*key, deploy.sha, _ts(deploy.at)),
            )
            db.execute("DELETE FROM shipped WHERE service = ? AND environment = ?", key)

    def replace_shipped(self, repo: str, service: str, environment: str, shipped: dict[str, datetime]) -> None:
        """Replace the ship times of one service/environment's changes."""
        with self.transaction() as db:
            db.execute(
                "DELETE FROM shipped WHERE repo = ? AND service = ? AND environment = ?", (repo, service, environment)
            )
            db.executemany(
                "INSERT INTO shipped VALUES (?, ?, ?, ?, ?)",
                [(repo, sha, service, environment, _ts(at)) for sha, at in shipped.items()],
            )

    def shipped(self, repo: str, service: str | None = None, environment: str | None = None) -> dict[str, datetime]:
        """Map sha -> first ship time of a repository's changes (for a service/environment, if given)."""
        query = "SELECT sha, min(shipped_at) FROM shipped WHERE repo = ?"
        params: list[Any] = [repo]
        if service:
            query += " AND service = ?"
            params.append(service)
        if environment:
            query += " AND environment = ?"
            params.append(environment)
        return {sha: _dt(at) for sha, at in self.db.execute(query + " GROUP BY sha", params)}


def store_error(path: Path, exc: sqlite3.Error) -> SleuthError:
    """Turn a SQLite failure into an error that says what to do."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return SleuthError(
            f"the change index at {path.parent} is locked by another process ({text})",
            hint="wait for the running `sleuth index sync` to finish, then retry",
        )
    return SleuthError(
        f"the change index at {path.parent} is unreadable ({text})",
        hint=f"rebuild it: `sleuth index reset` (deletes {path.parent}) then `sleuth index sync`",
    )
