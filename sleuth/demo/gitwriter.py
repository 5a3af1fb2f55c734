"""Writing a repository's history with real git: PR merges and squash merges at chosen times."""

import os
import subprocess
from datetime import datetime
from pathlib import Path

from sleuth.tools.git_cli import git_env


class HistoryWriter:
    """Commits changes to a repository as merged pull requests, each at a given time."""

    def __init__(self, path: Path, org: str = "acme") -> None:
        self.path = path
        self.org = org
        self.next_number = 101
        path.mkdir(parents=True, exist_ok=True)
        self._git("init", "--quiet", "--initial-branch=main")

    def _git(self, *args: str, when: datetime | None = None, author: tuple[str, str] | None = None) -> str:
        env = git_env()
        name, email = author or ("Release Bot", "release-bot@acme.example")
        env.update(
            GIT_AUTHOR_NAME=name,
            GIT_AUTHOR_EMAIL=email,
            GIT_COMMITTER_NAME="GitHub",
            GIT_COMMITTER_EMAIL="noreply@github.example",
        )
        if when is not None:
            stamp = when.isoformat()
            env.update(GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp)
        result = subprocess.run(
            ["git", "-C", str(self.path), "-c", "commit.gpgsign=false", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=True,
        )
        return result.stdout.strip()

    def write(self, files: dict[str, str | None]) -> None:
        """Write (or delete, for None) files in the working tree."""
        for relative, content in files.items():
            target = self.path / relative
            if content is None:
                target.unlink(missing_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")

    def read(self, relative: str) -> str:
        """Return a file's current text."""
        return (self.path / relative).read_text(encoding="utf-8")

    def commit_direct(self, message: str, when: datetime, author: tuple[str, str]) -> str:
        """Commit everything on main directly (the initial import)."""
        self._git("add", "-A")
        self._git("commit", "--quiet", "-m", message, when=when, author=author)
        return self._git("rev-parse", "HEAD")

    def merge_pr(self, title: str, body: str, when: datetime, author: tuple[str, str], squash: bool) -> str:
        """Land the working-tree edits as a PR: a merge commit or a squash commit on main."""
        number = self.next_number
        self.next_number += 1
        login = author[0].split()[0].lower()
        if squash:
            self._git("add", "-A")
            self._git(
                "commit",
                "--quiet",
                "-m",
                f"{title} (#{number})\n\n{body}",
                when=when,
                author=author,
            )
            return self._git("rev-parse", "HEAD")
        branch = f"{login}/pr-{number}"
        self._git("checkout", "--quiet", "-b", branch)
        self._git("add", "-A")
        self._git("commit", "--quiet", "-m", f"{title}\n\n{body}", when=when, author=author)
        self._git("checkout", "--quiet", "main")
        message = f"Merge pull request #{number} from {self.org}/{branch}\n\n{title}\n\n{body}"
        self._git("merge", "--quiet", "--no-ff", "-m", message, branch, when=when, author=author)
        self._git("branch", "--quiet", "-D", branch)
        return self._git("rev-parse", "HEAD")

    def checkout(self, ref: str) -> None:
        """Check out a ref (detached) in the working tree."""
        self._git("checkout", "--quiet", ref)


def run_python(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the service code with this interpreter, as production would run it."""
    return run_service(cwd, ["python", *args])


def run_service(cwd: Path, argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a service's program (`python` means this interpreter) with a minimal environment plus env."""
    import sys

    base = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "TMPDIR", "JAVA_HOME")}
    base["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        [sys.executable if part == "python" else part for part in argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        timeout=120,
        check=False,
    )
