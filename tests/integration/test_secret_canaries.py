"""Canaries: configured secrets and keyword-style secrets planted in logs and history go nowhere."""

import shutil
import sqlite3
import zlib
from pathlib import Path

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
