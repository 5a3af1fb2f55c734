"""The LLM re-rank of search-changes, against an OpenAI-compatible server on loopback; prompt redaction."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from sleuth.agents.llm_rerank import llm_rerank
from sleuth.agents.plan import plan
from sleuth.agents.search_changes import rank_candidates
from sleuth.config import LLMSettings
from sleuth.errors import SleuthError
from sleuth.llm import chat_model
from sleuth.llm_budget import LLMBudget
from sleuth.models import Candidate, Change, Incident
from sleuth.redact import REDACTED, redact
from tests.fakes.openai_chat import ChatServer

WHEN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GITHUB_TOKEN = "ghs_Installation0Token0For0Tests0000000"
LLM_KEY = "sk-test-llm-key-0000000000000000000000"
LOGS = (
    'Traceback (most recent call last):\n  File "/srv/app/rates.py", line 12, in convert\n'
    "    return table[region]\nKeyError: 'region'\n"
    f"request by ops@example.com with Authorization: Bearer {GITHUB_TOKEN} db password=hunter2hunter2\n"
)
DIFFS = {
    "a" * 40: "--- a/app/logging.py\n+++ b/app/logging.py\n@@ -1 +1 @@\n-LEVEL = 'info'\n+LEVEL = 'debug'\n",
    "b"
    * 40: "--- a/app/rates.py\n+++ b/app/rates.py\n@@ -3 +3 @@\n-    'region': DEFAULT_REGION,\n+    'zone': 'eu',\n",
    "c" * 40: "--- a/docs/index.md\n+++ b/docs/index.md\n@@ -1 +1 @@\n-old\n+new\n",
}


def _candidates() -> list[Candidate]:
    made = []
    for position, (sha, score) in enumerate(zip(DIFFS, (3.0, 2.0, 1.0), strict=True)):
        change = Change(
            sha=sha,
            repo="svc",
            title=f"change {position}",
            committed_at=WHEN - timedelta(hours=position + 1),
            merged_at=WHEN - timedelta(hours=position + 1),
            files=[DIFFS[sha].split("\n")[0][6:]],
        )
        made.append(Candidate(change=change, timing="merged_before", features={"lexical": score / 3}, score=score))
    return rank_candidates(made)


def _incident() -> Incident:
    return Incident(title="rates endpoint 500s", logs=LOGS, started_at=WHEN)


def test_the_models_judgement_reorders_the_shortlist_and_the_prompt_is_redacted() -> None:
    incident = _incident()
    with ChatServer.running(["zone", "region"]) as server:
        model = chat_model(LLMSettings(model="judge-1", base_url=server.url, api_key=SecretStr(LLM_KEY)))
        assert model is not None
        budget = LLMBudget(LLMSettings(model="judge-1"))
        ranked = llm_rerank(
            model, incident, plan(incident), _candidates(), DIFFS, 3.0, budget, secrets=[SecretStr(GITHUB_TOKEN)]
        )
    assert [c.change.sha[0] for c in ranked] == ["b", "a", "c"]
    top = ranked[0]
    assert top.features["llm_judgement"] == 0.9 and top.score == pytest.approx(2.0 + 2.7)
    assert any("the model judged it 90% likely" in r for r in top.reasons)
    assert (budget.added["calls"], budget.added["tokens"], budget.added["input_tokens"]) == (1, 460, 400)
    # What reached the model: the incident and the diffs, with no secret and no e-mail address.
    sent = json.dumps(server.requests)
    assert "KeyError: 'region'" in sent and "'zone': 'eu'" in sent
    for secret in (GITHUB_TOKEN, "hunter2hunter2", "ops@example.com", LLM_KEY):
        assert secret not in sent
    assert server.headers[0] == {"path": "/v1/chat/completions", "auth": f"Bearer {LLM_KEY}"}


def test_a_failing_model_leaves_the_deterministic_ranking_and_says_so() -> None:
    incident = _incident()
    before = _candidates()
    with ChatServer.running(["zone"], status=500) as server:
        model = chat_model(LLMSettings(model="judge-1", base_url=server.url))
        assert model is not None
        budget = LLMBudget(LLMSettings(model="judge-1"))
        ranked = llm_rerank(model, incident, plan(incident), before, DIFFS, 3.0, budget)
    assert ranked == before
    assert budget.added["calls"] == 1 and budget.added["tokens"] == 0
    assert len(budget.notes) == 1 and budget.notes[0].startswith("LLM re-rank: the model call failed (")


def test_no_model_without_a_name_and_a_clear_error_without_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert chat_model(LLMSettings()) is None
    with pytest.raises(SleuthError, match="no API key"):
        chat_model(LLMSettings(model="gpt-x"))


def test_redact_removes_credentials_but_keeps_the_evidence() -> None:
    text = (
        "commit 1687892d63fdff7525bb50a0166db3c5214ce2de broke /app/src/rates.py line 12: KeyError: 'region'\n"
        "token=sk-proj-abcdefghijklmnop1234567890ABCDEFG aws AKIAIOSFODNN7EXAMPLE\n"
        "GET https://deploy:s3cr3tpass@git.example.com/x.git\n"
        '{"api_key": "abcd1234efgh", "user": "bob@example.com"} custom-secret-value\n'
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n"
        "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
    )
    scrubbed = redact(text, ["custom-secret-value", None])
    assert scrubbed.splitlines()[0] == text.splitlines()[0]  # shas, paths, lines and the error stay
    for leaked in (
        "sk-proj-",
        "AKIAIOSFODNN7EXAMPLE",
        "s3cr3tpass",
        "abcd1234efgh",
        "bob@example.com",
        "custom-secret-value",
        "MIIEow",
        "eyJzdWIi",
    ):
        assert leaked not in scrubbed, leaked
    assert scrubbed.count(REDACTED) >= 7
