"""The chat's commands: one table drives parsing, `help` and tab completion."""

from dataclasses import dataclass

COMMANDS: dict[str, str] = {
    "explain": "the leading hypothesis, its evidence and the code it points at",
    "hypotheses": "every hypothesis, the discounted ones too, and why",
    "show": "show N|SHA — a candidate: summary, files, every ranking feature and why it ranks there",
    "why": "why SHA — why a change ranks where it does, and the evidence about it",
    "timeline": "merges, ships, the first error and the alert, one line each",
    "fix": "the drafted fix: its diff and the tests run before and after",
    "approve": "approve [--override] — write the fix (a branch + commit, or a draft PR/MR); needs a key",
    "ask": "ask QUESTION (or just type it) — answered from the evidence",
    "history": "this session's turns so far",
    "sessions": "the chat sessions on this machine",
    "help": "this list",
    "quit": "leave (the session is saved; `sleuth chat --resume last` comes back)",
}
NEEDS_ARGUMENT = {"show": "show N or show SHA", "why": "why SHA", "ask": "ask QUESTION"}


@dataclass(frozen=True)
class ChatCommand:
    name: str
    argument: str = ""


def parse_command(line: str) -> ChatCommand:
    """A command, or `ask` for free text; an empty argument where one is needed is refused by the caller."""
    text = line.strip()
    word, _, rest = text.partition(" ")
    name = word.lower()
    if name in ("exit", "q"):
        name = "quit"
    if name in COMMANDS:
        return ChatCommand(name, rest.strip())
    return ChatCommand("ask", text)


def help_text() -> str:
    width = max(len(n) for n in COMMANDS)
    return "\n".join(f"  {name.ljust(width)}  {what}" for name, what in COMMANDS.items())
