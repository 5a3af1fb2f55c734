"""`sleuth eval …`: run suites of past incidents, compare runs, mine cases from history, build scenarios."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sleuth.cli_common import console, fail
from sleuth.errors import SleuthError

if TYPE_CHECKING:
    from sleuth.evals.metrics import CaseResult

app = typer.Typer(help="Measure sleuth on past incidents (EVALS.md).", no_args_is_help=True)


@app.command("run")
def run(
    cases_file: Annotated[Path, typer.Argument(help="Cases in the JSON Lines format of EVALS.md.")],
    mode: Annotated[str, typer.Option(help="offline (deterministic) or llm.")] = "offline",
    workers: Annotated[int, typer.Option(min=1, max=64, help="Cases investigated in parallel.")] = 2,
    out: Annotated[Path, typer.Option(help="Directory for the JSON record and Markdown table.")] = Path("eval-runs"),
    suite: Annotated[str | None, typer.Option(help="Suite name (default: the file's name).")] = None,
    weights: Annotated[
        Path | None, typer.Option(help="Fusion weights from `sleuth eval fit` (default: the shipped ones).")
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Reuse the cases an interrupted run of this suite finished (same cases, mode, model, weights"
            " and sleuth commit); run only the rest.",
        ),
    ] = False,
) -> None:
    """Investigate every case as of its start time, with the four baselines on the same cases."""
    from sleuth.evals.suite import RunStart, SuiteInterrupted, run_suite

    def started(run: RunStart) -> None:
        if run.discarded:
            console.print(f"[yellow]note:[/] starting afresh; --resume would have reused {run.discarded} cases")
        reused = f"; {run.reused} reused from {run.journal}" if resume else ""
        console.print(f"{run.cases} cases from {cases_file}; {workers} workers; mode {mode}{reused}")

    def progress(case: Any, result: Any, done: int, total: int) -> None:
        what = f"error: {result.error}" if result.error else f"rank {result.ranks.get('sleuth')}"
        console.print(f"  [{done}/{total}] {result.id}: {what}", highlight=False)

    try:
        run = run_suite(
            cases_file,
            mode=mode,
            workers=workers,
            out=out,
            suite=suite,
            weights=weights,
            resume=resume,
            on_start=started,
            on_case=progress,
        )
    except SuiteInterrupted as exc:
        fail(f"{exc}; run the same command with --resume to run only the rest", code=130)
    except SleuthError as exc:
        fail(str(exc))
    console.print(run.markdown(), highlight=False, markup=False, soft_wrap=True)
    console.print(f"Record: {run.json_path}\nTable: {run.md_path}")
    if not run.record["ranking_weights"]["held_out"]:
        suite_name = run.record["suite"]
        console.print(
            f"[yellow]note:[/] the ranking weights were fit on suite {suite_name!r}: not a held-out measurement"
        )


@app.command("report")
def report(
    record_file: Annotated[Path, typer.Argument(help="A run record written by `sleuth eval run`.")],
    other: Annotated[Path | None, typer.Argument(help="A second record to compare against the first.")] = None,
    plots: Annotated[
        Path | None, typer.Option(help="Directory for the PNG plots (default: beside the record).")
    ] = None,
) -> None:
    """Print a run's table (or the comparison of two runs) and plot top-k curves and per-tag scores."""
    from sleuth.evals.plots import plot_records
    from sleuth.evals.record import comparison, load_record, markdown

    try:
        records = [load_record(record_file)] + ([load_record(other)] if other else [])
    except SleuthError as exc:
        fail(str(exc))
    text = markdown(records[-1]) if other is None else comparison(records[0], records[1])
    console.print(text, markup=False, soft_wrap=True)
    written = plot_records(records, plots or record_file.parent / f"{record_file.stem}-plots")
    console.print("Plots: " + ", ".join(str(p) for p in written))


@app.command("fit")
def fit(
    records: Annotated[list[Path], typer.Argument(help="Run records of the training suites (`sleuth eval run`).")],
    out: Annotated[Path, typer.Option(help="Where to write the learned weights (JSON).")],
    strength: Annotated[float, typer.Option(min=0.0, help="Pull toward the hand-set priors (0: none).")] = 1.0,
    leave_one_out: Annotated[
        bool,
        typer.Option(
            "--leave-one-out",
            help="Also rank every suite with weights learned on the other suites (re-scored from the records).",
        ),
    ] = False,
) -> None:
    """Learn the ranker's fusion weights from training suites' runs; report them on other suites."""
    import json

    from sleuth.evals.fusion import fit_record, fit_weights, training_suites
    from sleuth.evals.metrics import CaseResult
    from sleuth.evals.record import load_record

    try:
        loaded = [(path, load_record(path)) for path in records]
        suites: dict[str, list[CaseResult]] = {}
        for _, record in loaded:
            suites.setdefault(str(record.get("suite")), []).extend(map(CaseResult.model_validate, record["cases"]))
        learned = fit_weights(suites, strength)
        if leave_one_out:
            _print_held_out(suites, strength)
    except SleuthError as exc:
        fail(str(exc))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(fit_record(learned, training_suites(loaded), strength), indent=2) + "\n")
    console.print(
        f"{learned.cases} training cases, {learned.pairs} pairs; training MRR "
        f"{learned.train_mrr_prior:.3f} (priors) -> {learned.train_mrr_learned:.3f} (learned); features the"
        f" training never exercised keep their priors x {learned.scale:.2f}\n"
        + "\n".join(f"  {name:20} {weight:+.3f}" for name, weight in learned.weights.items())
        + f"\nWeights: {out}",
        highlight=False,
    )


def _print_held_out(suites: dict[str, list["CaseResult"]], strength: float) -> None:
    from sleuth.evals.cross_check import leave_one_out
    from sleuth.evals.suite_table import suite_table

    if len(suites) < 2:
        raise SleuthError("--leave-one-out needs runs of at least two suites", hint="pass more records")
    held_out = {held.suite: held.results for held in leave_one_out(suites, strength)}
    console.print("Each suite ranked by weights learned on the other suites (top-1 / top-5 / MRR):", highlight=False)
    console.print(suite_table(held_out), highlight=False, markup=False, soft_wrap=True)


@app.command("calibrate")
def calibrate(
    records: Annotated[list[Path], typer.Argument(help="Run records (JSON) of `sleuth eval run`.")],
    write: Annotated[
        Path | None, typer.Option(help="Write the calibration here (the shipped one: agents/verdict_calibration.json).")
    ] = None,
) -> None:
    """How often the named culprit was right per confidence band, and the threshold below which reports say
    "top suspects" instead of "Culprit"."""
    import json

    from sleuth.evals.calibration import wording_threshold
    from sleuth.evals.record import load_record

    try:
        fitted = wording_threshold([load_record(path) for path in records])
    except SleuthError as exc:
        fail(str(exc))
    for band in fitted["calibration"]["bands"]:
        share = f"{band['right'] / band['cases']:.2f}" if band["cases"] else "-"
        console.print(
            f"confidence {band['from']:.1f}–{band['to']:.1f}: {band['right']}/{band['cases']} right ({share})"
        )
    console.print(
        f"learned threshold {fitted['learned_threshold']}; shipped {fitted['threshold']} (floor {fitted['floor']})"
    )
    if write is not None:
        write.write_text(json.dumps(fitted, indent=2) + "\n", encoding="utf-8")
        console.print(f"written: {write}")


@app.command("table")
def table(
    records: Annotated[list[Path], typer.Argument(help="Run records of one or more suites (`sleuth eval run`).")],
) -> None:
    """One table for many suites: each suite and split beside bm25 and recency, pooled rows, paired tests."""
    from sleuth.evals.metrics import CaseResult
    from sleuth.evals.record import load_record
    from sleuth.evals.suite_table import suite_table

    suites: dict[str, list[CaseResult]] = {}
    try:
        for path in records:
            record = load_record(path)
            suites.setdefault(str(record.get("suite")), []).extend(map(CaseResult.model_validate, record["cases"]))
    except SleuthError as exc:
        fail(str(exc))
    console.print(suite_table(suites), highlight=False, markup=False, soft_wrap=True)


@app.command("mine")
def mine(
    repo: Annotated[Path, typer.Argument(help="A git repository (bare or not).")],
    out: Annotated[Path, typer.Option(help="Where to write the cases (.jsonl).")],
    window_days: Annotated[int, typer.Option(min=1, max=365)] = 14,
    branch: Annotated[str | None, typer.Option(help="Branch to mine (default: HEAD).")] = None,
    service: Annotated[str | None, typer.Option(help="Service name for the incidents (default: repo name).")] = None,
) -> None:
    """Turn reverts and fixes that name what they fix into cases, with the answer scrubbed from the symptom."""
    from sleuth.evals.mine import mine_repository

    try:
        result = mine_repository(repo, out, window_days=window_days, branch=branch, service=service)
    except SleuthError as exc:
        fail(str(exc))
    console.print(result.summary(), highlight=False)


@app.command("scenarios")
def scenarios(
    out: Annotated[Path, typer.Option(help="Directory for the scenario repos and cases.jsonl.")] = Path(
        ".sleuth-scenarios"
    ),
) -> None:
    """Build the scenario suite (generated service repos whose incidents come from running their code)."""
    from sleuth.evals.scenarios.suite import build_suite

    try:
        path, count = build_suite(out.resolve())
    except SleuthError as exc:
        fail(str(exc))
    console.print(f"{count} scenario cases: {path}")


@app.command("traces")
def traces(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Labelled trace corpora (default: tests/data/stacktraces).")
    ] = None,
    split: Annotated[str, typer.Option(help="tune, measure (never tuned on) or all.")] = "measure",
    show_misses: Annotated[bool, typer.Option("--misses", help="List the ids of traces not parsed exactly.")] = False,
) -> None:
    """Score the stack-trace parser on hand-labelled real traces, per language."""
    from sleuth.evals.trace_corpus import SPLITS, load_records, markdown, score

    if split not in SPLITS:
        fail(f"--split must be one of {', '.join(SPLITS)}, not {split!r}")
    if not files:
        root = Path(__file__).resolve().parents[1] / "tests" / "data" / "stacktraces"
        files = sorted((root / "corpus").glob("*.jsonl"))
    missing = [str(path) for path in files if not path.is_file()]
    if missing or not files:
        fail(f"no trace corpus at {', '.join(missing) or 'tests/data/stacktraces/corpus'}")
    try:
        tallies = score(load_records(files), split)
    except SleuthError as exc:
        fail(str(exc))
    console.print(markdown(tallies, split), highlight=False, markup=False)
    if show_misses and "overall" in tallies:
        console.print("not exact: " + (", ".join(tallies["overall"].missed) or "none"), highlight=False)
