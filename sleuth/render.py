"""Markdown rendering of a Report (the JSON form is `Report.to_json()`)."""

from sleuth.models import CodeExcerpt, Report


def _excerpt(excerpt: CodeExcerpt, highlight: set[str], around: int = 6) -> list[str]:
    out = ["```"]
    first = max(excerpt.start_line, excerpt.focus_line - around)
    last = min(excerpt.start_line + len(excerpt.lines) - 1, excerpt.focus_line + around)
    for number in range(first, last + 1):
        text = excerpt.lines[number - excerpt.start_line]
        sha = excerpt.blame.get(number, "")
        marker = ">" if number == excerpt.focus_line else " "
        flag = "*" if sha in highlight else " "
        out.append(f"{marker}{number:5d} {sha[:8]:8}{flag} {text}")
    out.append("```")
    return out


def to_markdown(report: Report, max_candidates: int = 10) -> str:
    """Render the report for people: verdict, hypotheses with evidence, candidates, fix."""
    lines = [f"# Investigation: {report.incident.title or report.incident.id or 'incident'}", ""]
    lines += [f"**Verdict:** {report.verdict}", ""]
    sig = report.signals
    lines += [
        f"- Repository `{report.repo}` at `{report.ref[:10]}`; first error "
        f"{sig.first_error_at:%Y-%m-%d %H:%M:%S} UTC; class **{sig.error_class}** ({sig.error_class_reason})",
    ]
    for exc in sig.exceptions:
        app = [f for f in exc.frames if f.in_app]
        lines.append(f"- `{exc.type}: {exc.message}` — {len(exc.frames)} frames, {len(app)} in the app")
    lines.append("")
    lines += ["## Hypotheses", ""]
    changes = {c.change.sha: c.change for c in report.candidates}
    for hyp in report.hypotheses:
        status = " (discounted)" if hyp.discounted else ""
        culprit = f"`{hyp.culprit_sha[:10]}` {hyp.culprit_title}" if hyp.culprit_sha else "no code change"
        if hyp.culprit_sha and (change := changes.get(hyp.culprit_sha)) and change.url:
            culprit += f" ([#{change.number}]({change.url}))"
        lines += [
            f"### {hyp.rank}. {culprit} — confidence {hyp.confidence:.2f}{status}",
            "",
            hyp.explanation,
            "",
        ]
        if hyp.file:
            lines += [f"Faulty location: `{hyp.file}:{hyp.line}`", ""]
        highlight = {hyp.culprit_sha} if hyp.culprit_sha else set()
        for item in hyp.evidence:
            cite = f" [{item.sha[:10]}]" if item.sha else ""
            where = f" `{item.path}:{item.line}`" if item.path and item.line else ""
            lines.append(f"- *{item.kind}*{cite}{where}: {item.summary}")
            if item.excerpt and not hyp.discounted:
                lines += ["", *_excerpt(item.excerpt, highlight), ""]
        lines.append("")
    lines += [
        "## Candidate changes",
        "",
        "| rank | change | title | tags | timing | score | why |",
        "|---|---|---|---|---|---|---|",
    ]
    for cand in report.candidates[:max_candidates]:
        title = cand.change.title.replace("|", "\\|")
        if cand.change.url:
            title = f"[#{cand.change.number}]({cand.change.url}) {title}"
        enrichment = cand.change.enrichment
        tags = ", ".join(enrichment.tags) if enrichment else ""
        why = [*cand.reasons, *(f"risk: {risk}" for risk in (enrichment.risks[:2] if enrichment else []))]
        lines.append(
            f"| {cand.rank} | `{cand.change.short_sha}` | {title} | {tags} | {cand.timing} | {cand.score:.2f} | "
            + "; ".join(why).replace("|", "\\|")
            + " |"
        )
    lines.append("")
    if report.confirmation:
        lines += ["## Reproduction", "", report.confirmation.summary, ""]
    if report.fix:
        fix = report.fix
        lines += [
            "## Drafted fix",
            "",
            f"Strategy: {fix.strategy} of `{fix.culprit_sha[:10]}`. **{fix.validation_summary}**",
            "",
        ]
        lines += ["```diff", fix.diff.rstrip(), "```", ""]
        if fix.test_command:
            lines.append(f"- Test command: `{' '.join(fix.test_command)}` ({fix.test_command_source})")
        if fix.test_files:
            lines.append(f"- Judged on: {', '.join(fix.test_files)}")
        for label, run in (("before", fix.before), ("after", fix.after)):
            if run:
                lines.append(
                    f"- Tests {label} the fix: {len(run.passed)} passed, {len(run.failed)} failed"
                    + (f" ({', '.join(run.failed[:5])})" if run.failed else "")
                )
        lines += [f"- Tried: {attempt}" for attempt in fix.tried]
        lines.append("")
    if report.notes:
        lines += ["## Notes", "", *[f"- {note}" for note in report.notes], ""]
    return "\n".join(lines)
