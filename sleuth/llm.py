"""The optional OpenAI-compatible chat model: built from `[llm]` settings, absent in deterministic mode."""

import os
from typing import TYPE_CHECKING

from sleuth.config import LLMSettings
from sleuth.errors import SleuthError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

TIMEOUT_SECONDS = 120.0


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
        max_retries=1,
        timeout=TIMEOUT_SECONDS,
        use_responses_api=False,  # chat completions: what every OpenAI-compatible server speaks
    )
