"""The eval-run use case: investigate every case of a suite with the baselines, journalled, into a record.

`sleuth eval run`, the notebooks and any script call `run_suite`; it returns an `EvalRecord` (the
JSON record, where it was written, and a rich HTML view for Jupyter). An interrupted run keeps the
cases it finished in a journal; `resume=True` runs only the rest.
"""

import base64
import html
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sleuth.config import Settings, load_settings


class SuiteInterrupted(Exception):
    """Ctrl-C during a run: the finished cases are kept in the journal for `resume=True`."""

    def __init__(self, done: int, total: int, journal: Path) -> None:
        super().__init__(f"interrupted: {done} of {total} cases are kept in {journal}")
        self.done, self.total, self.journal = done, total, journal


@dataclass
class RunStart:
    """What a run is about to do (for a progress line)."""

    cases: int
    reused: int
    discarded: int
    journal: Path


@dataclass
class EvalRecord:
    record: dict[str, Any]
    json_path: Path
    md_path: Path
    reused: int = 0

    @property
    def metrics(self) -> dict[str, Any]:
        return self.record["metrics"]

    def worst(self, n: int = 5) -> list[dict[str, Any]]:
        """The cases sleuth did worst on: errors and misses first, then the lowest-ranked culprits."""

        def badness(case: dict[str, Any]) -> tuple[int, int]:
            rank = case["ranks"].get("sleuth")
            return (1 if case.get("error") else 0, 10**6 if rank is None else rank)

        return sorted((c for c in self.record["cases"] if c.get("culprit")), key=badness, reverse=True)[:n]

    def markdown(self) -> str:
        from sleuth.evals.record import markdown

        return markdown(self.record)

    def top_k_png(self) -> bytes:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from sleuth.evals.metrics import SYSTEMS
        from sleuth.evals.plots import MAX_K, top_k_curve

        fig, ax = plt.subplots(figsize=(6, 4))
        for system in SYSTEMS:
            style = {"linewidth": 2.5} if system == "sleuth" else {"linestyle": "--"}
            ax.plot(range(1, MAX_K + 1), top_k_curve(self.record["cases"], system), marker="o", label=system, **style)
        ax.set(xlabel="k", ylabel="culprit within top k", ylim=(0, 1.02), title=self.record["suite"])
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right")
        buffer = io.BytesIO()
        fig.tight_layout()
        fig.savefig(buffer, format="png", dpi=90)
        plt.close(fig)
        return buffer.getvalue()

    def _repr_html_(self) -> str:
        image = base64.b64encode(self.top_k_png()).decode()
        return (
            f"<h3>eval run: {html.escape(self.record['suite'])} ({html.escape(self.record['mode'])},"
            f" {len(self.record['cases'])} cases)</h3>"
            f'<img alt="top-k curves" src="data:image/png;base64,{image}"/>'
            f"<pre>{html.escape(self.markdown())}</pre>"
        )


def run_suite(
    cases_file: Path,
    *,
    mode: str = "offline",
    workers: int = 2,
    out: Path = Path("eval-runs"),
    suite: str | None = None,
    settings: Settings | None = None,
    weights: Path | None = None,
    resume: bool = False,
    on_start: Callable[[RunStart], None] | None = None,
    on_case: Callable[[Any, Any, int, int], None] | None = None,
) -> EvalRecord:
    """Investigate every case as of its start time, with the baselines on the same cases; write the record."""
    from sleuth.agents.ranking_weights import fusion_weights, weights_source
    from sleuth.errors import SleuthError
    from sleuth.evals.cases import load_cases
    from sleuth.evals.journal import RunJournal, run_key
    from sleuth.evals.record import build_record, sleuth_version, write_record
    from sleuth.evals.runner import for_mode, run_cases

    if mode not in ("offline", "llm"):
        raise SleuthError(f"--mode must be offline or llm, not {mode!r}")
    settings = settings or load_settings()
    if weights is not None:
        settings = settings.model_copy(update={"ranking_weights": weights.resolve()})
    settings = for_mode(settings, mode)  # type: ignore[arg-type]
    source = weights_source(settings.ranking_weights)
    cases = load_cases(cases_file)
    started_at, clock, version = datetime.now(UTC), time.monotonic(), sleuth_version()
    model = settings.llm.model if mode == "llm" else None
    if suite is None:  # cases.jsonl in a suite's directory is named after the directory
        named = cases_file.resolve().parent.name if cases_file.stem == "cases" else cases_file.stem
        suite = named.strip(".") or "cases"
    key = run_key(mode=mode, model=model, weights=fusion_weights(settings.ranking_weights), version=version)
    journal = RunJournal(out / f"{suite}-{mode}.journal.jsonl", key)
    previous = journal.finished(cases)
    finished = previous if resume else {}
    if not resume:
        journal.remove()  # a fresh run: an earlier run's journal is not this one's
    if on_start is not None:
        on_start(RunStart(len(cases), len(finished), 0 if resume else len(previous), journal.path))
    done = len(finished)

    def progress(case: Any, result: Any) -> None:
        nonlocal done
        journal.append(case, result)
        done += 1
        if on_case is not None:
            on_case(case, result, done, len(cases))

    try:
        results = run_cases(
            cases,
            mode=mode,  # type: ignore[arg-type]
            workers=workers,
            settings=settings,
            on_result=progress,
            finished=finished,
        )
    except KeyboardInterrupt:
        raise SuiteInterrupted(done, len(cases), journal.path) from None
    record = build_record(
        suite, cases_file, mode, model, workers, results, started_at, time.monotonic() - clock, version
    )
    record["ranking_weights"] = {**source, "held_out": suite not in source["trained_on"]}
    record["resumed_cases"] = len(finished)
    json_path, md_path = write_record(record, out)
    journal.remove()
    return EvalRecord(record, json_path, md_path, reused=len(finished))
