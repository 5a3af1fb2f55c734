"""Canaries: configured secrets and keyword-style secrets planted in logs and history go nowhere."""

import json
import shutil
import sqlite3
import zlib
from pathlib import Path

import pytest

from sleuth.api import investigate
from sleuth.config import Settings
from sleuth.demo.estate import Estate
from sleuth.redact import redact
from sleuth.render import to_markdown
from tests.conftest import commit_files

GITHUB_TOKEN = "ghx-canary-0d1e2f3a4b5c6d7e8f90"  # no provider shape: only the by-value scrub can catch it
LLM_KEY = "llm-canary-key-9a8b7c6d5e4f"
KEYWORD_LEAKS = {
    "aws_secret_access_key = wJalrXUtnFEMIcanaryK7MDENGbPxRfiCY": "wJalrXUtnFEMIcanaryK7MDENGbPxRfiCY",
    'DB_PASSWORD = "canary-db-pass-771"': "canary-db-pass-771",
    "SLACK_URL=https://hooks.slack.com/services/T0CANARY/B0CANARY/c4n4ryW3bh00k": "c4n4ryW3bh00k",
    "stripe_api_key: canary-stripe-8812": "canary-stripe-8812",
    "MY_SERVICE_TOKEN=canary-svc-token-55": "canary-svc-token-55",
    "export OAUTH_CLIENT_SECRET='canary-oauth-99'": "canary-oauth-99",
}


def test_keyword_style_secrets_never_reach_a_prompt() -> None:
    for line, value in KEYWORD_LEAKS.items():
        scrubbed = redact(f"deploy log: {line} (retrying)")
        assert value not in scrubbed and "[REDACTED]" in scrubbed, line
    kept = "KeyError: 'eur' at payments/checkout.py:26 in convert (sha 1a2b3c4d5e)"
    assert redact(kept) == kept


def test_configured_secrets_reach_no_report_and_no_index_row(estate: Estate, tmp_path: Path) -> None:
    repo = tmp_path / "payments"
    shutil.copytree(estate.repos["payments"], repo, symlinks=True)
    # A careless commit quoting both secrets: it lands in the history the index reads.
    commit_files(repo, {"ops/notes.txt": f"token {GITHUB_TOKEN}\nkey {LLM_KEY}\n"}, f"ops: rotate {GITHUB_TOKEN}")
    settings = Settings.model_validate(
        {"github": {"token": GITHUB_TOKEN}, "llm": {"api_key": LLM_KEY}, "index": {"path": str(tmp_path / "index")}}
    )
    logs = f"{estate.incident.logs}\nAuthorization used {GITHUB_TOKEN}; fallback key {LLM_KEY}\n"
    incident = estate.incident.model_copy(update={"logs": logs})
    report = investigate(incident, repo, deploys=estate.deploys, settings=settings, use_index=True)
    outputs = [report.model_dump_json(), to_markdown(report)]
    with sqlite3.connect(tmp_path / "index" / "sidecar.sqlite3") as db:
        rows = db.execute("SELECT data, diff FROM changes").fetchall()
    assert len(rows) > 10, "the repository was indexed"
    outputs += [data + zlib.decompress(diff).decode() for data, diff in rows]
    outputs += [path.read_bytes().decode("latin-1") for path in (tmp_path / "index").rglob("*") if path.is_file()]
    for text in outputs:
        assert GITHUB_TOKEN not in text and LLM_KEY not in text
    assert any("ops: rotate [REDACTED]" in text for text in outputs)


def test_no_secret_reaches_a_prompt_checkpoint_log_or_progress_line(
    estate: Estate, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from sleuth.api import run_investigation
    from sleuth.checkpoints import sqlite_checkpointer
    from sleuth.tools.local_git import LocalGitHost
    from tests.fakes.openai_chat import ChatServer

    repo = tmp_path / "payments"
    shutil.copytree(estate.repos["payments"], repo, symlinks=True)
    commit_files(
        repo, {"ops/notes.txt": f"token {GITHUB_TOKEN}\n"}, f"ops: rotate {GITHUB_TOKEN}", when="2026-10-28T08:00:00Z"
    )
    planted = "\n".join(KEYWORD_LEAKS)  # an engineer pasted the env dump with the trace
    logs = f"{planted}\n{estate.incident.logs}\nAuthorization used {GITHUB_TOKEN}; fallback key {LLM_KEY}\n"
    incident = estate.incident.model_copy(update={"logs": logs})
    progress: list[str] = []
    caplog.set_level(logging.DEBUG)
    with (
        ChatServer.running(["lower", "currency"]) as server,
        sqlite_checkpointer(tmp_path / "checkpoints.sqlite3", [GITHUB_TOKEN, LLM_KEY]) as saver,
    ):
        settings = Settings.model_validate(
            {"github": {"token": GITHUB_TOKEN}, "llm": {"api_key": LLM_KEY, "model": "judge", "base_url": server.url}}
        )
        report = run_investigation(
            LocalGitHost(repo),
            incident,
            branch=None,
            deploys=estate.deploys,
            window_days=14,
            settings=settings,
            on_progress=lambda node, message: progress.append(message),
            checkpointer=saver,
            thread_id="canary",
        )
        saved = saver.get_tuple({"configurable": {"thread_id": "canary"}})
    assert report.hypotheses[0].culprit_sha == estate.culprit_sha
    assert server.requests, "the model was asked"
    assert saved is not None and "report" in saved.checkpoint["channel_values"]
    checkpoint_bytes = (tmp_path / "checkpoints.sqlite3").read_bytes()
    places = {
        "prompt": json.dumps(server.requests),
        "report": report.model_dump_json() + to_markdown(report),
        "progress": "\n".join(progress),
        "log": caplog.text,
        "checkpoint": checkpoint_bytes.decode("latin-1"),
    }
    assert "ops: rotate" in places["checkpoint"], "the checkpoint holds the run's state"
    for place, text in places.items():
        for secret in [GITHUB_TOKEN, LLM_KEY, *KEYWORD_LEAKS.values()]:
            assert secret not in text, f"{secret} reached the {place}"
