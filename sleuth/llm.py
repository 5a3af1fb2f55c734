"""The one model factory: the configured OpenAI-compatible chat model, and how to ask it for structure.

Absent (None) in deterministic mode. Tests plug a scripted model in through `InvestigationContext.llm`;
everything else reaches the model through `sleuth.llm_calls.ask_structured`.
"""

import os
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlparse

from sleuth.config import LLMSettings
from sleuth.errors import SleuthError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

StructuredMethod = Literal["json_schema", "function_calling", "json_mode"]


def structured_method(settings: LLMSettings) -> StructuredMethod:
    """The structured-output method this server takes.

    OpenAI itself enforces `json_schema`; vLLM, Ollama and llama.cpp's server take forced tool calls
    (llama.cpp answers a `json_schema` response_format with HTTP 500), so `auto` means function calling
    for any other base_url.
    """
    if settings.structured_output != "auto":
        return settings.structured_output
    host = urlparse(settings.base_url).hostname if settings.base_url else "api.openai.com"
    return "json_schema" if host == "api.openai.com" else "function_calling"


def chat_model(settings: LLMSettings) -> "BaseChatModel | None":
    """The configured chat model (temperature 0), or None when no `[llm] model` is set."""
    if not settings.model:
        return None
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    key = settings.api_key or (SecretStr(os.environ["OPENAI_API_KEY"]) if os.environ.get("OPENAI_API_KEY") else None)
    if key is None:
        if not settings.base_url:
            raise SleuthError(
                f"[llm] model is {settings.model!r} but no API key is set",
                hint='set [llm] api_key = "env:OPENAI_API_KEY" (or OPENAI_API_KEY), or a base_url for a local server',
            )
        key = SecretStr("unused")  # local OpenAI-compatible servers (vLLM, Ollama) take any key
    return ChatOpenAI(
        model=settings.model,
        base_url=settings.base_url,
        api_key=key,
        temperature=0,
        max_retries=settings.max_retries,
        timeout=settings.timeout_seconds,
        use_responses_api=False,  # chat completions: what every OpenAI-compatible server speaks
    )
