"""The one way nodes ask the model for a structured answer: redacted, budgeted, parsed, retried once.

A model that is down, slow, over budget or answering out of schema never fails an investigation:
`ask_structured` returns None and says why in the budget's notes, and the node keeps its
deterministic answer. A malformed answer is asked again once, with the parsing error quoted.
"""

import json
import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel, SecretStr

from sleuth.llm import StructuredMethod
from sleuth.llm_budget import BudgetExhausted, LLMBudget
from sleuth.redact import redact

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)


def failure(exc: Exception) -> str:
    """ "OpenAIAPIError, HTTP 500": the error's kind and, when the server answered, its status."""
    status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)
    return f"{type(exc).__name__}, HTTP {status}" if isinstance(status, int) else type(exc).__name__


def _system(system: str, schema: type[BaseModel], method: StructuredMethod) -> str:
    if method != "json_mode":  # the schema travels as the tool or response format
        return system
    shape = json.dumps(schema.model_json_schema())
    return f"{system}\n\nAnswer with one JSON object only, matching this JSON schema:\n{shape}"


def ask_structured(
    model: "BaseChatModel",
    schema: type[T],
    system: str,
    user: str,
    budget: LLMBudget,
    *,
    method: StructuredMethod,
    what: str,
    secrets: Iterable[SecretStr | str | None] = (),
) -> T | None:
    """The model's answer as a `schema` instance, or None (endpoint down, budget spent, malformed twice)."""
    from langchain_core.messages import HumanMessage, SystemMessage

    secrets = list(secrets)
    messages = [SystemMessage(redact(_system(system, schema, method), secrets)), HumanMessage(redact(user, secrets))]
    structured = model.with_structured_output(schema, method=method, include_raw=True)
    for attempt in (1, 2):
        try:
            budget.check(what)
        except BudgetExhausted as exc:
            budget.note(str(exc))
            return None
        started = time.monotonic()
        try:
            answer = structured.invoke(messages)
        except Exception as exc:  # an outage must not cost the deterministic answer
            budget.record(None, started)
            log.warning("%s: the model call failed: %s", what, failure(exc))
            budget.note(f"{what}: the model call failed ({failure(exc)}); the deterministic answer stands")
            return None
        budget.record(answer.get("raw"), started)
        parsed = answer.get("parsed")
        if isinstance(parsed, schema):
            return parsed
        error = answer.get("parsing_error")
        if attempt == 1:
            messages.append(
                HumanMessage(
                    f"That answer did not fit the schema ({type(error).__name__ if error else 'no answer'}:"
                    f" {str(error)[:300]}). Answer again, using the schema exactly."
                )
            )
    budget.note(f"{what}: the model's answer did not fit the schema twice; the deterministic answer stands")
    return None
