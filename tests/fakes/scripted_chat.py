"""A scripted chat model: each call takes the next step of a script, so a test decides every answer.

A step is an `AIMessage`, an exception to raise, or a function of (messages, tool names) that returns
one. `tool_call(name, **args)` and `answer(Schema, **fields)` build the usual steps. Every call is
kept (`calls`), so a test can check what reached "the model", and a script that runs out fails loudly.
"""

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, Field

Step = AIMessage | Exception | Callable[[list[BaseMessage], list[str]], AIMessage]
USAGE = {"input_tokens": 300, "output_tokens": 50, "total_tokens": 350}


def tool_call(tool: str, /, call_id: str | None = None, **args: Any) -> AIMessage:
    """An answer that calls one tool (or fills a structured-output schema named `tool`)."""
    return AIMessage(
        content="", tool_calls=[{"name": tool, "args": args, "id": call_id or f"call_{tool}"}], usage_metadata=USAGE
    )


def answer(schema: type[BaseModel], **fields: Any) -> AIMessage:
    """A structured answer: the forced tool call that `with_structured_output` parses into `schema`."""
    return tool_call(schema.__name__, **fields)


def text(content: str) -> AIMessage:
    return AIMessage(content=content, usage_metadata=USAGE)


class ScriptedChat(BaseChatModel):
    """A chat model that answers from `script`, in order."""

    script: list[Any] = Field(default_factory=list)
    calls: list[dict[str, Any]] = Field(default_factory=list)
    repeat_last: bool = False

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: Any = None, **kwargs: Any) -> Any:
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], tool_choice=tool_choice, **kwargs)

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any):
        names = [t["function"]["name"] for t in kwargs.get("tools") or []]
        self.calls.append({"messages": list(messages), "tools": names, "tool_choice": kwargs.get("tool_choice")})
        if not self.script:
            raise AssertionError(f"the script ran out at call {len(self.calls)} (tools offered: {names})")
        step = self.script[0] if self.repeat_last and len(self.script) == 1 else self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        message = step(list(messages), names) if callable(step) else step
        return ChatResult(generations=[ChatGeneration(message=message)])

    def sent_text(self) -> str:
        """Everything every call sent, as one string (for leak checks)."""
        return "\n".join(str(m.content) for call in self.calls for m in call["messages"])
