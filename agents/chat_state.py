"""The chat graph's state: the investigation's input, its report, this turn, and the session's transcript."""

import operator
from typing import Annotated, NotRequired, TypedDict

from sleuth.models import Deploy, Incident, Report


class ChatState(TypedDict, total=False):
    """One chat session (a thread): set up once, then one command per turn."""

    incident: Incident
    repo: str | None
    branch: str | None
    deploys: list[Deploy]
    window_days: int
    notes: NotRequired[Annotated[list[str], operator.add]]
    report: Report | None
    """The investigation's report (with approvals once the fix is approved)."""
    command: str
    """This turn's input line."""
    reply: str
    """This turn's answer."""
    fix_shown: bool
    """The fix has been shown in this session: approving needs it seen first."""
    transcript: Annotated[list[dict[str, str]], operator.add]
    """Every turn so far: {"command", "reply"}."""


ChatUpdate = ChatState
