"""Links to a repository's pages on its forge (commit, PR/MR, file:line), from its origin remote or mirror path."""

import re
from pathlib import Path

from sleuth.tools.git_cli import run_git

_REMOTE = re.compile(
    r"^(?:https?://(?:[^@/]+@)?|git@|ssh://git@)(?P<host>github\.com|gitlab\.com)[:/](?P<path>.+?)(?:\.git)?/?$"
)


def web_base(repo: str) -> tuple[str, str] | None:
    """("github"|"gitlab", "https://host/owner/name") for a clone of github.com or gitlab.com, or a sleuth mirror."""
    from sleuth.tools.forge_mirror import mirrors_root

    path = Path(repo).resolve()
    try:
        parts = path.relative_to(mirrors_root().resolve()).parts
        if len(parts) >= 3 and parts[0] in ("github", "gitlab"):
            name = "/".join([*parts[1:-1], parts[-1].removesuffix(".git")])
            return parts[0], f"https://{parts[0]}.com/{name}"
    except ValueError:
        pass
    remote = run_git(path, "config", "--get", "remote.origin.url", check=False).stdout.strip()
    match = _REMOTE.match(remote)
    if match is None:
        return None
    kind = "github" if match["host"] == "github.com" else "gitlab"
    return kind, f"https://{match['host']}/{match['path']}"


def commit_url(base: tuple[str, str], sha: str) -> str:
    kind, url = base
    return f"{url}/-/commit/{sha}" if kind == "gitlab" else f"{url}/commit/{sha}"


def file_url(base: tuple[str, str], ref: str, path: str, line: int | None) -> str:
    kind, url = base
    anchor = f"#L{line}" if line else ""
    return f"{url}/-/blob/{ref}/{path}{anchor}" if kind == "gitlab" else f"{url}/blob/{ref}/{path}{anchor}"
