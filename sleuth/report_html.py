"""A report as HTML for Jupyter (`Report._repr_html_`): the verdict, a timeline plot, hypotheses, candidates, fix."""

import base64
import html
import io
from datetime import datetime

from sleuth.models import Report


def timeline_events(report: Report, top: int = 5) -> list[tuple[datetime, str, str]]:
    """(when, kind, label) of the top candidates' merges and ships, the first error and the alert, oldest first."""
    events: list[tuple[datetime, str, str]] = []
    for c in report.candidates[:top]:
        events.append((c.change.merged_at, "merge", f"{c.change.short_sha} {c.change.title[:40]}"))
        if c.shipped_at:
            events.append((c.shipped_at, "deploy", f"deploy of {c.change.short_sha}"))
    events.append((report.signals.first_error_at, "error", "first error"))
    events.append((report.incident.started_at, "alert", "alert"))
    return sorted(events, key=lambda e: e[0])


def timeline_png(report: Report) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = {"merge": "tab:blue", "deploy": "tab:green", "error": "tab:red", "alert": "black"}
    events = timeline_events(report)
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(events) + 1))
    for row, (at, kind, label) in enumerate(events):
        ax.scatter([at], [row], color=colours[kind], zorder=3)
        ax.annotate(label, (at, row), xytext=(6, -3), textcoords="offset points", fontsize=8)
    ax.set_yticks([])
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("merges, deploys, first error, alert (UTC)")
    fig.autofmt_xdate()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return buffer.getvalue()


def report_html(report: Report, max_candidates: int = 8) -> str:
    e = html.escape
    top = report.top
    parts = [f"<h3>{e(report.incident.title or 'incident')}</h3>", f"<p><b>Verdict:</b> {e(report.verdict)}</p>"]
    image = base64.b64encode(timeline_png(report)).decode()
    parts.append(f'<img alt="timeline" src="data:image/png;base64,{image}"/>')
    if top is not None:
        parts.append(f"<p>{e(top.explanation)}</p>")
    rows = "".join(
        f"<tr><td>{c.rank}</td><td><code>{e(c.change.short_sha)}</code></td><td>{e(c.change.title)}</td>"
        f"<td>{e(c.timing.replace('_', ' '))}</td><td>{c.score:.2f}</td></tr>"
        for c in report.candidates[:max_candidates]
    )
    parts.append(
        "<table><tr><th>rank</th><th>change</th><th>title</th><th>timing</th><th>score</th></tr>" + rows + "</table>"
    )
    if report.fix is not None:
        state = "validated" if report.fix.validated else "NOT validated"
        parts.append(f"<p><b>Fix</b> ({state}): {e(report.fix.validation_summary)}</p><pre>{e(report.fix.diff)}</pre>")
    for approval in report.approvals:
        parts.append(f"<p>Approved by {e(approval.approver)} at {approval.at:%Y-%m-%d %H:%M} UTC</p>")
    return "\n".join(parts)
