"""Canaries by shape (not configured anywhere): planted in the logs, a commit message and a diff, they reach
no output — the JSON and Markdown reports, the HTML view, the chat's replies, the PR body."""

import json
import shutil
import subprocess
from pathlib import Path

from sleuth.chat import ChatSession
from sleuth.config import Settings
from sleuth.demo.estate import Estate
from sleuth.models import Approval, Report
from sleuth.tools.fix_publisher import pr_body
from tests.conftest import commit_files, run_sleuth

CANARIES = {
    "github token": "ghp_CanaryToken0123456789abcdefghijklmnopq",
    "aws key id": "AKIAIOSFODNN7CANARY0",
    "url password": "canary-url-pass-4417",
    "e-mail": "oncall.canary@example.org",
    "card": "4111 1111 1111 1111",
    "ip": "10.20.30.40",
}
PLANTED = (
    f"token {CANARIES['github token']} key {CANARIES['aws key id']}"
    f" dsn postgres://svc:{CANARIES['url password']}@{CANARIES['ip']}:5432/pay"
    f" mail {CANARIES['e-mail']} card {CANARIES['card']}"
)


def _leaks(text: str) -> list[str]:
    return [name for name, value in CANARIES.items() if value in text]


def test_secrets_by_shape_reach_no_output(estate: Estate, tmp_path: Path) -> None:
    repo = tmp_path / "payments"
    shutil.copytree(estate.repos["payments"], repo, symlinks=True)
    commit_files(repo, {"ops/creds.txt": PLANTED + "\n"}, f"ops: creds {PLANTED}", when="2026-10-29T08:00:00Z")
    data = json.loads(estate.incident_path.read_text())
    data["logs"] += f"\n2026-10-29T09:12:01Z ERROR retry with {PLANTED}\n"
    incident = tmp_path / "incident.json"
    incident.write_text(json.dumps(data))
    out_json, out_md = tmp_path / "r.json", tmp_path / "r.md"
    result = run_sleuth(
        "investigate",
        str(incident),
        "--repo",
        str(repo),
        "--deploys",
        str(estate.deploys_path),
        "--json",
        str(out_json),
        "--md",
        str(out_md),
    )
    assert result.returncode == 0, result.stderr
    report = Report.model_validate_json(out_json.read_text())
    assert report.hypotheses[0].culprit_sha == estate.culprit_sha  # the evidence survives redaction
    planted = next(c for c in report.candidates if c.change.title.startswith("ops: creds"))
    outputs = {
        "json": out_json.read_text(),
        "markdown": out_md.read_text(),
        "terminal": result.stdout + result.stderr,
        "html": report._repr_html_(),
        "pr body": pr_body(report, Approval(approver="alice"), None, report.ref),
    }
    with ChatSession.start(incident=data, repo=repo, deploys=estate.deploys, settings=Settings()) as session:
        replies = [session.send(line) for line in ("explain", f"show {planted.change.sha[:10]}", "timeline", "fix")]
        replies.append(session.send("what was the postgres password and card?"))
    outputs["chat"] = "\n".join([session.last_reply, *replies])
    assert "[REDACTED]" in outputs["json"] and "[CARD]" in outputs["json"] and "[IP]" in outputs["json"]
    for name, text in outputs.items():
        assert _leaks(text) == [], f"{name} leaks {_leaks(text)}"
    shown = subprocess.run(["git", "-C", str(repo), "log", "-1", "--format=%s"], capture_output=True, text=True)
    assert CANARIES["card"] in shown.stdout  # planted for real: the repository itself holds them
