"""A synthetic repository history of any length, written with `git fast-import`, for benchmarks and
tests that need thousands of real commits (merges and squashes included) in seconds.
"""

import random
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sleuth.tools.git_cli import git_env

MODULES = 120
FUNCTIONS_PER_MODULE = 12
_VERBS = ["Fix", "Add", "Refactor", "Speed up", "Handle", "Support", "Clean up", "Validate", "Log", "Cache"]
_NOUNS = [
    "retry budget",
    "currency rounding",
    "session expiry",
    "invoice totals",
    "rate limiter",
    "webhook signature",
    "search pagination",
    "timeout handling",
    "cart merge",
    "token refresh",
    "stock reservation",
    "email templates",
]
_AUTHORS = ["Ada Lovelace", "Lin Wei", "Priya Natarajan", "Tom Becker", "Aisha Bello", "Jonas Berg"]


def _module_source(module: int, versions: list[int]) -> str:
    lines = [f'"""Module {module} of the synthetic service."""', "", "import logging", ""]
    for function, version in enumerate(versions):
        lines += [
            "",
            f"def handler_{module}_{function}(request, timeout=30):",
            f'    """Handle case {function} (revision {version})."""',
            f"    limit = {10 + version % 50}",
            "    try:",
            f"        return request.get('value_{version}', limit)",
            "    except KeyError:",
            "        logging.warning('missing value')",
            "        return None",
        ]
    return "\n".join(lines) + "\n"


def _data(text: str) -> bytes:
    raw = text.encode()
    return b"data %d\n" % len(raw) + raw + b"\n"


def write_history(path: Path, changes: int, seed: int = 7, start: datetime | None = None) -> Path:
    """Create a repository at `path` with `changes` first-parent changes on main; every tenth is a
    merge of a feature-branch commit, the others squash commits titled with a PR number."""
    rng = random.Random(seed)
    start = start or datetime(2026, 1, 1, tzinfo=UTC)
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "--initial-branch=main", str(path)], check=True, env=git_env())
    versions = [[0] * FUNCTIONS_PER_MODULE for _ in range(MODULES)]
    process = subprocess.Popen(
        ["git", "-C", str(path), "fast-import", "--quiet", "--done"], stdin=subprocess.PIPE, env=git_env()
    )
    assert process.stdin is not None
    out = process.stdin
    mark = 0
    main_mark = 0
    for number in range(1, changes + 1):
        at = start + timedelta(minutes=37 * number)
        author = rng.choice(_AUTHORS)
        who = f"{author} <{author.split()[0].lower()}@example.com> {int(at.timestamp())} +0000"
        module, function = rng.randrange(MODULES), rng.randrange(FUNCTIONS_PER_MODULE)
        versions[module][function] += 1
        title = f"{rng.choice(_VERBS)} {rng.choice(_NOUNS)} in handler_{module}_{function}"
        body = f"Adjusts handler_{module}_{function} for case {versions[module][function]}."
        files = [(f"service/mod_{module}.py", _module_source(module, versions[module]))]
        if number % 25 == 0:
            files.append(("requirements.txt", f"requests==2.{number % 40}.0\nurllib3==2.{number % 7}.1\n"))
        if number % 40 == 0:
            files.append(("config/settings.yaml", f"timeout_seconds: {number % 90}\nmax_retries: {number % 5}\n"))
        commands = b""
        for name, text in files:
            commands += b"M 100644 inline " + name.encode() + b"\n" + _data(text)
        if number % 10 == 0 and main_mark:
            mark += 1
            side = mark
            out.write(b"commit refs/heads/feature\nmark :%d\ncommitter %s\n" % (side, who.encode()))
            out.write(_data(title) + b"from :%d\n" % main_mark + commands)
            mark += 1
            out.write(b"commit refs/heads/main\nmark :%d\ncommitter %s\n" % (mark, who.encode()))
            message = f"Merge pull request #{number} from team/feature-{number}\n\n{title}\n\n{body}"
            out.write(_data(message) + b"from :%d\nmerge :%d\n" % (main_mark, side) + commands)
        else:
            mark += 1
            out.write(b"commit refs/heads/main\nmark :%d\ncommitter %s\n" % (mark, who.encode()))
            out.write(_data(f"{title} (#{number})\n\n{body}"))
            if main_mark:
                out.write(b"from :%d\n" % main_mark)
            out.write(commands)
        main_mark = mark
    out.write(b"done\n")
    out.close()
    if process.wait() != 0:
        raise RuntimeError("git fast-import failed")
    subprocess.run(["git", "-C", str(path), "branch", "-D", "-q", "feature"], env=git_env(), check=False)
    subprocess.run(["git", "-C", str(path), "reset", "-q", "--hard", "main"], env=git_env(), check=True)
    return path
