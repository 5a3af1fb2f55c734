"""Ranking evidence from diffs, learned fusion weights, and reading data the failing line reads."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sleuth.agents import ranking_weights
from sleuth.agents.diff_evidence import diff_tokens, incident_terms, inert_features, mention_features, size_ranks
from sleuth.agents.plan import plan
from sleuth.agents.search_changes import _message_lexical, _recency_ranks
from sleuth.errors import SleuthError
from sleuth.evals.fusion import fit_weights
from sleuth.evals.metrics import CaseResult, RankedCandidate
from sleuth.models import Change, Incident
from sleuth.tools.call_path import function_span, referenced_names, statement_span

RENAME = """--- a/app/pricing.py
+++ b/app/pricing.py
@@ -10,2 +10,2 @@
-def discount(total, code):
+def apply_discount(total, code):
"""
LOGGING = """--- a/app/handlers.py
+++ b/app/handlers.py
@@ -1,0 +2,3 @@
+import logging
+log = logging.getLogger(__name__)
+    total = pricing.discount(total, code)  # unchanged call, re-indented
"""
CONFIG = """--- a/config/settings.json
+++ b/config/settings.json
@@ -2 +2 @@
-  "timeout_ms": 2500,
+  "timeout_ms": "2.5s",
"""


WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def _incident(logs: str) -> Incident:
    return Incident(title="checkout fails", logs=logs, started_at=datetime(2026, 1, 1, tzinfo=UTC))


def test_the_change_that_removed_the_missing_name_leads_removed_mentions() -> None:
    incident = _incident(
        'Traceback (most recent call last):\n  File "/srv/app/handlers.py", line 15, in checkout\n'
        "    total = pricing.discount(total, code)\nAttributeError: module 'app.pricing' has no attribute 'discount'\n"
    )
    terms = incident_terms(incident, plan(incident))
    assert terms["discount"] == 2.0  # named by the error message itself
    assert "srv" not in terms and "handlers" not in terms  # paths are the frames' business, not the diffs'
    features = mention_features([diff_tokens(RENAME), diff_tokens(LOGGING), diff_tokens(CONFIG)], terms)
    assert features[0]["removed_mentions"] == 1.0 and features[0]["removed_error_names"] == 1.0
    assert features[1]["removed_mentions"] == 0.0 and features[1]["diff_mentions"] > 0  # mentions, removes nothing
    assert set(features[2].values()) == {0.0}
    # Prose that uses a word a change deleted is not an error naming it.
    prose = _incident("checkout totals ignore the discount code since yesterday")
    features = mention_features([diff_tokens(RENAME), diff_tokens(LOGGING)], incident_terms(prose, plan(prose)))
    assert features[0]["removed_mentions"] == 1.0 and features[0]["removed_error_names"] == 0.0


def test_a_config_value_the_error_prints_points_at_the_change_that_set_it() -> None:
    incident = _incident("app.config.ConfigError: invalid value for timeout_ms: '2.5s'\n")
    features = mention_features([diff_tokens(RENAME), diff_tokens(CONFIG)], incident_terms(incident, plan(incident)))
    assert features[1]["diff_mentions"] == 1.0 and features[0]["diff_mentions"] == 0.0
    assert {"timeout_ms", "2.5s"} <= diff_tokens(CONFIG).added


GUARD = """diff --git a/lib/Makemodule.am b/lib/Makemodule.am
--- a/lib/Makemodule.am
+++ b/lib/Makemodule.am
@@ -56,6 +56,8 @@ endif
 if HAVE_OPENAT
 if HAVE_DIRFD
 libcommon_la_SOURCES += lib/path.c
+if LINUX
 libcommon_la_SOURCES += lib/sysfs.c
+endif
 endif
"""
INSIDE = """diff --git a/src/conf.c b/src/conf.c
--- a/src/conf.c
+++ b/src/conf.c
@@ -40,3 +40,3 @@ static int parse_timeout(const char *value)
 \tlong ms = strtol(value, NULL, 10);
-\treturn ms;
+\treturn ms * 1000;
"""


def test_an_edit_next_to_a_name_the_incident_says_counts_as_context_not_as_a_change_to_it() -> None:
    prose = _incident("the build breaks on non-Linux targets: depend on HAVE_DIRFD and HAVE_OPENAT again")
    tokens = [diff_tokens(GUARD), diff_tokens(RENAME)]
    assert {"HAVE_OPENAT", "HAVE_DIRFD"} <= tokens[0].context and "HAVE_DIRFD" not in tokens[0].changed
    assert "LINUX" in tokens[0].added and "endif" in tokens[0].context  # the @@ header's text is context too
    features = mention_features(tokens, incident_terms(prose, plan(prose)))
    assert features[0]["context_mentions"] == 1.0 and features[0]["diff_mentions"] == 0.0
    assert features[1]["context_mentions"] == 0.0
    # The hunk header names the function the edit sits in; a name already on a changed line is not context.
    crash = _incident("timeouts are 1000x too long since parse_timeout changed; strtol is fine")
    features = mention_features([diff_tokens(INSIDE), diff_tokens(GUARD)], incident_terms(crash, plan(crash)))
    assert "parse_timeout" in diff_tokens(INSIDE).context
    assert features[0]["context_mentions"] == 1.0 and features[1]["context_mentions"] == 0.0


def test_docs_and_tests_only_changes_are_marked_inert() -> None:
    def change(*files: str) -> Change:
        return Change(
            repo="r", sha="a" * 40, title="t", author="a", committed_at=WHEN, merged_at=WHEN, files=list(files)
        )

    docs = change("README.md", "docs/ops.rst")
    assert inert_features(docs) == {"docs_only": 1.0, "tests_only": 0.0, "docs_under_stack": 0.0}
    assert inert_features(docs, runs_through_repo=True)["docs_under_stack"] == 1.0
    # A failing test's trace can be a test change's doing: only docs are ruled out by a trace.
    assert inert_features(change("tests/test_x.py"), runs_through_repo=True) == {
        "docs_only": 0.0,
        "tests_only": 1.0,
        "docs_under_stack": 0.0,
    }
    assert set(inert_features(change("README.md", "app/x.py"), runs_through_repo=True).values()) == {0.0}


def test_size_is_the_changes_rank_among_the_window_by_lines_changed() -> None:
    def change(additions: int, deletions: int) -> Change:
        return Change(
            repo="r",
            sha="a" * 40,
            title="t",
            committed_at=WHEN,
            merged_at=WHEN,
            additions=additions,
            deletions=deletions,
        )

    # 6 lines, 1 line, 6 lines (a tie), 5000 lines: the vendored blob does not flatten the rest to zero.
    assert size_ranks([change(5, 1), change(1, 0), change(3, 3), change(4000, 1000)]) == [0.5, 0.0, 0.5, 1.0]
    assert size_ranks([change(9, 9)]) == [0.0]


def test_recency_rank_orders_the_window_and_one_deploy_shares_a_rank() -> None:
    hour = timedelta(hours=1)
    # newest, oldest, and two changes shipped by the same deploy in between
    assert _recency_ranks([WHEN, WHEN - 9 * hour, WHEN - 2 * hour, WHEN - 2 * hour]) == pytest.approx(
        [1, 0, 2 / 3, 2 / 3]
    )
    assert _recency_ranks([WHEN]) == [1.0]


def test_message_lexical_reads_what_a_change_says_not_its_diff() -> None:
    def change(title: str, files: list[str]) -> Change:
        return Change(repo="r", sha="a" * 40, title=title, committed_at=WHEN, merged_at=WHEN, files=files)

    incident = Incident(
        title="wheel cache ignored",
        description="every install rebuilds the wheel: the cache is never hit",
        started_at=WHEN,
    )
    window = [
        change("Vendor a newer urllib3", ["src/pip/_vendor/urllib3/x.py"]),
        change("Key the wheel cache by hash", ["src/pip/cache.py"]),
    ]
    assert _message_lexical(window, incident) == [0.0, 1.0]


def _case(culprit_features: dict[str, float], others: list[dict[str, float]], case_id: str = "c") -> CaseResult:
    ranking = [RankedCandidate(sha="c" * 40, timing="merged_before", features=culprit_features, score=0.0)]
    ranking += [
        RankedCandidate(sha=f"{i:040d}", timing="merged_before", features=features, score=0.0)
        for i, features in enumerate(others)
    ]
    return CaseResult(id=case_id, culprit="c" * 40, ranking=ranking)


def test_fit_learns_what_separates_culprits_and_keeps_priors_for_unseen_features() -> None:
    # Culprits carry the words (lexical) but are older than the distractors (recency): under the
    # priors recency wins sometimes; the fit must raise lexical and lower recency.
    results = [
        _case(
            {"lexical": 0.6, "recency": 0.2},
            [{"lexical": 0.3, "recency": 1.0}, {"lexical": 0.0, "recency": 0.5}],
            f"c{i}",
        )
        for i in range(6)
    ]
    fit = fit_weights({"suite": results})
    prior = ranking_weights.PRIOR
    assert fit.weights["lexical"] > prior["lexical"] and fit.weights["recency"] < prior["recency"]
    # Never seen: keeps its prior on the learned scale (the exercised weights' size over their priors').
    exercised = [name for name in prior if name in ("lexical", "recency")]
    scale = sum(abs(fit.weights[n]) for n in exercised) / sum(abs(prior[n]) for n in exercised)
    assert fit.scale == pytest.approx(scale, abs=1e-3) and fit.scale != 1.0
    assert fit.weights["blame_frame_line"] == pytest.approx(prior["blame_frame_line"] * fit.scale, abs=1e-3)
    assert fit.weights["call_path"] / fit.weights["blame_frame_line"] == pytest.approx(
        prior["call_path"] / prior["blame_frame_line"], abs=1e-3
    )
    assert fit.train_mrr_learned == 1.0 and fit.train_mrr_prior < 1.0
    assert fit.cases == 6 and fit.pairs == 12


def test_fit_refuses_runs_without_a_usable_case() -> None:
    with pytest.raises(SleuthError, match="no training case"):
        fit_weights({"suite": [_case({"lexical": 1.0}, [])]})


def test_a_suites_cases_weigh_one_over_the_root_of_its_size() -> None:
    words = _case({"lexical": 0.6, "recency": 0.2}, [{"lexical": 0.3, "recency": 1.0}], "words")
    fresh = _case({"lexical": 0.1, "recency": 1.0}, [{"lexical": 0.5, "recency": 0.3}], "fresh")
    balanced = fit_weights({"big": [words] * 4, "small": [fresh]})
    # Four cases weigh 4/sqrt(4) = 2 against the small suite's 1, so the big suite counts double, not
    # fourfold: the same as one suite of [words, words, fresh], whose 3 cases (5 above) meet the prior.
    same = fit_weights({"one": [words, words, fresh]}, strength=3 / 5)
    assert balanced.weights == pytest.approx(same.weights, abs=1e-3)
    fourfold = fit_weights({"one": [words] * 4 + [fresh]})
    assert fourfold.weights["lexical"] > balanced.weights["lexical"]
    assert fourfold.weights["recency"] < balanced.weights["recency"]


def test_a_learned_weights_file_overrides_priors_and_a_broken_one_is_refused(tmp_path: Path) -> None:
    learned = tmp_path / "w.json"
    learned.write_text(json.dumps({"weights": {"lexical": 2.5}, "trained_on": [{"suite": "pip"}]}))
    weights = ranking_weights.fusion_weights(learned)
    assert weights["lexical"] == 2.5 and weights["recency"] == ranking_weights.PRIOR["recency"]
    assert ranking_weights.weights_source(learned) == {"file": str(learned), "trained_on": ["pip"]}
    broken = tmp_path / "broken.json"
    broken.write_text("[1, 2]")
    with pytest.raises(SleuthError, match="not a `sleuth eval fit` output"):
        ranking_weights.fusion_weights(broken)
    with pytest.raises(SleuthError, match="does not exist"):
        ranking_weights.fusion_weights(tmp_path / "missing.json")


JAVA = """public final class Plans {
    private static final Map<String, Long> RATES = Map.of(
        "starter", 150L,
        "pro", 90L
    );

    public static long rateFor(String plan) {
        return RATES.get(plan);
    }
}
"""


def test_reading_follows_a_constant_the_failing_line_reads_to_its_whole_definition() -> None:
    assert referenced_names(JAVA, 8) == ["RATES"]
    assert statement_span(JAVA, 2, python=False) == (2, 5)
    assert function_span(JAVA, 7, python=False) == (7, 9)  # the braced block, not a fixed 40 lines
    python = "RATES = {\n    'a': 1,\n}\n\ndef rate(k):\n    return RATES[k]\n"
    assert referenced_names(python, 6) == ["RATES"] and statement_span(python, 1, python=True) == (1, 3)


def test_a_diff_unidiff_cannot_parse_drafts_no_fix_instead_of_crashing() -> None:
    from sleuth.agents.draft_fix import select_hunks

    cut = "--- a/x.py\n+++ b/x.py\n\\ No newline at end of file\n"  # a file's diff cut at the size cap
    assert select_hunks(cut, "x.py", set()) == ""
    whole = "--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a = 1\n+a = 2\n"
    assert "+a = 2" in select_hunks(whole, "x.py", set())


def test_mention_features_do_not_depend_on_the_process_hash_seed() -> None:
    # Token sets iterate in an order set by PYTHONHASHSEED; offline runs must give the same values in any process.
    import os
    import subprocess
    import sys

    diff = "@@ -1 +1,40 @@ def price(total)\n" + "\n".join(
        f"+    value_{i} = total_{i} * 0.{i + 1}  # rate_{i}" for i in range(40)
    )
    script = (
        "from sleuth.agents.diff_evidence import diff_tokens, mention_features\n"
        f"diff = {diff!r}\n"
        "terms = {f'{kind}_{i}': 1.0 + i / 7 for kind in ('value', 'total', 'rate') for i in range(40)}\n"
        "other = diff_tokens('@@ -1 +1 @@\\n+value_1 = 2')\n"
        "print(repr(mention_features([diff_tokens(diff), other], terms)))\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(6)
    }
    assert len(outputs) == 1
