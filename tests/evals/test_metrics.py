"""Metrics on hand-computed examples."""

import pytest

from sleuth.evals.metrics import CaseResult, beats_baselines, diagnosis_score, random_expectation, summarize

A, B = "a" * 40, "b" * 40


def approx(value):  # type: ignore[no-untyped-def]
    return pytest.approx(value, abs=1e-4)  # metrics are rounded to 4 places


def case(id: str, culprit: str | None, sleuth: int | None, **kwargs) -> CaseResult:  # type: ignore[no-untyped-def]
    kwargs.setdefault("ranks", {"sleuth": sleuth, "recency": 2, "bm25": 1 if culprit == A else 3, "blame": None})
    return CaseResult(id=id, culprit=culprit, **kwargs)


def test_random_expectation_is_analytic() -> None:
    assert random_expectation(4, True) == approx((0.25, 1.0, (1 + 1 / 2 + 1 / 3 + 1 / 4) / 4))
    assert random_expectation(10, True)[1] == approx(0.5)
    assert random_expectation(10, False) == (0.0, 0.0, 0.0)


def test_summary_by_hand() -> None:
    results = [
        # culprit first, right file: bullseye (100)
        case(
            "1",
            A,
            1,
            truth_files=["x.py"],
            named_file="x.py",
            candidates=4,
            culprit_in_window=True,
            truth_category="logic_bug",
            predicted_class="logic_bug",
            named_culprit=A,
            confidence=0.9,
        ),
        # culprit third, wrong file: 35
        case(
            "2",
            B,
            3,
            truth_files=["y.py"],
            named_file="z.py",
            candidates=10,
            culprit_in_window=True,
            truth_category="config_error",
            predicted_class="logic_bug",
            named_culprit="c" * 40,
            confidence=0.6,
        ),
        # culprit absent from sleuth's list: 0
        case("3", B, None, truth_files=["y.py"], named_file=None, candidates=10, culprit_in_window=True),
        # no culprit: abstained correctly
        case("4", None, None, abstained=True, truth_category="dependency_down", predicted_class="dependency_down"),
        # no culprit, named one with low confidence: not an abstention, but recall counts it
        case("5", None, None, named_culprit=A, confidence=0.3),
    ]
    summary = summarize(results)
    s = summary["sleuth"]
    assert s["top1"] == approx(1 / 3)
    assert s["top5"] == approx(2 / 3)
    assert s["mrr"] == approx((1 + 1 / 3 + 0) / 3)
    assert s["file_at_1"] == approx(1 / 3)
    assert s["abstain_precision"] == 1.0
    assert s["abstain_recall"] == 1.0
    assert s["class_accuracy"] == approx(2 / 3)
    assert s["diagnosis_score"] == approx((100 + 35 + 0) / 3)
    assert s["bullseye_share"] == approx(1 / 3)
    assert summary["baselines"]["recency"] == {"top1": 0.0, "top5": 1.0, "mrr": 0.5}
    assert summary["baselines"]["bm25"]["mrr"] == approx((1 + 1 / 3 + 1 / 3) / 3)
    assert summary["baselines"]["blame"]["top5"] == 0.0
    assert summary["baselines"]["random"]["top1"] == approx((0.25 + 0.1 + 0.1) / 3)
    assert summary["with_culprit"] == 3 and summary["no_culprit"] == 2
    assert beats_baselines(summary) == {"top1": False, "top5": False, "mrr": False}


def test_wrong_abstention_lowers_precision_and_a_confident_wrong_name_lowers_recall() -> None:
    results = [
        case("1", A, 2, abstained=True),  # said "no change" on a real culprit (rank pushed to 2)
        case("2", None, None, abstained=True),
        case("3", None, None, named_culprit=B, confidence=0.8),
    ]
    s = summarize(results)["sleuth"]
    assert s["abstain_precision"] == 0.5
    assert s["abstain_recall"] == 0.5


def test_diagnosis_score_levels() -> None:
    assert diagnosis_score(case("x", A, 1, truth_files=["f"], named_file="f")) == 100
    assert diagnosis_score(case("x", A, 1, truth_files=["f"], named_file="g")) == 65
    assert diagnosis_score(case("x", A, 5)) == 35
    assert diagnosis_score(case("x", A, 9, truth_files=["f"], named_file="f")) == 35
    assert diagnosis_score(case("x", A, 6)) == 0
