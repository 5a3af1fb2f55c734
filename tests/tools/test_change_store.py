"""The sidecar store on its own: a batch written twice is stored once, with one FTS row."""

from datetime import UTC, datetime
from pathlib import Path

from sleuth.models import Change
from sleuth.tools.change_store import ChangeStore


def test_writing_the_same_batch_twice_stores_each_change_once(tmp_path: Path) -> None:
    store = ChangeStore(tmp_path / "sidecar.sqlite3")
    store.register_repo("svc", str(tmp_path), None, ["svc"])
    change = Change(
        sha="a" * 40,
        repo="svc",
        title="Fix rounding",
        committed_at=datetime(2026, 10, 1, tzinfo=UTC),
        merged_at=datetime(2026, 10, 1, tzinfo=UTC),
    )
    batch = [(change, "+x = 1\n", "fix rounding")]
    store.add_batch("svc", batch, change.sha, datetime(2026, 10, 2, tzinfo=UTC))
    store.add_batch("svc", batch, change.sha, datetime(2026, 10, 3, tzinfo=UTC))
    assert store.count("svc") == 1
    assert store.db.execute("SELECT count(*) FROM changes_fts").fetchone()[0] == 1
    assert store.diff("svc:" + "a" * 40) == "+x = 1\n"
    assert store.repo("svc")["cursor"] == change.sha and store.repo("svc")["changes"] == 1
    hits = store.bm25(["rounding"], ["svc"], datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC), 10)
    assert list(hits) == ["svc:" + "a" * 40]
    store.close()
