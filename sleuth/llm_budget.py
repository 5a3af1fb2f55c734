"""What an investigation may spend on the model, and what it has spent: calls, tokens, seconds, cost.

Usage travels in the graph state as integer counters (`llm_usage`, summed across nodes), so a run
resumed in a fresh process starts its budget from what the checkpoint says was already spent.
Milliseconds and micro-dollars keep the counters integers.
"""

import time
from dataclasses import dataclass, field
from typing import Any

from sleuth.config import LLMSettings
from sleuth.errors import SleuthError

COUNTERS = ("calls", "tokens", "input_tokens", "output_tokens", "milliseconds", "cost_micro_usd")


class BudgetExhausted(SleuthError):
    """The investigation's model budget is spent: the caller falls back to its deterministic answer."""


@dataclass
class LLMBudget:
    """Caps from `[llm]`, the spend carried in (`spent`), and what this node adds (`added`)."""

    settings: LLMSettings
    spent: dict[str, int] = field(default_factory=dict)
    added: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    notes: list[str] = field(default_factory=list)

    def total(self, name: str) -> int:
        return self.spent.get(name, 0) + self.added.get(name, 0)

    def check(self, what: str) -> None:
        """Raise `BudgetExhausted` when another call would go past a cap."""
        caps = self.settings
        over = (
            f"{caps.max_calls} calls"
            if self.total("calls") >= caps.max_calls
            else f"{caps.max_tokens} tokens"
            if self.total("tokens") >= caps.max_tokens
            else f"{caps.max_seconds:.0f} s"
            if self.total("milliseconds") >= caps.max_seconds * 1000
            else None
        )
        if over:
            raise BudgetExhausted(
                f"the model budget ({over} per investigation) is spent; {what} used the deterministic answer",
                hint="raise [llm] max_calls, max_tokens or max_seconds",
            )

    def record(self, message: Any, started: float) -> None:
        """Count one call: its tokens from the answer's usage metadata, its seconds, its cost."""
        usage = getattr(message, "usage_metadata", None) or {}
        prompt, completion = int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0))
        total = int(usage.get("total_tokens", prompt + completion))
        cost = prompt * self.settings.price_per_million_input + completion * self.settings.price_per_million_output
        for name, value in (
            ("calls", 1),
            ("tokens", total),
            ("input_tokens", prompt),
            ("output_tokens", completion),
            ("milliseconds", round((time.monotonic() - started) * 1000)),
            ("cost_micro_usd", round(cost)),  # USD per million tokens x tokens = micro-dollars
        ):
            self.added[name] = self.added.get(name, 0) + value

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


def usage_line(usage: dict[str, int]) -> str | None:
    """ "12 model calls, 48,210 tokens, 31.4 s, $0.0123" (None without a model call)."""
    if not usage.get("calls"):
        return None
    cost = usage.get("cost_micro_usd", 0) / 1e6
    seconds = usage.get("milliseconds", 0) / 1000
    return f"{usage['calls']} model calls, {usage.get('tokens', 0):,} tokens, {seconds:.1f} s, ${cost:.4f}"
