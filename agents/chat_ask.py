"""`ask` with a model: an answer grounded in the investigation's evidence, citing its ids (E1, E2, …).

The model sees the verdict, the hypotheses and the numbered evidence (redacted), and must cite the
ids it relies on. An answer citing no id that exists is not shown; the matching evidence is, as
without a model. A model failure costs the answer, never the session.
"""

import logging
import re
from typing import Any

from pydantic import BaseModel, Field

from sleuth.agents import chat_answers
from sleuth.models import Report
from sleuth.redact import redact

log = logging.getLogger(__name__)
SYSTEM = (
    "You answer an on-call engineer's question about a finished incident investigation. Use only the "
    "evidence given, cite the ids (E1, E2, ...) of the evidence each claim rests on, and say plainly "
    "when the evidence does not answer the question."
)


class _Answer(BaseModel):
    answer: str = Field(description="The answer, in a few sentences.")
    citations: list[str] = Field(description="Ids of the evidence the answer rests on, e.g. ['E1', 'E3'].")


def _prompt(report: Report, question: str) -> str:
    evidence = chat_answers.evidence_ids(report)
    lines = [f"Verdict: {report.verdict}", "Hypotheses:", chat_answers.hypotheses(report), "Evidence:"]
    lines += [f"{eid}: {e.kind} {e.path or ''}:{e.line or ''} {e.summary}" for eid, e in evidence.items()]
    return "\n".join([*lines, "", f"Question: {question}"])


def grounded_answer(context: Any, report: Report, question: str) -> str:
    from langchain_core.messages import HumanMessage, SystemMessage

    from sleuth.llm import chat_model

    model = context.llm or chat_model(context.settings.llm)
    secrets = context.settings.secrets()
    known = chat_answers.evidence_ids(report)
    try:
        structured = model.with_structured_output(_Answer, method="function_calling")
        answer = structured.invoke([SystemMessage(SYSTEM), HumanMessage(redact(_prompt(report, question), secrets))])
    except Exception as exc:  # an outage or a malformed answer: the evidence still answers
        log.warning("chat ask: the model call failed: %s", type(exc).__name__)
        return f"(the model call failed: {type(exc).__name__})\n" + chat_answers.ask_without_model(report, question)
    cited = [c for c in dict.fromkeys(re.findall(r"E\d+", " ".join(answer.citations))) if c in known]
    if not cited:
        return "(the model's answer cited no evidence, so it is not shown)\n" + chat_answers.ask_without_model(
            report, question
        )
    sources = "\n".join(chat_answers.evidence_line(eid, known[eid]) for eid in cited)
    return f"{redact(answer.answer.strip(), secrets)}\nCited:\n{sources}"
