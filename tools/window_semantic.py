"""Semantic similarity of a window's changes to an incident, without a change index.

The index embeds every change's headline once, at sync time, and search-changes reads the vectors
back. An investigation run without an index (no sync yet, a one-off repository, every eval case)
would otherwise lose the signal altogether; this embeds just the window's headlines, with the same
model and the same text the index would store, so both paths rank on the same evidence.

Vectors are cached per process by text: eval cases over one repository share most of their window,
and a headline's vector never changes. Embedding is serialised by a lock, as eval runs cases on
threads and one model serves them all.
"""

import threading
from collections import OrderedDict
from typing import Any

from sleuth.config import IndexSettings
from sleuth.models import Change
from sleuth.tools.enrichment import headline

CACHE_SIZE = 50_000  # vectors of 384 floats: about 80 MB at most
DECIMALS = 4  # batch padding moves the last float bits; ranks must not depend on what else was embedded

_lock = threading.Lock()
_functions: dict[tuple[str, str], Any] = {}
_vectors: "OrderedDict[tuple[str, str], Any]" = OrderedDict()


def _function(settings: IndexSettings) -> Any:
    from sleuth.tools.embeddings import embedding_function

    key = (settings.embedding, settings.embedding_model)
    if key not in _functions:
        _functions[key] = embedding_function(settings)
    return _functions[key]


def _embed(settings: IndexSettings, texts: list[str]) -> list[Any]:
    """Vectors of the texts, unit length, from the cache where possible (call with the lock held)."""
    import numpy as np

    kind = f"{settings.embedding}:{settings.embedding_model}"
    missing = list(dict.fromkeys(t for t in texts if (kind, t) not in _vectors))
    if missing:
        for text, vector in zip(missing, _function(settings)(missing), strict=True):
            array = np.asarray(vector, dtype=np.float32)
            _vectors[(kind, text)] = array / (np.linalg.norm(array) + 1e-12)
    found = []
    for text in texts:
        _vectors.move_to_end((kind, text))
        found.append(_vectors[(kind, text)])
    while len(_vectors) > CACHE_SIZE:
        _vectors.popitem(last=False)
    return found


def load_model(settings: IndexSettings) -> None:
    """Load the embedding model now (seconds, once per process), not inside the first investigation's timing."""
    with _lock:
        _function(settings)


def window_similarity(settings: IndexSettings, changes: list[Change], query: str) -> list[float]:
    """Cosine similarity of each change's headline to the query, scaled to the window's best (as the index's is)."""
    if not changes or not query.strip():
        return [0.0] * len(changes)
    with _lock:
        vectors = _embed(settings, [query, *(headline(c) for c in changes)])
    question = vectors[0]
    raw = [max(0.0, round(float(v @ question), DECIMALS)) for v in vectors[1:]]
    top = max(raw) or 1.0
    return [round(value / top, DECIMALS) for value in raw]
