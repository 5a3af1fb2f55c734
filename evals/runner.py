"""`sleuth eval run`: investigate every case as of its start time, rank the baselines beside it.

The investigator gets the incident (no truth, no id), the deploys made before the incident and a
`CaseHost` that hides every change merged at or after `started_at`. Cases run in parallel threads
(the work is git and test subprocesses); cases on one repository share its `RepoHistory`.
"""

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import timedelta
from typing import Literal

from sleuth.config import Settings
from sleuth.errors import SleuthError
from sleuth.evals import baselines
from sleuth.evals.cases import EvalCase
from sleuth.evals.history import CaseHost, RepoHistory
from sleuth.evals.metrics import CaseResult, RankedCandidate
from sleuth.models import Report

log = logging.getLogger(__name__)
Mode = Literal["offline", "llm"]
# Nodes whose time is mostly test execution, which the speed target excludes.
_TEST_NODES = ("confirm_culprit", "draft_fix")


def _load_history(repo: str, branch: str | None) -> RepoHistory | SleuthError:
    try:
        return RepoHistory(repo, branch)
    except SleuthError as exc:
        return exc


def _histories(cases: list[EvalCase]) -> dict[tuple[str, str | None], RepoHistory | SleuthError]:
    """Each (repo, branch) read once; one that cannot be read is its error, failing only its own cases."""
    keys = list(dict.fromkeys((case.repo, case.branch) for case in cases))
    with ThreadPoolExecutor(max_workers=min(4, len(keys))) as pool:
        loaded = list(pool.map(lambda key: _load_history(*key), keys))
    return dict(zip(keys, loaded, strict=True))


def _resolve_culprit(case: EvalCase, history: RepoHistory) -> str | None:
    culprit = case.truth.culprit
    if culprit is None:
        return None
    try:
        return history.host.resolve(culprit)
    except SleuthError:
        raise SleuthError(
            f"case {case.id!r}: truth.culprit {culprit} is not a commit of {case.repo}",
            hint="fix the case, or fetch the repository's full history",
        ) from None


def _from_report(result: CaseResult, report: Report) -> None:
    order = [c.change.sha for c in report.candidates]
    top = report.top
    result.abstained = top is not None and top.culprit_sha is None
    rank = baselines.rank_of(order, result.culprit)
    result.ranks["sleuth"] = rank + 1 if rank is not None and result.abstained else rank
    result.sleuth_top = order[:5]
    result.ranking = [
        RankedCandidate(sha=c.change.sha, timing=c.timing, features=c.features, score=c.score)
        for c in report.candidates
    ]
    if top is not None:
        result.confidence = top.confidence
        result.named_culprit = top.culprit_sha
        result.named_file = top.file if top.culprit_sha else None
    result.predicted_class = str(report.signals.error_class)
    result.llm_calls = report.llm_usage.get("calls", 0)
    result.tokens = report.llm_usage.get("tokens", 0)
    if report.confirmation is not None:
        result.test_runs = report.confirmation.test_runs
        result.bisect_runs = report.confirmation.plain_bisect_runs
    if result.truth_failing_tests:
        fix = report.fix
        passed = set(fix.after.passed) if fix and fix.after else set()
        result.fix_validated = bool(
            fix and fix.validated and all(_passed(test, passed) for test in result.truth_failing_tests)
        )
    test_seconds = sum(report.timings.get(node, 0.0) for node in _TEST_NODES)
    result.seconds_excluding_tests = round(max(0.0, result.seconds - test_seconds), 3)


def _passed(test: str, passed: set[str]) -> bool:
    return test in passed or any(p.endswith(test) or test.endswith(p) for p in passed)


def run_case(case: EvalCase, culprit: str | None, history: RepoHistory, settings: Settings) -> CaseResult:
    """Investigate one case as of its start, and rank the baselines over the same window."""
    started = time.monotonic()
    try:
        return _run_case(case, culprit, history, settings)
    except SleuthError as exc:
        return CaseResult(
            id=case.id,
            tags=list(case.tags),
            culprit=culprit,
            error=str(exc),
            seconds=round(time.monotonic() - started, 3),
        )


def _run_case(case: EvalCase, culprit: str | None, history: RepoHistory, settings: Settings) -> CaseResult:
    from sleuth.api import run_investigation

    result = CaseResult(
        id=case.id,
        tags=list(case.tags),
        culprit=culprit,
        truth_files=list(case.truth.files),
        truth_category=str(case.truth.category) if case.truth.category else None,
        truth_failing_tests=list(case.truth.failing_tests),
    )
    start = case.incident.started_at
    host = CaseHost(history, start)
    incident = case.investigator_incident()
    window = host.changes(case.branch, start - timedelta(days=case.window_days), start)
    result.candidates = len(window)
    result.culprit_in_window = culprit in {c.sha for c in window}
    if window:
        ref = host.head_at(case.branch, start)
        result.ranks["recency"] = baselines.rank_of(baselines.recency(window), culprit)
        result.ranks["bm25"] = baselines.rank_of(baselines.bm25(window, incident), culprit)
        result.ranks["blame"] = baselines.rank_of(baselines.blame(window, incident, host, ref), culprit)
    investigated = time.monotonic()
    try:
        report = run_investigation(
            host,
            incident,
            branch=case.branch,
            deploys=case.visible_deploys(),
            window_days=case.window_days,
            settings=settings,
        )
    except SleuthError as exc:  # counts as a miss for sleuth; the baselines' ranks stand
        result.error = str(exc)
        result.seconds = round(time.monotonic() - investigated, 3)
        return result
    except Exception as exc:  # a crash on one case is a finding for that case, not the end of the run
        log.exception("case %s: the investigation crashed", case.id)
        result.error = f"crash: {type(exc).__name__}: {exc}"
        result.seconds = round(time.monotonic() - investigated, 3)
        return result
    result.seconds = round(time.monotonic() - investigated, 3)
    _from_report(result, report)
    return result


def for_mode(settings: Settings, mode: Mode) -> Settings:
    """Offline runs never call a model, whatever is configured (embeddings: the bundled MiniLM); llm runs need one."""
    if mode == "offline":
        return settings.model_copy(
            update={
                "llm": settings.llm.model_copy(update={"model": None}),
                "index": settings.index.model_copy(update={"embedding": "minilm"}),
            }
        )
    if not settings.llm.model:
        raise SleuthError(
            "--mode llm needs a chat model, and none is configured",
            hint='set [llm] model (and api_key = "env:OPENAI_API_KEY", or base_url) in sleuth.toml, '
            "or SLEUTH_LLM__MODEL",
        )
    return settings


def run_cases(
    cases: list[EvalCase],
    *,
    mode: Mode = "offline",
    workers: int = 2,
    settings: Settings | None = None,
    on_result: Callable[[EvalCase, CaseResult], None] | None = None,
    finished: dict[str, CaseResult] | None = None,
) -> list[CaseResult]:
    """Run every case (in parallel) and return the results in the cases' order.

    `finished`: results already at hand (a resumed run's journal), by case id; those cases are not run.
    """
    settings = for_mode(settings or Settings(), mode)
    finished = finished or {}
    pending = [case for case in cases if case.id not in finished]
    if not pending:
        return [finished[case.id] for case in cases]
    histories = _histories(pending)
    # The bundled model loads once per run, as an index is opened once: not the first cases' cost.
    if settings.index.semantic_without_index and settings.index.embedding == "minilm":
        from sleuth.tools.window_semantic import load_model

        load_model(settings.index)
    # A wrong answer key is the dataset's bug: say so before running anything.
    culprits = {
        case.id: _resolve_culprit(case, history)
        for case in pending
        if isinstance(history := histories[(case.repo, case.branch)], RepoHistory)
    }

    def one(case: EvalCase) -> CaseResult:
        history = histories[(case.repo, case.branch)]
        if isinstance(history, SleuthError):
            result = CaseResult(
                id=case.id, tags=list(case.tags), culprit=case.truth.culprit, error=f"repository unreadable: {history}"
            )
        else:
            result = run_case(case, culprits[case.id], history, settings)
        if on_result is not None:
            on_result(case, result)
        return result

    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    futures = {pool.submit(one, case): case.id for case in pending}
    try:
        waiting = set(futures)
        while waiting:
            # A timed wait: Python raises Ctrl-C in the main thread only when that thread runs bytecode,
            # whichever thread the kernel handed the signal to; an untimed wait may not wake for it.
            _, waiting = wait(waiting, timeout=0.2)
        ran = {case_id: future.result() for future, case_id in futures.items()}
    except BaseException:  # Ctrl-C: finish the cases under way (they reach on_result), start no more
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()
    return [finished.get(case.id) or ran[case.id] for case in cases]
