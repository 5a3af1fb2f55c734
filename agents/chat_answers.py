"""What the chat says about a finished investigation: plain text rendered from the report, nothing invented.

Every answer is a pure function of the `Report`: explain, hypotheses, show, why, timeline, fix, and
`ask` without a model (the evidence whose words match the question, said plainly). Evidence is
numbered E1, E2, … in the order the hypotheses cite it, the ids a grounded answer cites.
"""

import re
from datetime import datetime

from sleuth.errors import SleuthError
from sleuth.models import Candidate, Evidence, Report

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "was",
        "why",
        "what",
        "which",
        "how",
        "did",
        "does",
        "that",
        "this",
        "with",
        "from",
        "into",
        "are",
        "not",
        "has",
        "have",
    ]
)


def evidence_ids(report: Report) -> dict[str, Evidence]:
    """Each distinct piece of evidence the hypotheses cite, numbered E1, E2, … in order of citation."""
    numbered: dict[str, Evidence] = {}
    seen: set[str] = set()
    for hypothesis in report.hypotheses:
        for item in hypothesis.evidence:
            key = item.model_dump_json()
            if key not in seen:
                seen.add(key)
                numbered[f"E{len(numbered) + 1}"] = item
    return numbered


def _where(item: Evidence) -> str:
    place = f"{item.path}:{item.line}" if item.path and item.line else item.path or ""
    return " ".join(p for p in (item.sha[:10] if item.sha else "", place) if p)


def evidence_line(eid: str, item: Evidence) -> str:
    where = _where(item)
    return f"  [{eid}] {item.kind}{' ' + where if where else ''}: {item.summary}"


def candidate(report: Report, ref: str) -> Candidate:
    """The candidate a rank (`2`) or a sha prefix (at least 4 characters) names."""
    ref = ref.strip()
    if ref.isdigit():
        rank = int(ref)
        found = [c for c in report.candidates if c.rank == rank]
        if not found:
            raise SleuthError(f"no candidate ranked {rank}", hint=f"ranks go from 1 to {len(report.candidates)}")
        return found[0]
    if not re.fullmatch(r"[0-9a-fA-F]{4,40}", ref):
        raise SleuthError(f"{ref!r} is neither a rank nor a sha", hint="give a rank (show 2) or 4+ hex digits of a sha")
    found = [c for c in report.candidates if c.change.sha.startswith(ref.lower())]
    if not found:
        raise SleuthError(f"no candidate sha starts with {ref}", hint="`hypotheses` lists them")
    if len(found) > 1:
        names = ", ".join(c.change.short_sha for c in found)
        raise SleuthError(f"{ref} names {len(found)} candidates ({names})", hint="give more of the sha")
    return found[0]


def explain(report: Report) -> str:
    top = report.top
    if top is None or not top.culprit_sha:
        return f"{report.verdict}\nNo change is blamed." + (f"\n{top.explanation}" if top else "")
    lines = [
        f"Leading culprit: {top.culprit_sha} {top.culprit_title or ''}".rstrip(),
        f"confidence {top.confidence:.2f}, {top.error_class}"
        + (f", at {top.file}:{top.line}" if top.file and top.line else ""),
        top.explanation,
        "Evidence:",
    ]
    lines.extend(evidence_line(eid, item) for eid, item in evidence_ids(report).items() if item in top.evidence)
    excerpt = next((e.excerpt for e in top.evidence if e.excerpt is not None), None)
    if excerpt is not None:
        lines.append(f"Code ({excerpt.path}):")
        first = max(excerpt.start_line, excerpt.focus_line - 6)
        shown = excerpt.lines[first - excerpt.start_line : first - excerpt.start_line + 13]
        for number, text in enumerate(shown, first):
            lines.append(f"  {'>' if number == excerpt.focus_line else ' '}{number:5d}  {text}")
    return "\n".join(lines)


def hypotheses(report: Report) -> str:
    lines = []
    for h in report.hypotheses:
        name = f"{h.culprit_sha[:10]} {h.culprit_title or ''}".rstrip() if h.culprit_sha else "no code change"
        mark = " (discounted)" if h.discounted else ""
        lines.append(f"{h.rank}. {name} — confidence {h.confidence:.2f}{mark}")
        lines.append(f"   {h.explanation}")
    return "\n".join(lines) or "no hypotheses"


def show(report: Report, ref: str) -> str:
    c = candidate(report, ref)
    change = c.change
    lines = [
        f"#{c.rank} {change.sha} {change.title}",
        f"by {change.author or 'unknown'}, merged {change.merged_at:%Y-%m-%d %H:%M} UTC"
        + (f", shipped {c.shipped_at:%Y-%m-%d %H:%M} UTC" if c.shipped_at else "")
        + f" ({c.timing.replace('_', ' ')})",
        f"{len(change.files)} file(s), +{change.additions} -{change.deletions}: {', '.join(change.files[:8])}",
    ]
    if change.url:
        lines.append(change.url)
    lines.append(f"score {c.score:.3f}; features:")
    lines.extend(f"  {name} = {value:.3f}" for name, value in sorted(c.features.items(), key=lambda kv: -kv[1]))
    lines.extend(f"  because {reason}" for reason in c.reasons)
    return "\n".join(lines)


def why(report: Report, ref: str) -> str:
    c = candidate(report, ref)
    top = report.top
    leading = top.culprit_sha if top else None
    head = (
        f"{c.change.short_sha} is the leading culprit"
        if c.change.sha == leading
        else f"{c.change.short_sha} ranks {c.rank} of {len(report.candidates)}"
    )
    reasons = c.reasons or ["no ranking feature stood out"]
    cited = [
        evidence_line(eid, e) for eid, e in evidence_ids(report).items() if e.sha and c.change.sha.startswith(e.sha)
    ]
    return "\n".join([f"{head}:", *(f"  - {r}" for r in reasons), *(["Evidence about it:", *cited] if cited else [])])


def timeline(report: Report) -> str:
    """Merges, ships, the first error and the alert, one line each, oldest first."""
    events: list[tuple[datetime, str]] = []
    for c in report.candidates[:5]:
        events.append((c.change.merged_at, f"merged  {c.change.short_sha} {c.change.title}"))
        if c.shipped_at:
            events.append((c.shipped_at, f"shipped {c.change.short_sha}"))
    events.append((report.signals.first_error_at, "first error"))
    events.append((report.incident.started_at, f"alert   {report.incident.title}".rstrip()))
    return "\n".join(f"{at:%Y-%m-%d %H:%M} {what}" for at, what in sorted(events, key=lambda e: e[0]))


def fix(report: Report) -> str:
    proposal = report.fix
    if proposal is None:
        return "no fix was drafted: " + (
            "no change is blamed" if not (report.top and report.top.culprit_sha) else "no revertible hunk"
        )
    state = "validated" if proposal.validated else "NOT validated"
    lines = [f"Fix ({proposal.strategy.replace('_', ' ')} of {proposal.culprit_sha[:10]}), {state}:"]
    lines.append(proposal.validation_summary)
    for name, run in (("before", proposal.before), ("after", proposal.after)):
        if run is not None:
            lines.append(f"  tests {name}: {len(run.passed)} passed, {len(run.failed)} failed (exit {run.exit_code})")
    lines.append(proposal.diff.rstrip())
    return "\n".join(lines)


def ask_without_model(report: Report, question: str) -> str:
    """The evidence whose words match the question — no model is configured, so no answer is composed."""
    words = {w.lower() for w in _WORD.findall(question)} - _STOP
    scored = []
    for eid, item in evidence_ids(report).items():
        code = "\n".join(item.excerpt.lines) if item.excerpt else None
        text = " ".join(filter(None, [item.summary, item.path, code])).lower()
        hits = sum(1 for w in words if w in text)
        if hits:
            scored.append((hits, eid, item))
    if not scored:
        return "No model is configured, and no evidence matches those words. Try `explain` or `hypotheses`."
    scored.sort(key=lambda s: (-s[0], int(s[1][1:])))
    lines = ["No model is configured; the evidence that matches your words:"]
    lines.extend(evidence_line(eid, item) for _, eid, item in scored[:6])
    return "\n".join(lines)
