"""`ask` with a model: the answer must cite evidence that exists; one citing none is not shown."""

from types import SimpleNamespace

import pytest

from sleuth.agents.chat_ask import grounded_answer
from sleuth.api import investigate
from sleuth.config import Settings
from sleuth.demo.estate import Estate
from sleuth.models import Report


class ScriptedModel:
    """The model seam: `with_structured_output(schema).invoke(messages)` answers from a script."""

    def __init__(self, answer: str, citations: list[str]) -> None:
        self.answer, self.citations, self.prompts = answer, citations, []

    def with_structured_output(self, schema, method="function_calling"):
        def invoke(messages):
            self.prompts.append(messages[-1].content)
            return schema(answer=self.answer, citations=self.citations)

        return SimpleNamespace(invoke=invoke)


@pytest.fixture(scope="module")
def report(estate: Estate) -> Report:
    return investigate(estate.incident, estate.repos["payments"], deploys=estate.deploys, settings=Settings())


def test_a_grounded_answer_cites_the_evidence_it_rests_on(report: Report) -> None:
    model = ScriptedModel("rate_for stopped normalising the code, so 'eur' misses RATES.", ["E1", "E2", "E99"])
    reply = grounded_answer(SimpleNamespace(llm=model, settings=Settings()), report, "why does eur fail?")
    assert reply.startswith("rate_for stopped normalising")
    assert "[E1]" in reply and "[E2]" in reply and "E99" not in reply  # an id never gathered is dropped
    assert "E1:" in model.prompts[0] and "Question: why does eur fail?" in model.prompts[0]


def test_an_answer_citing_nothing_real_is_not_shown(report: Report) -> None:
    model = ScriptedModel("It was cosmic rays.", ["E404"])
    reply = grounded_answer(SimpleNamespace(llm=model, settings=Settings()), report, "what broke the currency?")
    assert "cosmic rays" not in reply and "cited no evidence" in reply
