import json
import subprocess
import sys
from pathlib import Path

from sleuth.evals.trace_corpus import load_records, score, split_of

VISIBLE = Path(__file__).parents[1] / "data" / "stacktraces" / "visible.jsonl"


def test_split_rule_reads_only_the_id_and_halves_the_corpus() -> None:
    ids = [f"py-{n:03d}" for n in range(1, 201)]
    assert [split_of(i) for i in ids] == [split_of(i) for i in ids]
    assert 70 <= sum(split_of(i) == "measure" for i in ids) <= 130


def test_score_counts_a_wrong_frame(tmp_path: Path) -> None:
    records = load_records([VISIBLE])
    assert score(records, "all")["overall"].exact_frames == 267
    broken = dict(records[0], expected=json.loads(json.dumps(records[0]["expected"])))
    broken["expected"]["exceptions"][0]["frames"][0]["line"] = -1
    tally = score([broken], "all")["overall"]
    assert tally.exact_frames == tally.frames - 1 and tally.missed == [broken["id"]]


def test_eval_traces_command_prints_per_language_table() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "sleuth.cli", "eval", "traces", str(VISIBLE), "--split", "all"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "| overall | 1.000 (30/30) | 1.000 (267/267) | 1.000 (38/38) |" in out


def test_every_shipped_corpus_record_is_well_formed() -> None:
    files = sorted((VISIBLE.parent / "corpus").glob("*.jsonl"))
    records = load_records(files)
    assert len({r["id"] for r in records}) == len(records)
    for record in records:
        for exc in record["expected"]["exceptions"]:
            for frame in exc["frames"]:
                assert set(frame) == {"file", "line", "function", "in_app"}, record["id"]
                assert frame["line"] is None or isinstance(frame["line"], int), record["id"]
                assert isinstance(frame["in_app"], bool), record["id"]
