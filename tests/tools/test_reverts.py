"""Which changes of a window were already reverted, and what search-changes makes of it (real git)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sleuth.agents.hypothesize import confidence
from sleuth.agents.plan import plan
from sleuth.agents.ranking_weights import fusion_weights
from sleuth.agents.search_changes import search_changes
from sleuth.models import Change, Deploy, Incident
from sleuth.tools.local_git import LocalGitHost
from sleuth.tools.reverts import revert_targets, reverted_in_window
from tests.conftest import commit_files, git, new_repo

T0 = datetime(2026, 10, 1, 9, tzinfo=UTC)


def _change(sha: str, title: str, hour: int, body: str = "", number: int | None = None) -> Change:
    at = T0 + timedelta(hours=hour)
    return Change(sha=sha * 40, repo="r", title=title, body=body, committed_at=at, merged_at=at, number=number)


def test_a_revert_names_its_target_by_sha_number_or_quoted_title() -> None:
    by_sha = _change("b", 'Revert "Cache rates"', 1, body="This reverts commit aaaaaaa.\n\nIt broke EUR.")
    assert revert_targets(by_sha).shas == ("aaaaaaa",) and revert_targets(by_sha).titles == ("cache rates",)
    squash = _change("c", 'Revert "Cache rates (#12)" (#13)', 1, body="Reverts acme/pay#12", number=13)
    assert revert_targets(squash).numbers == (12,) and revert_targets(squash).titles == ("cache rates",)
    button = _change("d", "Merge pull request #14 from ada/revert-12-cache-rates", 1, number=14)
    assert revert_targets(button).numbers == (12,)
    assert revert_targets(_change("e", "Revert #12", 1)).numbers == (12,)
    assert not revert_targets(_change("f", "Reverted the revert logic in retries", 1, body="See #12."))


def test_reverted_in_window_maps_each_reverted_change_to_the_revert_in_effect() -> None:
    cache = _change("a", "Cache rates (#12)", 0, number=12)
    other = _change("b", "Round to cents", 1)
    squash_revert = _change("c", 'Revert "Cache rates (#12)" (#13)', 2, body="Reverts acme/pay#12", number=13)
    assert reverted_in_window([squash_revert, other, cache]) == {cache.sha: squash_revert}
    # The revert reverted: the change is running again, and the first revert is what is undone.
    reapply = _change("d", 'Revert "Revert "Cache rates (#12)" (#13)"', 3, body=f"This reverts commit {'c' * 40}.")
    assert reverted_in_window([cache, other, squash_revert, reapply]) == {squash_revert.sha: reapply}


def test_a_quoted_title_alone_names_only_the_latest_change_with_that_title() -> None:
    first = _change("a", "Bump timeout", 0)
    second = _change("b", "Bump timeout", 1)
    revert = _change("c", 'Revert "Bump timeout"', 2)
    assert reverted_in_window([first, second, revert]) == {second.sha: revert}


def test_a_revert_of_a_change_outside_the_window_or_of_a_later_one_reverts_nothing() -> None:
    revert = _change("c", 'Revert "Old thing"', 1, body=f"This reverts commit {'9' * 40}.")
    later = _change("d", "Old thing", 2)
    assert reverted_in_window([revert, later]) == {}


def _repo_with_a_reverted_lookalike(tmp_path: Path) -> tuple[LocalGitHost, dict[str, str], Incident]:
    repo = new_repo(tmp_path / "pay")
    base = "RATES = {'EUR': 1.1, 'GBP': 1.3}\n\ndef rate(currency):\n    return RATES[currency.upper()]\n"
    commit_files(repo, {"pay/rates.py": base}, "Initial", when="2026-10-01T08:00:00+00:00")
    cached = (
        base + "\n_CACHE = {}\n\ndef cached_rate(currency):\n    return _CACHE.setdefault(currency, rate(currency))\n"
    )
    commit_files(repo, {"pay/rates.py": cached}, "Cache exchange rates per currency", when="2026-10-01T09:00:00+00:00")
    lookalike = git(repo, "rev-parse", "HEAD")
    git(repo, "revert", "--no-edit", "HEAD", when="2026-10-01T10:00:00+00:00")
    revert = git(repo, "rev-parse", "HEAD")
    culprit_text = base.replace("currency.upper()", "currency")
    commit_files(repo, {"pay/rates.py": culprit_text}, "Simplify currency lookup", when="2026-10-01T11:00:00+00:00")
    culprit = git(repo, "rev-parse", "HEAD")
    incident = Incident(
        title="Stale exchange rates: cached_rate returns an old cached rate",
        description="cached_rate keeps returning the _CACHE entry after exchange rates change",
        started_at=datetime(2026, 10, 1, 12, tzinfo=UTC),
        service="pay",
    )
    return LocalGitHost(repo), {"lookalike": lookalike, "revert": revert, "culprit": culprit}, incident


def test_search_changes_sinks_a_change_whose_revert_was_live_and_says_why(tmp_path: Path) -> None:
    host, sha, incident = _repo_with_a_reverted_lookalike(tmp_path)
    result = search_changes(host, incident, plan(incident), "HEAD", None, 14, [])
    by_sha = {c.change.sha: c for c in result.candidates}
    lookalike = by_sha[sha["lookalike"]]
    assert lookalike.features["reverted_before"] == 1.0
    assert any(r.startswith(f"reverted by {sha['revert'][:10]} before the first error") for r in lookalike.reasons)
    assert by_sha[sha["culprit"]].features["reverted_before"] == 0.0
    assert result.candidates[0].change.sha != sha["lookalike"]
    # Without the feature the look-alike's words would have put it above the real culprit.
    unpenalised = lookalike.score - fusion_weights()["reverted_before"]
    assert unpenalised > by_sha[sha["culprit"]].score


def test_a_revert_not_yet_deployed_leaves_the_reverted_change_running(tmp_path: Path) -> None:
    host, sha, incident = _repo_with_a_reverted_lookalike(tmp_path)
    # Deployed once, with the look-alike but before its revert: the look-alike is what runs.
    deploys = [Deploy(service="pay", sha=sha["lookalike"], at=datetime(2026, 10, 1, 9, 30, tzinfo=UTC))]
    result = search_changes(host, incident, plan(incident), "HEAD", None, 14, deploys)
    lookalike = next(c for c in result.candidates if c.change.sha == sha["lookalike"])
    assert lookalike.timing == "shipped_before" and lookalike.features["reverted_before"] == 0.0
    assert not any(r.startswith("reverted by") for r in lookalike.reasons)


def test_a_reverted_change_keeps_little_confidence_even_when_it_leads(tmp_path: Path) -> None:
    host, sha, incident = _repo_with_a_reverted_lookalike(tmp_path)
    result = search_changes(host, incident, plan(incident), "HEAD", None, 14, [])
    lookalike = next(c for c in result.candidates if c.change.sha == sha["lookalike"])
    running = lookalike.model_copy(update={"features": {**lookalike.features, "reverted_before": 0.0}})
    assert confidence(lookalike, None) <= 0.2 * confidence(running, None) + 0.01


def test_a_revert_pushed_in_the_same_second_as_its_target_still_reverts_it() -> None:
    target = _change("a", "Cache rates", 0)
    revert = _change("b", 'Revert "Cache rates"', 0, body=f"This reverts commit {'a' * 40}.")
    assert reverted_in_window([revert, target]) == {target.sha: revert}  # newest first, as git lists them
