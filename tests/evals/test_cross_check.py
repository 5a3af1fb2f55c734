"""Leave-one-suite-out: every suite ranked by weights learned on the others, re-scored from its record."""

import json
from pathlib import Path

from sleuth.evals.cross_check import leave_one_out, rescored_rank
from sleuth.evals.metrics import CaseResult, RankedCandidate
from tests.conftest import run_sleuth

CULPRIT = "c" * 40


def _case(case_id: str, culprit: dict[str, float], others: list[dict[str, float]], **extra: object) -> CaseResult:
    # Recorded in the run's order: the distractors first (the run's priors preferred them).
    ranking = [
        RankedCandidate(sha=f"{i:040d}", timing="merged_before", features=features, score=0.0)
        for i, features in enumerate(others)
    ]
    ranking.append(RankedCandidate(sha=CULPRIT, timing="merged_before", features=culprit, score=0.0))
    ranks = {"sleuth": len(ranking), "bm25": 2, "recency": 1, "blame": 1}
    return CaseResult(id=case_id, culprit=CULPRIT, ranking=ranking, ranks=ranks, tags=["strict"], **extra)


# Culprits say what broke (message_lexical) but are older than the distractors.
WORDS_OVER_AGE = ({"message_lexical": 1.0, "recency": 0.1}, [{"message_lexical": 0.4, "recency": 1.0}])


def test_rescoring_ranks_by_the_given_weights_and_counts_an_abstention_and_not_shipped() -> None:
    case = _case("a", *WORDS_OVER_AGE)
    assert rescored_rank(case, {"recency": 1.0}) == 2
    assert rescored_rank(case, {"message_lexical": 1.0}) == 1
    assert rescored_rank(case.model_copy(update={"abstained": True}), {"message_lexical": 1.0}) == 2
    not_shipped = case.model_copy(deep=True)
    not_shipped.ranking[-1].timing = "not_shipped"  # a tenth of its score: behind the distractor again
    assert rescored_rank(not_shipped, {"message_lexical": 1.0}) == 2
    tie = _case("t", {"lexical": 0.5}, [{"lexical": 0.5}])
    assert rescored_rank(tie, {"lexical": 1.0}) == 2  # a tie keeps the run's order


def test_each_suite_is_ranked_by_what_the_other_suites_taught() -> None:
    suites = {
        "one": [_case(f"one-{i}", *WORDS_OVER_AGE) for i in range(4)],
        "two": [_case(f"two-{i}", *WORDS_OVER_AGE) for i in range(4)],
        # A suite where the newest change is the culprit: what the others teach is wrong here.
        "odd": [_case("odd", {"message_lexical": 0.4, "recency": 1.0}, [WORDS_OVER_AGE[0]])],
    }
    held = {h.suite: h for h in leave_one_out(suites, strength=1.0)}
    assert held["one"].summary["sleuth"]["top1"] == 1.0  # the run's own rank was 2
    assert held["one"].summary["baselines"]["bm25"]["top1"] == 0.0  # baselines are the run's
    assert held["odd"].summary["sleuth"]["top1"] == 0.0 and held["odd"].summary["with_culprit"] == 1
    assert held["one"].strict is not None and held["one"].strict["with_culprit"] == 4


def test_cli_fit_prints_the_held_out_table(tmp_path: Path) -> None:
    paths = []
    for suite in ("one", "two"):
        cases = [_case(f"{suite}-{i}", *WORDS_OVER_AGE).model_dump() for i in range(3)]
        record = {"suite": suite, "metrics": {}, "cases": cases}
        paths.append(tmp_path / f"{suite}.json")
        paths[-1].write_text(json.dumps(record))
    done = run_sleuth("eval", "fit", *map(str, paths), "--out", str(tmp_path / "w.json"), "--leave-one-out")
    assert done.returncode == 0, done.stderr
    assert (
        "| one | full | 3 | 1.00 / 1.00 / 1.00 | 0.00 / 1.00 / 0.50 | 1.00 / 1.00 / 1.00 | yes | none |" in done.stdout
    )
    # Six held-out cases, each ranked first where bm25 ranked it second: the exact sign test gives 2/64.
    assert "| all 2 suites | full | 6 |" in done.stdout
    assert "- full, vs bm25: top1 +1.00 [+1.00, +1.00] p=0.031 better" in done.stdout
    table = run_sleuth("eval", "table", *map(str, paths))  # the records as run, not re-ranked
    assert table.returncode == 0, table.stderr
    assert "| one | full | 3 |" in table.stdout and "| two | full | 3 |" in table.stdout
    assert "- full, vs recency:" in table.stdout
    alone = run_sleuth("eval", "fit", str(paths[0]), "--out", str(tmp_path / "w1.json"), "--leave-one-out")
    assert alone.returncode != 0 and "at least two suites" in alone.stderr
