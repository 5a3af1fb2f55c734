"""ChangeIndex: every merged change as one Chroma document (dense search by meaning, metadata
filters) plus the sidecar SQLite store (raw data, diffs, bm25, cursors, deploys).

Chroma runs embedded (`PersistentClient`, the default) or as a shared server (`HttpClient`); the
embedding function is always passed explicitly. Documents are short (title + extractive summary):
embedding whole diffs would make the index many times slower for little gain.
"""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sleuth.config import Settings
from sleuth.errors import SleuthError
from sleuth.models import Change
from sleuth.redact import scrub_model, scrub_values
from sleuth.tools.change_store import ChangeStore, change_id
from sleuth.tools.enrichment import headline
from sleuth.tools.lexical import tokens

CHANGES_COLLECTION = "sleuth-changes"
MAX_PATHS_IN_METADATA = 30
MAX_QUERY_TERMS = 48
EXACT_WINDOW = 2000  # up to this many changes in a window, compare every vector exactly


@dataclass
class IndexHit:
    """A change found by a search, with its score from each signal (0 when a signal missed it)."""

    change: Change
    dense: float = 0.0
    lexical: float = 0.0
    fused: float = 0.0


def document_text(change: Change) -> str:
    """Return the short text embedded for a change: title and the body's first sentence.

    The summary's file counts and symbol lists are left to bm25; embedding them costs time and
    adds no meaning (STACK.md: short texts embed several times faster).
    """
    return headline(change)


def metadata(change: Change, services: list[str]) -> dict[str, Any]:
    """Return the Chroma metadata of a change (lists must be non-empty)."""
    meta: dict[str, Any] = {
        "repo": change.repo,
        "services": services or [change.repo],
        "merged_at": int(change.merged_at.timestamp()),
        "author": change.author,
        "size": change.additions + change.deletions,
    }
    if change.files:
        meta["paths"] = change.files[:MAX_PATHS_IN_METADATA]
    if change.enrichment and change.enrichment.tags:
        meta["tags"] = change.enrichment.tags
    if change.number is not None:
        meta["number"] = change.number
    return meta


def chroma_client(settings: Settings, index_dir: Path) -> Any:
    """Return the Chroma client the settings select: embedded, or a server on host:port."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.index.backend == "http":
        try:
            return chromadb.HttpClient(host=settings.index.host, port=settings.index.port, settings=chroma_settings)
        except Exception as exc:  # chromadb raises plain ValueError/ConnectError variants here
            raise SleuthError(
                f"cannot reach the Chroma server at {settings.index.host}:{settings.index.port} ({exc})",
                hint="start it with `chroma run --path DIR --host 127.0.0.1 --port N`, or use the embedded index",
            ) from None
    try:
        return chromadb.PersistentClient(path=str(index_dir / "chroma"), settings=chroma_settings)
    except Exception as exc:  # a corrupted or foreign directory surfaces as several exception types
        raise SleuthError(
            f"the Chroma store in {index_dir} cannot be opened ({exc})",
            hint="rebuild it: `sleuth index reset` then `sleuth index sync`",
        ) from None


class ChangeIndex:
    """Changes indexed for search by meaning (Chroma) and by words (SQLite FTS5)."""

    def __init__(self, settings: Settings, index_dir: Path | None = None) -> None:
        from sleuth.tools.embeddings import embedding_function

        self.settings = settings
        self.dir = (index_dir or settings.index_dir()).expanduser().resolve()
        self.store = ChangeStore(self.dir / "sidecar.sqlite3")
        self.client = chroma_client(settings, self.dir)
        self.embed = embedding_function(settings.index)
        try:
            # One collection per embedding kind: vectors of different models must never mix.
            self.collection = self.client.get_or_create_collection(
                f"{CHANGES_COLLECTION}-{settings.index.embedding}",
                embedding_function=self.embed,
                configuration={"hnsw": {"space": "cosine"}},
            )
        except Exception as exc:
            raise SleuthError(
                f"the change collection in {self.dir} cannot be opened ({exc})",
                hint="rebuild it: `sleuth index reset` then `sleuth index sync`",
            ) from None

    def close(self) -> None:
        """Release the sidecar store."""
        self.store.close()

    # --- writing ------------------------------------------------------------------------------
    def upsert(self, repo: str, services: list[str], items: list[tuple[Change, str, str]], cursor: str) -> None:
        """Index a batch: Chroma first (upsert is idempotent), then the store with the cursor.

        If the process dies in between, the store does not have the batch and the next sync upserts
        the same ids again: Chroma ends with one copy, never two.
        """
        secrets = self.settings.secrets()
        # Configured secrets committed to the history (a token in a message or a diff) are never stored.
        items = [(scrub_model(c, secrets), scrub_values(d, secrets), scrub_values(t, secrets)) for c, d, t in items]
        if items:
            self._upsert_chroma([change for change, _, _ in items], services)
        self.store.add_batch(repo, items, cursor, datetime.now().astimezone())

    def _upsert_chroma(self, changes: list[Change], services: list[str]) -> None:
        self.collection.upsert(
            ids=[change_id(c.repo, c.sha) for c in changes],
            documents=[document_text(c) for c in changes],
            metadatas=[metadata(c, services) for c in changes],
        )

    def repair(self, repo: str, services: list[str]) -> int:
        """Re-add changes the store has but Chroma lacks (e.g. after a crash); return how many."""
        if self.store.count() <= self.collection.count():
            return 0  # the cheap check: listing every id of a large repository takes seconds
        in_chroma = set(self.collection.get(where={"repo": repo}, include=[])["ids"])
        missing = [identifier for identifier in self.store.ids_of_repo(repo) if identifier not in in_chroma]
        for start in range(0, len(missing), self.settings.index.batch_size):
            chunk = self.store.get_many(missing[start : start + self.settings.index.batch_size])
            self._upsert_chroma(list(chunk.values()), services)
        return len(missing)

    def mark_shipped(self, repo: str, environment: str, shipped: dict[str, datetime]) -> None:
        """Record ship times in Chroma metadata (`shipped_at_<environment>`) for filtering."""
        key = f"shipped_at_{environment}"
        pairs = [(change_id(repo, sha), int(at.timestamp())) for sha, at in shipped.items()]
        known = self.store.known(identifier for identifier, _ in pairs)
        pairs = [(identifier, at) for identifier, at in pairs if identifier in known]
        for start in range(0, len(pairs), 1000):
            chunk = pairs[start : start + 1000]
            self.collection.update(ids=[i for i, _ in chunk], metadatas=[{key: at} for _, at in chunk])

    # --- reading ------------------------------------------------------------------------------
    def count(self, repo: str | None = None) -> tuple[int, int]:
        """Return (changes in the store, documents in Chroma), for one repository or all."""
        if repo is None:
            return self.store.count(), self.collection.count()
        return self.store.count(repo), len(self.collection.get(where={"repo": repo}, include=[])["ids"])

    def search(
        self,
        query: str,
        repos: list[str],
        since: datetime,
        until: datetime,
        limit: int = 100,
    ) -> list[IndexHit]:
        """Return changes of these repositories in [since, until), ranked by dense + bm25 fusion.

        Each signal is normalised to its best hit in this result set (1.0 = best), then averaged.
        """
        dense, lexical = self.scores(query, repos, since, until, limit)
        top_dense = max(dense.values(), default=0.0) or 1.0
        top_lexical = max(lexical.values(), default=0.0) or 1.0
        changes = self.store.get_many(list(dict.fromkeys([*dense, *lexical])))
        hits = []
        for identifier, change in changes.items():
            d, lx = dense.get(identifier, 0.0), lexical.get(identifier, 0.0)
            hits.append(
                IndexHit(
                    change=change,
                    dense=round(d, 4),
                    lexical=round(lx, 4),
                    fused=round((d / top_dense + lx / top_lexical) / 2, 4),
                )
            )
        hits.sort(key=lambda h: (-h.fused, -h.change.merged_at.timestamp()))
        return hits[:limit]

    def scores(
        self,
        query: str,
        repos: list[str],
        since: datetime,
        until: datetime,
        limit: int = 100,
        window: list[str] | None = None,
    ) -> tuple[dict[str, float], dict[str, float]]:
        """Return the best `limit` changes in the window by cosine similarity and by bm25 (by id).

        An incident's window is small (hundreds of changes): its vectors are fetched from Chroma by
        id and compared exactly, which is several times faster than Chroma's metadata-filtered
        search over a large collection (measured at 100k changes: 15 ms against 180 ms). Larger
        windows use the filtered approximate search. `window` is the ids in [since, until) when the
        caller has already read them.
        """
        repos = list(repos)
        if not repos:
            return {}, {}
        if window is None:
            window = self.store.ids_in_window(repos, since, until)
        if len(window) <= EXACT_WINDOW:
            dense = self._exact_dense(query, window, limit)
        else:
            dense = self._filtered_dense(query, repos, since, until, limit)
        terms = list(dict.fromkeys(tokens(query)))[:MAX_QUERY_TERMS]
        return dense, self.store.bm25(terms, repos, since, until, limit)

    def _exact_dense(self, query: str, ids: list[str], limit: int) -> dict[str, float]:
        import numpy as np

        if not ids:
            return {}
        found = self.collection.get(ids=ids, include=["embeddings"])
        if not found["ids"]:
            return {}
        vectors = np.asarray(found["embeddings"], dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12
        question = np.asarray(self.embed([query])[0], dtype=np.float32)
        question /= np.linalg.norm(question) + 1e-12
        similarity = vectors @ question
        best = np.argsort(-similarity)[:limit]
        return {found["ids"][i]: max(0.0, float(similarity[i])) for i in best}

    def _filtered_dense(
        self, query: str, repos: list[str], since: datetime, until: datetime, limit: int
    ) -> dict[str, float]:
        where: list[dict[str, Any]] = [
            {"repo": {"$in": repos}} if len(repos) > 1 else {"repo": repos[0]},
            {"merged_at": {"$gte": int(since.timestamp())}},
            {"merged_at": {"$lt": int(until.timestamp())}},
        ]
        result = self.collection.query(
            query_texts=[query], n_results=limit, where={"$and": where}, include=["distances"]
        )
        return {i: max(0.0, 1.0 - d) for i, d in zip(result["ids"][0], result["distances"][0], strict=True)}
