"""Semantic similarity of a window's changes without an index: the bundled MiniLM, in memory."""

from datetime import UTC, datetime
from pathlib import Path

from sleuth.agents.plan import plan
from sleuth.agents.search_changes import search_changes
from sleuth.config import IndexSettings
from sleuth.models import Change, Incident
from sleuth.tools import window_semantic
from sleuth.tools.clone_gaps import CloneGaps
from sleuth.tools.window_semantic import window_similarity

WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def _change(sha: str, title: str, body: str = "") -> Change:
    return Change(repo="r", sha=sha * 40, title=title, body=body, author="a", merged_at=WHEN, committed_at=WHEN)


WINDOW = [
    _change("a", "docs: fix a typo in the contributing guide"),
    _change("b", "Use flock() to serialise writers of the mount table", "Keeps two mount calls from racing."),
    _change("c", "ci: bump the macOS runner image"),
]
# No word of b's headline: only meaning connects them.
QUERY = "Concurrent mounts now fail with EAGAIN because locking the mtab file returns resource busy"


def test_the_change_closest_in_meaning_leads_and_values_do_not_depend_on_the_cache() -> None:
    settings = IndexSettings()
    scores = window_similarity(settings, WINDOW, QUERY)
    assert scores[1] == 1.0 and max(scores[0], scores[2]) < 0.8
    window_semantic._vectors.clear()
    alone = window_similarity(settings, [WINDOW[1], WINDOW[0]], QUERY)  # other batch, other order
    assert [alone[1], alone[0]] == [scores[0], 1.0]
    assert window_similarity(settings, WINDOW, "   ") == [0.0, 0.0, 0.0]


class _Host:
    """Just enough of a git host for search-changes over an in-memory window."""

    name = "r"

    def list_files(self, ref: str) -> list[str]:
        return []

    def changes(self, branch: object, since: datetime, until: datetime) -> list[Change]:
        return WINDOW

    def diff(self, sha: str) -> str:
        return ""

    def blame(self, *args: object) -> dict:
        return {}

    def gaps(self) -> CloneGaps:
        return CloneGaps(path=Path("r"))  # a complete clone


def test_search_changes_embeds_the_window_unless_told_not_to() -> None:
    incident = Incident(title="mount fails", description=QUERY, started_at=WHEN)
    signals = plan(incident)
    with_semantic = search_changes(_Host(), incident, signals, "HEAD", None, 14, [], embedding=IndexSettings())
    by_sha = {c.change.sha[0]: c for c in with_semantic.candidates}
    assert by_sha["b"].features["semantic"] == 1.0 and with_semantic.candidates[0].change.sha[0] == "b"
    without = search_changes(_Host(), incident, signals, "HEAD", None, 14, [])
    assert all("semantic" not in c.features for c in without.candidates)


def test_an_embedding_that_cannot_run_leaves_a_note_not_a_failure() -> None:
    incident = Incident(title="mount fails", description=QUERY, started_at=WHEN)
    no_key = IndexSettings(embedding="openai")  # no API key: the embedding cannot be built
    result = search_changes(_Host(), incident, plan(incident), "HEAD", None, 14, [], embedding=no_key)
    assert all("semantic" not in c.features for c in result.candidates)
    assert any("ranking without semantic similarity" in note and "embedding_api_key" in note for note in result.notes)
