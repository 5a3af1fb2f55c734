"""Lexical (BM25) ranking of documents against incident text, with SQLite FTS5."""

import re
import sqlite3
from collections.abc import Sequence

_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
_SPLIT_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# Words too common in incidents and code to tell changes apart (diff_evidence extends the list).
STOPWORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "that",
        "this",
        "from",
        "not",
        "are",
        "was",
        "were",
        "has",
        "have",
        "had",
        "but",
        "into",
        "when",
        "then",
        "than",
        "line",
        "file",
        "traceback",
        "most",
        "recent",
        "call",
        "last",
        "error",
        "exception",
        "self",
        "none",
        "true",
        "false",
        "return",
        "def",
        "class",
        "import",
        "raise",
        "error",
    ]
)


def tokens(text: str) -> list[str]:
    """Split text into lowercase search terms, splitting snake_case and CamelCase identifiers."""
    terms: list[str] = []
    for token in _TOKEN.findall(text):
        pieces = {token.lower()}
        for part in re.split(r"_+", token):
            pieces.update(p.lower() for p in _SPLIT_CAMEL.split(part) if len(p) > 2)
        terms.extend(sorted(p for p in pieces if p not in STOPWORDS))
    return terms


def bm25_scores(documents: Sequence[str], query: str, max_terms: int = 64) -> list[float]:
    """Return a BM25 score per document (higher is more similar; 0 when nothing matches)."""
    terms = list(dict.fromkeys(tokens(query)))[:max_terms]
    if not documents or not terms:
        return [0.0] * len(documents)
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("CREATE VIRTUAL TABLE docs USING fts5(body, tokenize='unicode61')")
        connection.executemany(
            "INSERT INTO docs(rowid, body) VALUES (?, ?)",
            [(index, " ".join(tokens(doc))) for index, doc in enumerate(documents)],
        )
        match = " OR ".join(f'"{term}"' for term in terms)
        rows = connection.execute("SELECT rowid, bm25(docs) FROM docs WHERE docs MATCH ?", (match,)).fetchall()
    finally:
        connection.close()
    scores = [0.0] * len(documents)
    for rowid, score in rows:
        scores[rowid] = -score  # FTS5's bm25() is negative: more negative is better.
    return scores
