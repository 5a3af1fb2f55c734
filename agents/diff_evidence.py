"""Evidence in the diffs themselves: which changes touched the names and values the incident prints.

bm25 over whole changes rewards shared vocabulary; these features ask a narrower question. An
error that names a key, attribute, function or value (`KeyError: 'region'`, `reading 'amount'`,
`has no attribute 'discount'`, `invalid value for timeout_ms: '2.5s'`) points at the change whose
changed lines hold that exact token, and above all at the change that *removed* it: "missing X"
errors are made by changes that took X away. Tokens are weighted by how rare they are among the
window's diffs, so a name every change touches says little.
"""

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from sleuth.models import Change, Incident, Signals
from sleuth.tools.enrichment import path_tags
from sleuth.tools.lexical import STOPWORDS

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\b\d+(?:\.\d+)?(?:ms|s|m|h|d|kb|mb|gb)\b", re.I)
_QUOTED = re.compile(r"""['"`]([^'"`\s]{2,80})['"`]""")
_PATHLIKE = re.compile(r"\S*[/\\]\S*")
# bm25's stopwords, plus the words of error messages and code that every runtime prints.
_COMMON = STOPWORDS | frozenset(
    """null undefined cannot read properties reading value values type object module function failed request
    at in of is to a an it on by or be as if else new var let const int long str dict list string get set main
    args node java lang util""".split()  # noqa: SIM905
)
MESSAGE_WEIGHT = 2.0  # a token the error message itself names counts double


@dataclass(frozen=True)
class DiffTokens:
    """The identifiers and literals a change's diff adds and removes, and those of the code around its edits.

    `context`: the hunks' unchanged lines and their `@@` headers (git puts the enclosing function or
    section there), so an edit inside `parse_config` or next to `#if HAVE_OPENAT` carries those names.
    """

    added: frozenset[str]
    removed: frozenset[str]
    context: frozenset[str] = frozenset()

    @cached_property  # asked once per incident term: build the union once
    def changed(self) -> frozenset[str]:
        return self.added | self.removed


def _words(text: str) -> set[str]:
    words = {w for w in _WORD.findall(text) if len(w) >= 3 and w.lower() not in _COMMON}
    words.update(q for q in _QUOTED.findall(text) if q.lower() not in _COMMON)
    return words


def changed_lines(diff: str) -> list[str]:
    """The added and removed lines of a unified diff, with their `+`/`-`, file headers skipped."""
    return [line for line in diff.splitlines() if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))]


def diff_tokens(diff: str) -> DiffTokens:
    """Tokens on the added and removed lines of a unified diff, and on its hunks' context (file headers skipped)."""
    added: set[str] = set()
    removed: set[str] = set()
    context: set[str] = set()
    in_hunk = False
    for line in diff.splitlines():
        if line.startswith("@@"):
            in_hunk = True
            context.update(_words(line.split("@@", 2)[-1]))
        elif line.startswith("diff --git"):
            in_hunk = False
        elif in_hunk and line.startswith(" "):
            context.update(_words(line[1:]))
        elif in_hunk and line.startswith(("+", "-")) and not line.startswith(("+++", "---")):
            (added if line.startswith("+") else removed).update(_words(line[1:]))
    return DiffTokens(frozenset(added), frozenset(removed), frozenset(context))


def incident_terms(incident: Incident, signals: Signals) -> dict[str, float]:
    """The tokens the incident names, with the error messages' own tokens weighted up. Paths are dropped."""
    terms: dict[str, float] = {}
    text = _PATHLIKE.sub(" ", incident.text())
    for word in _words(text):
        terms[word] = 1.0
    for exc in signals.exceptions:
        for word in _words(_PATHLIKE.sub(" ", exc.message or "")):
            terms[word] = MESSAGE_WEIGHT
    return terms


def mention_features(tokens: Sequence[DiffTokens], terms: dict[str, float]) -> list[dict[str, float]]:
    """Per change, each IDF-weighted and scaled to the window's best:

    - `diff_mentions`: incident tokens on its changed lines;
    - `removed_mentions`: incident tokens it removed and did not add back;
    - `removed_error_names`: the same, for the tokens a parsed error message names (`KeyError:
      'region'`). Prose that happens to use a word a change deleted is weak evidence; an error
      naming the thing a change deleted is strong, so the two are weighed apart;
    - `context_mentions`: incident tokens only in the code around its edits (the function or `#if`
      it edited inside), not on its changed lines. Weaker than touching the name, but it finds the
      small build or guard change whose own lines never say the name (`+if LINUX` inside `if HAVE_OPENAT`).
    """
    n = len(tokens)

    def weighted_idf(seen_in: list[frozenset[str]]) -> dict[str, float]:
        """Each incident term in some of the changes' token sets: its IDF over them, times the term's weight."""
        frequency = {term: sum(term in seen for seen in seen_in) for term in terms}
        return {term: math.log(1 + n / (1 + df)) * terms[term] for term, df in frequency.items() if df}

    # Sums run over sets, whose order follows the per-process string hash seed: fsum makes them exact,
    # so offline runs give the same values (and ranks) in every process.
    idf = weighted_idf([t.changed for t in tokens])
    named = {term for term in idf if terms[term] >= MESSAGE_WEIGHT}
    mentions = [math.fsum(idf[term] for term in t.changed & idf.keys()) for t in tokens]
    removed = [math.fsum(idf[term] for term in (t.removed - t.added) & idf.keys()) for t in tokens]
    removed_named = [math.fsum(idf[term] for term in (t.removed - t.added) & named) for t in tokens]
    context_idf = weighted_idf([t.context | t.changed for t in tokens])
    around = [math.fsum(context_idf[term] for term in (t.context - t.changed) & context_idf.keys()) for t in tokens]
    columns = {
        "diff_mentions": mentions,
        "removed_mentions": removed,
        "removed_error_names": removed_named,
        "context_mentions": around,
    }
    tops = {name: max(values, default=0.0) or 1.0 for name, values in columns.items()}
    return [{name: values[i] / tops[name] for name, values in columns.items()} for i in range(n)]


def size_ranks(changes: Sequence[Change]) -> list[float]:
    """`size`: where each change's line count falls among the window's, 0 (smallest) to 1 (largest).

    A change-risk signal: culprits are bigger than their neighbours (in the training suites the
    culprit sits at the 76th size percentile of its window). A rank, not a line count, so one
    vendored-file change does not flatten every other change to zero.
    """
    sizes = [c.additions + c.deletions for c in changes]
    if len(sizes) < 2:
        return [0.0] * len(sizes)
    ordered = sorted(sizes)
    ranks = []
    for size in sizes:  # smaller ones, plus half the ties other than itself
        below, through = bisect_left(ordered, size), bisect_right(ordered, size)
        ranks.append((below + 0.5 * (through - below - 1)) / (len(sizes) - 1))
    return ranks


def inert_features(change: Change, runs_through_repo: bool = False) -> dict[str, float]:
    """`docs_only` / `tests_only`: the change touches only documentation / only tests, not running code.

    `docs_under_stack`: a docs-only change when the incident's stack trace runs through this
    repository's code. In mined history a wrong doc is a "culprit" too (24 of the 33 suites' 647 are
    docs-only: a man page or example fixed later), which keeps the learned `docs_only` penalty
    mild; but documentation cannot raise an exception in running code, so under a stack trace the
    penalty is decisive. Tests-only changes
    are not included: a failing test's trace can be a test change's doing.
    """
    kinds = set().union(*(path_tags(path) for path in change.files)) if change.files else set()
    docs_only = 1.0 if kinds and kinds <= {"docs"} else 0.0
    return {
        "docs_only": docs_only,
        "tests_only": 1.0 if kinds and kinds <= {"test"} else 0.0,
        "docs_under_stack": docs_only if runs_through_repo else 0.0,
    }
