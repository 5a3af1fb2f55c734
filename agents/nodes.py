"""Graph nodes: read the state, call one agent, return the update, stream progress."""

import time
from typing import Literal

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from sleuth.agents.clone_and_read import clone_and_read
from sleuth.agents.confirm_culprit import confirm_culprit
from sleuth.agents.context import InvestigationContext
from sleuth.agents.draft_fix import draft_fix
from sleuth.agents.hypothesize import (
    HISTORY_CUT_CONFIDENCE,
    LOW_CONFIDENCE,
    capped,
    hypothesize,
    promote_reproduced,
    rerank_by_reading,
)
from sleuth.agents.intake import deploy_records, intake_incident
from sleuth.agents.llm_fix import fix_writer
from sleuth.agents.llm_hypothesize import ModelView, annotate, join_model_view, llm_hypothesize
from sleuth.agents.llm_plan import llm_plan
from sleuth.agents.llm_rerank import TOP_K, llm_rerank
from sleuth.agents.locate import locate
from sleuth.agents.plan import plan
from sleuth.agents.ranking_weights import fusion_weights
from sleuth.agents.reading_agent import read_with_agent
from sleuth.agents.report import build_report
from sleuth.agents.search_changes import search_changes
from sleuth.agents.state import InvestigationState, InvestigationUpdate
from sleuth.errors import SleuthError
from sleuth.llm import StructuredMethod, structured_method
from sleuth.llm_budget import LLMBudget
from sleuth.models import Incident
from sleuth.tools.agent_tools import ToolContext
from sleuth.tools.code_host import Mirror
from sleuth.tools.sandbox import Sandbox
from sleuth.tools.test_runner import TestCommand, detect_test_command, from_configured

State = InvestigationState
Update = InvestigationUpdate
Ctx = Runtime[InvestigationContext]


def _context(runtime: Ctx) -> InvestigationContext:
    """The run's context; a server run must pass one (`context={}` at least) so its resources live per run."""
    if runtime.context is None:
        raise SleuthError("this run has no context", hint="pass context={} (or settings) with the run")
    return runtime.context


def _progress(node: str, message: str) -> None:
    get_stream_writer()({"node": node, "message": message})


def _timed(name: str, started: float) -> dict[str, dict[str, float]]:
    return {"timings": {name: round(time.monotonic() - started, 3)}}


def _mirror(state: State, runtime: Ctx) -> Mirror:
    return _context(runtime).resources.mirror(_context(runtime), state["repo"] or "")


def _workspace(state: State, runtime: Ctx) -> Sandbox:
    """The workspace clone at the state's ref: cloned here if this process has none yet (a resumed run)."""
    return _context(runtime).resources.workspace(_context(runtime), state["repo"] or "", state["ref"])


def _budget(state: State, runtime: Ctx) -> LLMBudget:
    """This node's model budget: the `[llm]` caps less what the run has already spent (checkpointed)."""
    return LLMBudget(_context(runtime).settings.llm, spent=dict(state.get("llm_usage") or {}))


def _method(runtime: Ctx) -> StructuredMethod:
    return structured_method(_context(runtime).settings.llm)


def plan_node(state: State, runtime: Ctx) -> Update:
    """Parse the incident: exceptions, frames, failing tests, error class, first error time."""
    started = time.monotonic()
    update: Update = {}
    incident = state["incident"]
    if not isinstance(incident, Incident):  # JSON input (LangGraph Server, MCP): take it in here
        incident, intake_notes = intake_incident(incident, _context(runtime).settings.secrets())
        update |= {"incident": incident, "deploys": deploy_records(state.get("deploys", []))}
        update["notes"] = intake_notes
    signals = plan(incident)
    frames = sum(len(e.frames) for e in signals.exceptions)
    _progress(
        "plan",
        f"{len(signals.exceptions)} exception(s), {frames} frame(s), {signals.language or 'no'} trace;"
        f" class {signals.error_class}",
    )
    update |= {"signals": signals, "read_round": 0, **_timed("plan", started)}
    notes = [*update.get("notes", []), *signals.notes]
    context = _context(runtime)
    llm = context.resources.llm(context)
    if llm is not None:
        budget = _budget(state, runtime)
        written = llm_plan(llm, incident, signals, budget, _method(runtime), context.settings.secrets())
        if written is not None:
            update["questions"] = written.questions
            _progress("plan", f"{len(written.questions)} question(s) to answer")
        notes += budget.notes
        update["llm_usage"] = budget.added
    if notes:
        update["notes"] = notes
    return update


def locate_code_node(state: State, runtime: Ctx) -> Update:
    """Choose the repository (mirror it, bring its index up to date) and pin the code that was running."""
    started = time.monotonic()
    located = locate(
        _context(runtime),
        state.get("repo"),
        state["incident"],
        state["signals"],
        state.get("branch"),
        state.get("deploys", []),
    )
    _progress("locate_code", f"{located.repo}: investigating {located.ref[:10]}")
    update: Update = {
        "repo": located.repo,
        "ref": located.ref,
        "deploys": located.deploys,
        "indexed": located.indexed,
        **_timed("locate_code", started),
    }
    if located.notes:
        update["notes"] = located.notes
    return update


def search_changes_node(state: State, runtime: Ctx) -> Update:
    """Rank the changes of the window."""
    started = time.monotonic()
    context = _context(runtime)
    host = _mirror(state, runtime)
    weights = fusion_weights(context.settings.ranking_weights)
    result = search_changes(
        host,
        state["incident"],
        state["signals"],
        state["ref"],
        state.get("branch"),
        state["window_days"],
        state.get("deploys", []),
        context.resources.index(context) if state.get("indexed") else None,
        weights,
        context.settings.index if context.settings.index.semantic_without_index else None,
    )
    if not result.candidates:
        raise SleuthError(
            f"no changes were merged in the {state['window_days']}-day window before the incident",
            hint="widen --window-days or check --branch",
        )
    candidates, notes = result.candidates, list(result.notes)
    budget = _budget(state, runtime)
    llm = context.resources.llm(context)
    if llm is not None:
        diffs = {c.change.sha: host.diff(c.change.sha) for c in candidates[:TOP_K]}
        candidates = llm_rerank(
            llm,
            state["incident"],
            result.signals,
            candidates,
            diffs,
            weights["llm_judgement"],
            budget,
            structured_method(context.settings.llm),
            context.settings.secrets(),
        )
        notes.extend(budget.notes)
    top = candidates[0]
    _progress("search_changes", f"{len(candidates)} candidates; top {top.change.short_sha} {top.change.title!r}")
    return {
        "candidates": candidates,
        "signals": result.signals,
        "notes": notes,
        "history_cut": result.history_cut,
        "llm_usage": budget.added if budget.added.get("calls") else {},
        **_timed("search_changes", started),
    }


def clone_and_read_node(state: State, runtime: Ctx) -> Update:
    """Read this round's code in the workspace clone (cloned on first use)."""
    started = time.monotonic()
    sandbox = _workspace(state, runtime)
    host = _mirror(state, runtime)
    diffs = {c.change.sha: host.diff(c.change.sha) for c in state["candidates"][:3]}
    evidence = clone_and_read(sandbox, state["signals"], state["candidates"], diffs, state["read_round"])
    known = state.get("evidence", [])
    evidence = [e.model_copy(update={"id": f"E{n}"}) for n, e in enumerate(evidence, start=len(known) + 1)]
    update: Update = {}
    context = _context(runtime)
    llm = context.resources.llm(context)
    if llm is not None:
        budget = _budget(state, runtime)
        tools = ToolContext(
            sandbox=sandbox,
            window={c.change.sha: c.change.title for c in state["candidates"]},
            max_chars=context.settings.llm.max_result_chars,
            secrets=list(context.settings.secrets()),
        )
        reading = read_with_agent(
            llm,
            tools,
            state["signals"],
            state["candidates"],
            state.get("questions", []),
            [*known, *evidence],
            budget,
            tools.secrets,
            first_id=len(known) + len(evidence) + 1,
        )
        evidence += reading.evidence
        notes = [*budget.notes, f"reading agent: {reading.steps} step(s), stopped: {reading.stopped}"]
        if reading.refused:
            notes.append(f"reading agent: refused tool(s) outside its read-only set: {', '.join(reading.refused)}")
        update |= {
            "findings": [reading.findings] if reading.findings else [],
            "notes": notes,
            "llm_usage": budget.added,
        }
    _progress("clone_and_read", f"round {state['read_round'] + 1}: {len(evidence)} piece(s) of evidence")
    return update | {
        "evidence": evidence,
        "read_round": state["read_round"] + 1,
        **_timed("clone_and_read", started),
    }


def hypothesize_node(state: State, runtime: Ctx) -> Update:
    """Rank explanations from the evidence so far."""
    started = time.monotonic()
    evidence = state.get("evidence", [])
    context = _context(runtime)
    weights = fusion_weights(context.settings.ranking_weights)
    candidates = rerank_by_reading(state["candidates"], evidence, weights)
    update: Update = {}
    llm = context.resources.llm(context)
    view = None
    if llm is not None:
        budget = _budget(state, runtime)
        findings = "\n".join(state.get("findings", []))
        view = llm_hypothesize(
            llm, state["signals"], candidates, evidence, findings, budget, _method(runtime), context.settings.secrets()
        )
        candidates = join_model_view(candidates, view, weights["llm_hypothesis"])
        update |= {
            "notes": [*budget.notes, *view.rejected],
            "llm_usage": budget.added,
            "model_theories": view.to_state(),
        }
    hypotheses = hypothesize(candidates, state["signals"], evidence)
    if view is not None:
        hypotheses = annotate(hypotheses, view, evidence)
    if state.get("history_cut"):
        hypotheses = capped(hypotheses, HISTORY_CUT_CONFIDENCE)
    top = hypotheses[0]
    name = top.culprit_sha[:10] if top.culprit_sha else "no code change"
    _progress("hypothesize", f"leading: {name} (confidence {top.confidence:.2f})")
    return update | {"hypotheses": hypotheses, "candidates": candidates, **_timed("hypothesize", started)}


def _test_command(state: State, runtime: Ctx) -> TestCommand | None:
    """The test command, and the workspace set up to run it in the repository's own environment."""
    service = _context(runtime).settings.service_settings(state["incident"].service)
    configured = service.test_command if service else None
    sandbox = _workspace(state, runtime)
    command = from_configured(configured) if configured else detect_test_command(sandbox)
    if command is not None and command.kind in ("pytest", "unittest", "other"):
        _context(runtime).resources.test_environment(_context(runtime), sandbox, state["incident"].service)
    return command


def _environment_note(runtime: Ctx) -> str | None:
    environment = _context(runtime).resources.environment
    return environment.describe() if environment is not None else None


def route_after_hypothesize(
    state: State, runtime: Ctx
) -> Literal["clone_and_read", "confirm_culprit", "draft_fix", "report"]:
    """Read more when the leading hypothesis is weak and rounds remain; else confirm, fix or report."""
    top = state["hypotheses"][0]
    if top.confidence < LOW_CONFIDENCE and state["read_round"] < _context(runtime).max_read_rounds:
        return "clone_and_read"
    if not top.culprit_sha:
        return "report"
    return "confirm_culprit" if state["signals"].failing_tests else "draft_fix"


def confirm_culprit_node(state: State, runtime: Ctx) -> Update:
    """Run the reproducer at the suspect and its parent; bisect the window when that fails."""
    started = time.monotonic()
    command = _test_command(state, runtime)
    top = state["hypotheses"][0]
    if command is None:
        _progress("confirm_culprit", "no test command found: not reproduced")
        return {"confirmation": None, **_timed("confirm_culprit", started)}
    ref = state["ref"]
    # The window as bisection sees it: the candidates on ref's first-parent line, oldest first.
    running = set(_mirror(state, runtime).rev_list(None, ref))
    by_age = sorted(state["candidates"], key=lambda c: c.change.merged_at)
    window = [c.change.sha for c in by_age if c.change.sha in running]
    confirmation = confirm_culprit(
        _workspace(state, runtime), command, top.culprit_sha or "", ref, window, state["signals"].failing_tests
    )
    _progress("confirm_culprit", confirmation.summary)
    update: Update = {"confirmation": confirmation, **_timed("confirm_culprit", started)}
    found = confirmation.culprit_sha
    if confirmation.confirmed and found:
        candidates = promote_reproduced(state["candidates"], found)
        evidence = state.get("evidence", [])
        update["candidates"] = candidates
        hypotheses = hypothesize(candidates, state["signals"], evidence)
        if state.get("model_theories"):
            hypotheses = annotate(hypotheses, ModelView.from_state(state["model_theories"]), evidence)
        update["hypotheses"] = hypotheses
    return update


def draft_fix_node(state: State, runtime: Ctx) -> Update:
    """Revert the culprit's faulty hunks in the workspace and run the tests before and after."""
    started = time.monotonic()
    context = _context(runtime)
    top = state["hypotheses"][0]
    command = _test_command(state, runtime)
    culprit_sha = top.culprit_sha or ""
    culprit_files = next((c.change.files for c in state["candidates"] if c.change.sha == culprit_sha), [])
    sandbox, culprit_diff = _workspace(state, runtime), _mirror(state, runtime).diff(culprit_sha)
    llm = context.resources.llm(context)
    budget = _budget(state, runtime)
    writer = (
        fix_writer(
            llm, sandbox, top, state["signals"], culprit_diff, budget, _method(runtime), context.settings.secrets()
        )
        if llm is not None
        else None
    )
    fix = draft_fix(
        sandbox,
        top,
        state["signals"],
        culprit_diff,
        culprit_files,
        command,
        context.settings.sandbox.timeout_seconds,
        writer,
        context.settings.llm.fix_attempts,
    )
    if fix is not None and (environment := _environment_note(runtime)):
        fix = fix.model_copy(update={"test_environment": environment})
    _progress("draft_fix", fix.validation_summary if fix else "no revertible hunk at the faulty lines")
    spent: Update = {"llm_usage": budget.added, "notes": budget.notes} if budget.added.get("calls") else {}
    return spent | {"fix": fix, **_timed("draft_fix", started)}


def report_node(state: State, runtime: Ctx) -> Update:
    """Assemble the report, and release the workspace: the run is over."""
    from sleuth.agents.report import rollback_target
    from sleuth.tools.web_links import web_base

    mirror = _mirror(state, runtime)
    base = web_base(str(mirror.path))
    rollback = rollback_target(state, mirror.is_ancestor)
    _context(runtime).resources.close()
    report = build_report(state, repo_url=base[1] if base else None, rollback_to=rollback)
    _progress("report", report.verdict)
    return {"report": report}
