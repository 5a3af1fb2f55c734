"""A forge repository's mirror: a bare clone under `$SLEUTH_HOME/mirrors`, fetched with a token that stays put.

Clone-then-read: once fetched, a GitHub or GitLab repository is read like any local clone (blame,
bisect, the sandbox clone). The token travels only in the one git command's environment, as an
`http.extraHeader` git reads from `GIT_CONFIG_*` variables; it is never written to the mirror's
config (checked after every fetch), a remote URL, a log or an error.
"""

from pathlib import Path

from sleuth.config import sleuth_home
from sleuth.errors import SleuthError
from sleuth.tools.git_cli import git_env, token_header_config

FETCH_TIMEOUT_SECONDS = 1800.0


def mirrors_root() -> Path:
    return sleuth_home() / "mirrors"


def mirror_path(provider: str, full_name: str) -> Path:
    """Where `owner/name` of a provider is mirrored (`…/mirrors/github/owner/name.git`)."""
    owner, _, name = full_name.partition("/")
    if not owner or not name or ".." in full_name or full_name.startswith("/"):
        raise SleuthError(f"not a repository name: {full_name!r}", hint="write it as owner/name")
    return mirrors_root() / provider / owner / f"{name}.git"


def token_env(token: str | None, user: str = "x-access-token") -> dict[str, str]:
    """git's minimal environment, plus the token as an `http.extraHeader` for this one command."""
    return git_env() | (token_header_config(token, user) if token else {})


def fetch_mirror(url: str, path: Path, token: str | None, user: str = "x-access-token") -> Path:
    """Clone (first time) or fetch the mirror of `url` into `path`; return the path."""
    import subprocess

    env = token_env(token, user)
    if (path / "HEAD").exists():
        command = ["git", "-C", str(path), "fetch", "--prune", "--quiet", "origin", "+refs/heads/*:refs/heads/*"]
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        command = ["git", "clone", "--mirror", "--quiet", url, str(path)]
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=FETCH_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise SleuthError(f"fetching {url} timed out after {FETCH_TIMEOUT_SECONDS:.0f}s") from None
    stderr = result.stderr.replace(token, "***") if token else result.stderr
    if result.returncode != 0:
        detail = (stderr.strip().splitlines() or ["no output"])[-1]
        raise SleuthError(
            f"could not fetch {url}: {detail}",
            hint="check the token's Contents: Read permission (GitLab: read_repository) and the URL",
        )
    if token and token in (path / "config").read_text(errors="replace"):
        raise SleuthError(f"the mirror's config at {path} holds the token: refusing to use it")
    return path
