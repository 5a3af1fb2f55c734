"""Markdown rendering of a Report (the JSON form is `Report.to_json()`)."""

from typing import Any

from sleuth.llm_budget import usage_line
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


def _base(report: Report) -> tuple[str, str] | None:
    if not report.repo_url:
        return None
    return ("gitlab" if "gitlab" in report.repo_url else "github"), report.repo_url


def _actions(report: Report) -> list[str]:
    """What an on-call engineer does next: who to ask, where to look, what to roll back to, how to fix."""
    from sleuth.tools.web_links import commit_url, file_url

    top = report.top
    if top is None or not top.culprit_sha:
        return []
    change = next((c.change for c in report.candidates if c.change.sha == top.culprit_sha), None)
    base = _base(report)
    lines = ["## What to do", ""]
    if change is not None:
        who = change.author or "unknown author"
        reviewed = f", reviewed by {', '.join(change.reviewers)}" if change.reviewers else ""
        links = [f"[commit]({commit_url(base, change.sha)})"] if base else []
        links += [f"[#{change.number}]({change.url})"] if change.url else []
        lines.append(
            f"- **Culprit** `{change.short_sha}` {change.title} — by {who}{reviewed}"
            + (f" ({' · '.join(links)})" if links else "")
        )
    if top.file:
        where = f"{top.file}:{top.line}" if top.line else top.file
        link = f" ([open]({file_url(base, report.ref, top.file, top.line)}))" if base else ""
        lines.append(f"- **Look at** `{where}`{link}")
    if report.rollback_to is not None:
        deploy = report.rollback_to
        lines.append(
            f"- **Roll back** {deploy.service} in {deploy.environment} to `{deploy.sha[:10]}`"
            f" (deployed {deploy.at:%Y-%m-%d %H:%M} UTC, before the culprit shipped)"
        )
    if report.fix is not None:
        state = "validated" if report.fix.validated else "NOT validated"
        revert = f"git revert {top.culprit_sha[:10]}"
        lines.append(f"- **Fix** drafted, {state}: apply the patch (`git apply`), or `{revert}`")
    return [*lines, ""]


def _timeline(report: Report) -> list[str]:
    """Merge → deploy → first error → alert, one line each, with where each fact came from."""
    events = []
    shipped: dict[Any, list[str]] = {}
    for cand in report.candidates[:3]:
        events.append((cand.change.merged_at, f"merged `{cand.change.short_sha}` {cand.change.title}", "git history"))
        if cand.shipped_at:
            shipped.setdefault(cand.shipped_at, []).append(f"`{cand.change.short_sha}`")
    for at, shas in shipped.items():
        events.append((at, f"deploy shipped {', '.join(shas)}", "deploy records"))
    events.append((report.signals.first_error_at, "first error", "incident logs"))
    events.append((report.incident.started_at, "alert", "incident"))
    rows = [f"- {at:%Y-%m-%d %H:%M} UTC — {what} ({source})" for at, what, source in sorted(events, key=lambda e: e[0])]
    return ["## Timeline", "", *dict.fromkeys(rows), ""]


def to_markdown(report: Report, max_candidates: int = 10) -> str:
    """Render the report for people: verdict, hypotheses with evidence, candidates, fix."""
    lines = [f"# Investigation: {report.incident.title or report.incident.id or 'incident'}", ""]
    lines += [f"**Verdict:** {report.verdict}", ""]
    lines += _actions(report)
    lines += _timeline(report)
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
            lines += [f"Faulty location: `{hyp.file}:{hyp.line}`" if hyp.line else f"Faulty location: `{hyp.file}`", ""]
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
        if fix.test_environment:
            lines.append(f"- Ran in: {fix.test_environment}")
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
    if report.questions:
        lines += ["## Questions the investigation set out to answer", "", *[f"- {q}" for q in report.questions], ""]
    if report.findings:
        lines += ["## What the reading agent found (its words)", "", *[f"- {f}" for f in report.findings], ""]
    if report.notes:
        lines += ["## Notes", "", *[f"- {note}" for note in report.notes], ""]
    if spent := usage_line(report.llm_usage):
        lines += [f"Model use: {spent}.", ""]
    return "\n".join(lines)


def to_summary(report: Report, patch: str | None = None) -> str:
    """What a terminal shows (readable at 80 columns): the verdict, what to do, the timeline."""
    lines = [f"**Verdict:** {report.verdict}", "", *_actions(report), *_timeline(report)]
    if patch:
        lines += [f"Patch: `{patch}` — `git -C {report.repo} apply {patch}`", ""]
    return "\n".join(lines)
