"""The model boundary: structured answers parsed, a malformed one asked again once, outages and spent
budgets falling back, usage and cost counted, secrets redacted before they leave."""

import httpx
import pytest
from pydantic import BaseModel

from sleuth.config import LLMSettings
from sleuth.llm import structured_method
from sleuth.llm_budget import LLMBudget, usage_line
from sleuth.llm_calls import ask_structured
from tests.fakes.scripted_chat import ScriptedChat, answer, text


class Verdict(BaseModel):
    culprit: str
    likelihood: int


def _ask(model: ScriptedChat, budget: LLMBudget, user: str = "which change?") -> Verdict | None:
    return ask_structured(model, Verdict, "judge", user, budget, method="function_calling", what="test node")


def test_a_structured_answer_is_parsed_and_its_usage_and_cost_counted() -> None:
    model = ScriptedChat(script=[answer(Verdict, culprit="abc", likelihood=80)])
    budget = LLMBudget(LLMSettings(model="m", price_per_million_input=2.0, price_per_million_output=10.0))
    assert _ask(model, budget) == Verdict(culprit="abc", likelihood=80)
    assert model.calls[0]["tools"] == ["Verdict"]
    assert budget.added["calls"] == 1 and budget.added["tokens"] == 350
    assert budget.added["cost_micro_usd"] == 300 * 2 + 50 * 10
    assert usage_line(budget.added).startswith("1 model calls, 350 tokens,")


def test_a_malformed_answer_is_asked_again_once_then_the_deterministic_answer_stands() -> None:
    model = ScriptedChat(script=[text("I think it is abc"), answer(Verdict, culprit="abc", likelihood=70)])
    budget = LLMBudget(LLMSettings(model="m"))
    assert _ask(model, budget) == Verdict(culprit="abc", likelihood=70)
    assert "did not fit the schema" in str(model.calls[1]["messages"][-1].content)

    model = ScriptedChat(script=[text("no"), answer(Verdict, culprit="abc")])  # likelihood missing
    budget = LLMBudget(LLMSettings(model="m"))
    assert _ask(model, budget) is None
    assert budget.added["calls"] == 2
    assert budget.notes == [
        "test node: the model's answer did not fit the schema twice; the deterministic answer stands"
    ]


def test_an_endpoint_that_is_down_falls_back_with_a_note() -> None:
    model = ScriptedChat(script=[httpx.ConnectError("connection refused")])
    budget = LLMBudget(LLMSettings(model="m"))
    assert _ask(model, budget) is None
    assert budget.notes[0].startswith("test node: the model call failed (ConnectError)")


@pytest.mark.parametrize(
    ("caps", "spent", "over"),
    [
        ({"max_calls": 2}, {"calls": 2}, "2 calls"),
        ({"max_tokens": 1000}, {"tokens": 1000}, "1000 tokens"),
        ({"max_seconds": 1}, {"milliseconds": 1500}, "1 s"),
    ],
)
def test_a_spent_budget_makes_no_call(caps: dict, spent: dict, over: str) -> None:
    model = ScriptedChat(script=[])
    budget = LLMBudget(LLMSettings(model="m", **caps), spent=spent)
    assert _ask(model, budget) is None
    assert model.calls == []
    assert f"the model budget ({over} per investigation) is spent" in budget.notes[0]


def test_secrets_are_redacted_before_the_call() -> None:
    model = ScriptedChat(script=[answer(Verdict, culprit="abc", likelihood=1)])
    budget = LLMBudget(LLMSettings(model="m"))
    ask_structured(
        model,
        Verdict,
        "judge",
        "token ghp_abcdefghijklmnopqrstuvwxyz0123456789 and s3cret-value",
        budget,
        method="function_calling",
        what="t",
        secrets=["s3cret-value"],
    )
    sent = model.sent_text()
    assert "ghp_abcdefghijklmnop" not in sent and "s3cret-value" not in sent


def test_the_structured_method_follows_the_server() -> None:
    assert structured_method(LLMSettings(model="gpt")) == "json_schema"
    assert structured_method(LLMSettings(model="m", base_url="http://127.0.0.1:8080/v1")) == "function_calling"
    assert (
        structured_method(LLMSettings(model="m", base_url="http://x/v1", structured_output="json_mode")) == "json_mode"
    )
