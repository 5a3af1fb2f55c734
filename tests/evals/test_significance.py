"""Paired differences: hand-computed p-values, honest verdicts on tiny suites, determinism."""

import pytest

from sleuth.evals.metrics import CaseResult
from sleuth.evals.record import comparison
from sleuth.evals.significance import between_runs, paired_difference, versus_baselines


def _case(id: str, sleuth: int | None, bm25: int | None) -> CaseResult:
    return CaseResult(id=id, culprit="c" * 40, ranks={"sleuth": sleuth, "bm25": bm25}, candidates=10)


def test_one_case_behind_is_within_noise_not_worse() -> None:
    difference = paired_difference([0.0], [1.0])
    assert (difference.mean, difference.p_value, difference.verdict) == (-1.0, 1.0, "within noise")


def test_six_wins_out_of_six_is_the_exact_sign_test() -> None:
    difference = paired_difference([1.0] * 6, [0.0] * 6)
    # Two of the 2**6 sign flips are at least as extreme as the observed mean: p = 2/64.
    assert difference.p_value == pytest.approx(2 / 64, abs=1e-4)
    assert (difference.low, difference.high, difference.verdict) == (1.0, 1.0, "better")


def test_five_losses_of_five_are_not_enough_but_the_direction_is_kept() -> None:
    difference = paired_difference([0.0] * 5, [1.0] * 5)
    assert difference.p_value == pytest.approx(2 / 32, abs=1e-4) and difference.verdict == "within noise"
    assert difference.mean == -1.0


def test_identical_scores_are_tied() -> None:
    assert paired_difference([0.5, 1.0, 0.0], [0.5, 1.0, 0.0]).verdict == "tied"


def test_a_mixed_sample_gets_an_interval_around_its_mean_and_the_same_answer_twice() -> None:
    first = [1.0, 0.5, 1.0, 0.33, 1.0, 0.25, 1.0, 1.0, 0.5, 1.0, 0.2, 1.0, 1.0, 0.5, 1.0, 1.0]
    second = [0.5, 0.5, 1.0, 0.25, 0.2, 0.25, 1.0, 0.5, 1.0, 0.33, 0.2, 0.5, 1.0, 0.5, 0.5, 1.0]
    difference = paired_difference(first, second)
    assert difference.low < difference.mean < difference.high
    assert difference.mean == pytest.approx(sum(first) / 16 - sum(second) / 16, abs=1e-4)
    assert difference == paired_difference(first, second)  # seeded: a record is reproducible


def test_versus_baselines_scores_ranks_per_metric() -> None:
    results = [_case("1", 1, 2), _case("2", 3, 1), _case("3", None, 7), CaseResult(id="4", culprit=None)]
    table = versus_baselines(results, ("bm25",))["bm25"]
    assert table["top1"].mean == pytest.approx((1 - 1 + 0) / 3, abs=1e-4)
    assert table["top5"].mean == pytest.approx(0.0) and table["top5"].cases == 3
    assert table["mrr"].mean == pytest.approx(((1 - 0.5) + (1 / 3 - 1) + (0 - 1 / 7)) / 3, abs=1e-4)


def test_runs_are_compared_on_the_cases_both_hold() -> None:
    old = [_case("1", 2, 1).model_dump(), _case("2", 1, 1).model_dump(), _case("gone", 9, 1).model_dump()]
    new = [_case("1", 1, 1).model_dump(), _case("2", 1, 1).model_dump(), _case("added", 1, 1).model_dump()]
    shared = between_runs(old, new)
    assert shared["mrr"].cases == 2 and shared["mrr"].mean == pytest.approx(0.25)
    record = {"suite": "s", "sleuth": {"commit": "abc"}, "metrics": {"sleuth": {}}}
    text = comparison({**record, "cases": old}, {**record, "cases": new})
    assert "Paired over the 2 culprit case(s)" in text and "| MRR | +0.25" in text
    disjoint = comparison({**record, "cases": old[2:]}, {**record, "cases": new[2:]})
    assert "No culprit case is in both runs" in disjoint


def test_the_suite_table_names_a_baseline_ahead_beyond_noise_and_not_one_ahead_by_luck() -> None:
    from sleuth.evals.suite_table import suite_table

    behind = [_case(f"b{i}", 2, 1) for i in range(6)]  # bm25 first six times out of six: p = 2/64
    unlucky = [_case("u1", 2, 1), _case("u2", 1, 1)]  # one case behind: within noise
    text = suite_table({"behind": behind, "unlucky": unlucky})
    assert "| behind | full | 6 | 0.00 / 1.00 / 0.50 | 1.00 / 1.00 / 1.00 |" in text
    assert text.split("| behind | full |")[1].split("\n")[0].endswith("| no | bm25 top1, bm25 mrr |")
    assert text.split("| unlucky | full |")[1].split("\n")[0].endswith("| no | none |")
    assert "| all 2 suites | full | 8 |" in text
