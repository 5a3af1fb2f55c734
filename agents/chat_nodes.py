"""The chat graph's nodes: investigate once, answer from the report, approve behind an interrupt and a role.

Each turn is one run of the chat graph with `{"command": …}`; its reply lands in the state (and its
transcript), so a session killed at any point resumes from its checkpoint exactly where it was.
The investigation runs as a subgraph under the chat's checkpointer, so a kill mid-investigation
resumes at the node it had reached. Approval asks for a key through `interrupt()` before anything
is written; the resume value is the key's SHA-256 (never the key), checked against `[auth]`.
"""

import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from sleuth.agents import chat_answers
from sleuth.agents.chat_commands import NEEDS_ARGUMENT, help_text, parse_command
from sleuth.agents.chat_state import ChatState, ChatUpdate
from sleuth.config import Settings
from sleuth.errors import SleuthError
from sleuth.models import Approval, Report


def _configured() -> Settings:
    from sleuth.config import load_settings

    return load_settings()


@dataclass
class ChatContext:
    """The chat's run descriptors: its settings (and, in-process only, a model for `ask`)."""

    settings: Settings = field(default_factory=lambda: _configured())
    llm: Any = None

    def __post_init__(self) -> None:
        if isinstance(self.settings, dict) or self.settings is None:
            from sleuth.config import load_settings

            base = load_settings()
            self.settings = Settings.model_validate(base.model_dump() | (self.settings or {}))


Ctx = Runtime[ChatContext]


def _context(runtime: Ctx) -> ChatContext:
    """The run's context; a server run must pass one (`context={}` at least) so its resources live per run."""
    if runtime.context is None:
        raise SleuthError("this run has no context", hint="pass context={} (or settings) with the run")
    return runtime.context


def _report(state: ChatState) -> Report:
    """The session's report (a mapping when a server's serializer handed it back as JSON)."""
    report = state.get("report")
    assert report is not None
    return report if isinstance(report, Report) else Report.model_validate(report)


def _turn(command: str, reply: str) -> ChatUpdate:
    return {"reply": reply, "transcript": [{"command": command, "reply": reply}]}


def route_turn(state: ChatState) -> Literal["investigate", "approve", "answer"]:
    if state.get("report") is None:
        return "investigate"
    return "approve" if parse_command(state.get("command", "")).name == "approve" else "answer"


def investigate_node(state: ChatState, runtime: Ctx) -> ChatUpdate:
    """Run the investigation (a subgraph: checkpointed under this session's thread) and summarise it."""
    from sleuth.agents.context import InvestigationContext
    from sleuth.graphs.investigation import build_graph
    from sleuth.redact import redact_model

    settings = _context(runtime).settings
    inputs = {k: state[k] for k in ("incident", "repo", "branch", "deploys", "window_days", "notes") if k in state}
    context = InvestigationContext(settings=settings)
    try:
        result = build_graph().invoke(inputs, context=context)
    finally:
        context.resources.close()
    report = redact_model(result["report"], settings.secrets())
    top = report.top
    lead = f"leading culprit {top.culprit_sha[:12]}" if top and top.culprit_sha else "no change blamed"
    reply = f"{report.verdict}\n{lead}. Try `explain`, `hypotheses`, `timeline`, `fix` or `help`."
    return {"report": report, **_turn(state.get("command", "investigate"), reply)}


def _answer(report: Report, line: str, state: ChatState, context: ChatContext) -> str:
    command = parse_command(line)
    if command.name in NEEDS_ARGUMENT and not command.argument:
        raise SleuthError(f"{command.name} needs an argument", hint=f"write it as `{NEEDS_ARGUMENT[command.name]}`")
    match command.name:
        case "explain":
            return chat_answers.explain(report)
        case "hypotheses":
            return chat_answers.hypotheses(report)
        case "show":
            return chat_answers.show(report, command.argument)
        case "why":
            return chat_answers.why(report, command.argument)
        case "timeline":
            return chat_answers.timeline(report)
        case "fix":
            return chat_answers.fix(report)
        case "history":
            turns = state.get("transcript", [])
            return "\n".join(f"{i}. {t['command']}" for i, t in enumerate(turns, 1)) or "no turns yet"
        case "help":
            return help_text()
        case "ask":
            if context.llm is not None or context.settings.llm.model:
                from sleuth.agents.chat_ask import grounded_answer

                return grounded_answer(context, report, command.argument)
            return chat_answers.ask_without_model(report, command.argument)
    raise SleuthError(f"{command.name} is not answered here", hint="type `help`")


def answer_node(state: ChatState, runtime: Ctx) -> ChatUpdate:
    """Answer a command from the report; a bad command gets one helpful line, and the session goes on."""
    line = state.get("command", "")
    report = _report(state)
    try:
        reply = _answer(report, line, state, _context(runtime))
    except SleuthError as exc:
        reply = f"error: {exc}"
    update = _turn(line, reply)
    if parse_command(line).name == "fix":
        update["fix_shown"] = True
    return update


def _existing_fix_branch(repo: Path, report: Report) -> str | None:
    """The fix commit, when a previous attempt wrote the branch and died before its checkpoint."""
    branch = f"refs/heads/sleuth/fix-{report.investigation_id}"
    found = subprocess.run(
        ["git", "-C", str(repo), "log", "-1", "--format=%H%n%B", branch], capture_output=True, text=True
    )
    if found.returncode != 0:
        return None
    sha, _, message = found.stdout.partition("\n")
    return sha if f"Investigation {report.investigation_id}" in message else None


def _publish(report: Report, approval: Approval, settings: Settings) -> str:
    """Write the fix once: a local branch + commit, or through the forge a pushed branch and a draft PR/MR."""
    from sleuth.tools.fix_publisher import publish_fix
    from sleuth.tools.forge_sync import forge_for_mirror

    repo = Path(report.repo)
    forge = forge_for_mirror(settings, report.repo)
    if forge is None and (done := _existing_fix_branch(repo, report)):
        return f"branch sleuth/fix-{report.investigation_id} (commit {done[:10]}, written before a restart)"
    writer, token_of = forge if forge else (None, lambda: None)
    published = publish_fix(report, repo, approval, forge=writer, token=token_of(), secrets=settings.secrets())
    return published.url or f"branch {published.branch} (commit {published.commit[:10]}) in {repo}"


def approve_node(state: ChatState, runtime: Ctx) -> ChatUpdate:
    """Refuse what cannot be approved; else ask for a key (interrupt), check its role, then write the fix."""
    line = state.get("command", "approve")
    report = _report(state)
    override = "--override" in line.split()
    if report.fix is None or not report.fix.diff.strip():
        return _turn(line, "error: there is no fix to approve (this investigation drafted none)")
    if not state.get("fix_shown"):
        return _turn(line, "error: look at the fix first — type `fix`, then `approve`")
    if report.published:
        who = report.approvals[-1].approver if report.approvals else "someone"
        return _turn(line, f"error: already approved by {who}: {report.published}")
    if not report.fix.validated and not override:
        return _turn(line, f"error: the fix was not validated ({report.fix.validation_summary}); `approve --override`")
    answer = interrupt({"approve": report.investigation_id, "validated": report.fix.validated, "override": override})
    settings = _context(runtime).settings
    try:
        from sleuth.auth import require_approver

        caller = require_approver(settings, str((answer or {}).get("key_hash", "")))
        approval = Approval(approver=caller.subject, override_unvalidated=override)
        where = _publish(report, approval, settings)
    except SleuthError as exc:
        return _turn(line, f"error: {exc}")
    approved = report.model_copy(update={"approvals": [*report.approvals, approval], "published": where})
    note = " (validation overridden)" if override else ""
    return {"report": approved, **_turn(line, f"approved by {caller.subject}{note}: {where}")}
