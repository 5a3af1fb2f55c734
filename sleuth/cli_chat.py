"""`sleuth chat`: a REPL over a chat session (prompt_toolkit: history, completion of commands and shas).

Interface (driven by other tools as written): `sleuth chat INCIDENT --repo PATH [--deploys FILE]`
starts a session; `sleuth chat --resume THREAD|last` resumes one. Every reply is plain text; a bad
command gets one `error: …` line and the session goes on.
"""

import logging
import os
import sys
from pathlib import Path
from typing import Any

from sleuth.errors import SleuthError

PROMPT = "sleuth> "
log = logging.getLogger(__name__)


def _completer(session: Any) -> Any:
    from prompt_toolkit.completion import WordCompleter

    from sleuth.agents.chat_commands import COMMANDS

    report = session.report
    shas = [c.change.sha[:10] for c in report.candidates] if report else []
    return WordCompleter([*COMMANDS, "--override", *shas], ignore_case=True, sentence=True)


def _read_key() -> str:
    key = os.environ.get("SLEUTH_API_KEY")
    if key:
        return key
    from prompt_toolkit import prompt

    return prompt("API key (not echoed): ", is_password=True)


def _say(text: str) -> None:
    if text:
        print(text, flush=True)


def _open(incident: Path | None, repo: str | None, deploys: Path | None, resume: str | None) -> Any:
    from sleuth.chat import ChatSession
    from sleuth.config import load_settings
    from sleuth.inputs import load_deploys, load_incident

    settings = load_settings()
    progress = lambda node, message: print(f"▸ {node:<15} {message}", flush=True)  # noqa: E731
    if resume:
        print("resuming…", flush=True)
        session = ChatSession.resume(resume, settings=settings, on_progress=progress)
        print(f"resumed session {session.thread}", flush=True)
        _say(session.last_reply or "")
        return session
    if incident is None:
        raise SleuthError("give an incident to investigate, or --resume THREAD|last")
    session = ChatSession.start(
        load_incident(incident),
        repo if repo is None or repo.startswith(("github:", "gitlab:")) else Path(repo),
        deploys=load_deploys(deploys) if deploys else [],
        settings=settings,
        on_progress=progress,
    )
    print(f"session {session.thread} (resume it with: sleuth chat --resume {session.thread})", flush=True)
    _say(session.last_reply)
    return session


def _turn(session: Any, line: str) -> None:
    from sleuth.chat import list_sessions

    word = line.split(maxsplit=1)[0].lower() if line.split() else ""
    if word == "sessions":
        for info in list_sessions(session.path):
            here = " (this one)" if info.thread == session.thread else ""
            print(f"{info.thread}  {info.updated_at:%Y-%m-%d %H:%M}  {info.title}{here}", flush=True)
        return
    _say(session.send(line))
    if session.needs_key:
        _say(session.provide_key(_read_key()))


def run_chat(incident: Path | None, repo: str | None, deploys: Path | None, resume: str | None) -> int:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory

    from sleuth.agents.chat_commands import parse_command
    from sleuth.chat import sessions_path

    try:
        session = _open(incident, repo, deploys, resume)
    except SleuthError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 2
    except Exception as exc:  # a bug: one line (the session, if any, is checkpointed and resumable)
        log.exception("sleuth chat failed to open the session")
        print(
            f"error: sleuth failed ({type(exc).__name__}: {exc}); `sleuth chat --resume last` retries", file=sys.stderr
        )
        return 1
    with session:
        try:
            if session.needs_key:  # resumed while an approval waited for its key
                print("an approval is waiting for its key", flush=True)
                _say(session.provide_key(_read_key()))
        except (SleuthError, EOFError, KeyboardInterrupt) as exc:
            print(f"error: {exc or 'no key given'}", flush=True)
        sessions_path().parent.mkdir(parents=True, exist_ok=True)
        prompter: Any = PromptSession(history=FileHistory(str(sessions_path().parent / "history")))
        while True:
            try:
                line = prompter.prompt(PROMPT, completer=_completer(session)).strip()
            except KeyboardInterrupt:
                continue
            except EOFError:
                line = "quit"
            if not line:
                continue
            if parse_command(line).name == "quit":
                print(f"bye — sleuth chat --resume {session.thread}", flush=True)
                return 0
            try:
                _turn(session, line)
            except (SleuthError, EOFError, KeyboardInterrupt) as exc:
                print(f"error: {exc or 'cancelled'}", flush=True)
            except Exception as exc:  # a bug in one turn must not end the session
                log.exception("chat turn %r failed", line)
                print(f"error: that turn failed ({type(exc).__name__}: {exc})", flush=True)
