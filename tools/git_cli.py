"""Running the git CLI: argument lists, a timeout on every call, errors that say what failed."""

import base64
import re
import subprocess
from functools import lru_cache
from pathlib import Path

from sleuth.errors import SleuthError

GIT_TIMEOUT_SECONDS = 120.0
# Separators for `git log --format` records and their fields: control characters no message contains.
RECORD, FIELD = "\x1e", "\x1f"
# Never let a repository's config or the user's run hooks, pagers or credential helpers.
_SAFE_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_PAGER": "cat",
    "LC_ALL": "C.UTF-8",
}


def git_env() -> dict[str, str]:
    """Return a minimal environment for git: no tokens, no prompts, no user config."""
    import os

    # GIT_ALLOW_PROTOCOL passes through so an operator (or the test suite) can forbid network transports.
    env = {key: os.environ[key] for key in ("PATH", "TMPDIR", "GIT_ALLOW_PROTOCOL") if key in os.environ}
    env.update(_SAFE_ENV)
    env["HOME"] = env.get("TMPDIR", "/tmp")
    return env


def token_header_config(token: str, user: str = "x-access-token") -> dict[str, str]:
    """The token as an `http.extraHeader`, in the `GIT_CONFIG_*` variables of one git command's environment.

    Never a URL or `.git/config`: the token lives exactly as long as the command.
    """
    header = "Authorization: Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()
    return {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.extraHeader", "GIT_CONFIG_VALUE_0": header}


def run_git(
    repo: Path, *args: str, check: bool = True, timeout: float = GIT_TIMEOUT_SECONDS, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `git -C repo args…` (stdin, if given, as its input) and return the completed process."""
    command = ["git", "-C", str(repo), "-c", "core.quotepath=off", *args]
    try:
        result = subprocess.run(
            command,
            capture_output=True,
            input=stdin,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            env=git_env(),
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise SleuthError(f"git {args[0]} timed out after {timeout:.0f}s in {repo}") from None
    except FileNotFoundError:
        raise SleuthError("git is not installed", hint="apt-get install git") from None
    if check and result.returncode != 0:
        raise git_failure(args[0], repo, result.stderr)
    return result


# A clone that lacks objects: partial (`--filter=blob:none`) without network, or damaged.
_MISSING_OBJECT = ("unable to read", "missing blob", "missing tree", "bad object", "could not fetch", "promisor")


def is_missing_objects(stderr: str) -> bool:
    """Whether git failed because the clone lacks objects."""
    return any(marker in stderr.lower() for marker in _MISSING_OBJECT)


def git_failure(command: str, repo: Path, stderr: str) -> SleuthError:
    """The error for a failed git command: git's last line, and what to do when objects are missing."""
    detail = (stderr.strip().splitlines() or ["no output"])[-1]
    hint = None
    if is_missing_objects(stderr):
        hint = (
            "the clone is missing objects (a partial or shallow clone, or a damaged one): "
            "fetch full history with `git fetch --refetch` or clone again without --filter/--depth"
        )
    return SleuthError(f"git {command} failed in {repo}: {detail}", hint=hint)


_C_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


def unquote_path(text: str) -> str:
    """A path as git prints it in diff headers (C-quoted when it holds a newline, tab, quote or backslash).

    Diff headers are the one place git has no `-z`; everywhere else sleuth reads paths NUL-separated.
    """
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        return text
    body, out, i = text[1:-1], bytearray(), 0
    while i < len(body):
        char = body[i]
        if char != "\\" or i + 1 == len(body):
            out += char.encode()
            i += 1
        elif body[i + 1] in _C_ESCAPES:
            out.append(_C_ESCAPES[body[i + 1]])
            i += 2
        elif body[i + 1 : i + 4].isdigit():
            out.append(int(body[i + 1 : i + 4], 8) & 0xFF)
            i += 4
        else:
            out += body[i : i + 2].encode()
            i += 2
    return out.decode("utf-8", errors="replace")


def diff_header_path(line: str) -> str:
    """The after-side path of a `diff --git a/x b/x` header line (quoted or not)."""
    rest = line.removeprefix("diff --git ")
    if not rest.endswith('"'):
        return rest.split(" b/", 1)[-1] if " b/" in rest else rest.split(" ")[-1]
    # The b-side is quoted: its opening quote is the last one that follows a space.
    start = rest.rfind(' "') + 1
    return unquote_path(rest[start:]).removeprefix("b/")


def since_option(moment: str) -> str:
    """`--since-as-filter` where git has it (2.37+), else `--since`.

    `--since` stops the walk at the first commit dated before it: one commit with a skewed clock
    (or a rebased, back-dated one) at the branch's tip would hide the whole window behind it.
    """
    return f"--since-as-filter={moment}" if _git_version() >= (2, 37) else f"--since={moment}"


@lru_cache(maxsize=1)
def _git_version() -> tuple[int, int]:
    try:
        out = subprocess.run(["git", "--version"], capture_output=True, text=True, check=False).stdout
    except FileNotFoundError:
        raise SleuthError("git is not installed", hint="apt-get install git") from None
    found = re.search(r"(\d+)\.(\d+)", out)
    return (int(found[1]), int(found[2])) if found else (0, 0)
