"""A fake of `e2b_code_interpreter.Sandbox`: the SDK surface sleuth uses, run locally.

Commands run with bash in a temporary root that stands for /home/user/workspace, each with only the
environment E2B would give it (the sandbox's own plus the command's `envs`), so what a command
leaves behind — files, config — is what a real sandbox would hold. `remotes` maps https URLs to
local repositories; a remote with a token requires git to send it as E2B's clone would.
"""

import base64
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from e2b import CommandExitException, CommandResult, FileNotFoundException, TimeoutException

WORKDIR = "/home/user/workspace"


class FakeHandle:
    def __init__(self, box: "FakeE2BSandbox", command: str, cwd: str, envs: dict[str, str], timeout: float) -> None:
        self.box, self.command, self.cwd, self.envs, self.timeout = box, command, cwd, envs, timeout
        self.killed = False

    def wait(self, on_stdout=None, on_stderr=None):
        command = self.command.replace(WORKDIR, str(self.box.root))
        for url, (path, token) in self.box.remotes.items():
            if url in command:
                header = self.envs.get("GIT_CONFIG_VALUE_0", "")
                expected = base64.b64encode(f"x-access-token:{token}".encode()).decode() if token else ""
                if token and not header.endswith(expected):
                    raise CommandExitException(
                        stderr=f"fatal: Authentication failed for '{url}'\n", stdout="", exit_code=128, error=None
                    )
                command = command.replace(url, str(path))
        env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(self.box.root), **self.envs}
        try:
            done = subprocess.run(
                ["bash", "-c", command],
                cwd=self.cwd.replace(WORKDIR, str(self.box.root)),
                env=env,
                capture_output=True,
                text=True,
                timeout=self.timeout,
            )
        except subprocess.TimeoutExpired:
            raise TimeoutException("context deadline exceeded") from None
        if on_stdout and done.stdout:
            on_stdout(done.stdout)
        if on_stderr and done.stderr:
            on_stderr(done.stderr)
        if done.returncode != 0:
            raise CommandExitException(stderr=done.stderr, stdout=done.stdout, exit_code=done.returncode, error=None)
        return CommandResult(stderr=done.stderr, stdout=done.stdout, exit_code=0, error=None)

    def kill(self) -> bool:
        self.killed = True
        return True


class FakeCommands:
    def __init__(self, box: "FakeE2BSandbox") -> None:
        self.box = box

    def run(self, cmd: str, background=None, envs=None, cwd=None, timeout=60, **_: Any) -> FakeHandle:
        assert background, "sleuth runs commands in the background to be able to kill them"
        handle = FakeHandle(self.box, cmd, cwd or WORKDIR, dict(envs or {}), timeout)
        self.box.handles.append(handle)
        return handle


class FakeFiles:
    def __init__(self, box: "FakeE2BSandbox") -> None:
        self.box = box

    def _local(self, path: str) -> Path:
        assert path.startswith(WORKDIR), path
        return self.box.root / path[len(WORKDIR) + 1 :]

    def read(self, path: str, format: str = "text", **_: Any):
        local = self._local(path)
        if not local.is_file():
            raise FileNotFoundException(f"file {path} not found")
        return local.read_bytes() if format == "bytes" else local.read_text()

    def write(self, path: str, data: Any, **_: Any) -> None:
        local = self._local(path)
        local.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            data = data.encode()
        elif hasattr(data, "read"):
            data = data.read()
        local.write_bytes(data)


class FakeE2BSandbox:
    """Stands in for the SDK class: `create(**options)` returns a running sandbox."""

    created: ClassVar[list["FakeE2BSandbox"]] = []
    remotes: ClassVar[dict[str, tuple[Path, str | None]]] = {}
    fail_create: ClassVar[BaseException | None] = None

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        self.root = Path(tempfile.mkdtemp(prefix="fake-e2b-"))
        self.commands = FakeCommands(self)
        self.files = FakeFiles(self)
        self.handles: list[FakeHandle] = []
        self.killed = False

    @classmethod
    def create(cls, **options: Any) -> "FakeE2BSandbox":
        if cls.fail_create is not None:
            raise cls.fail_create
        box = cls(options)
        cls.created.append(box)
        return box

    def kill(self) -> bool:
        self.killed = True
        shutil.rmtree(self.root, ignore_errors=True)
        return True

    @classmethod
    def reset(cls) -> None:
        for box in cls.created:
            if not box.killed:
                shutil.rmtree(box.root, ignore_errors=True)
        cls.created, cls.remotes, cls.fail_create = [], {}, None


def all_text_under(root: Path) -> str:
    """Every file's bytes under root, as text (to look for a leaked token)."""
    chunks = []
    for dirpath, _, names in os.walk(root):
        for name in names:
            try:
                chunks.append((Path(dirpath) / name).read_bytes().decode("utf-8", errors="replace"))
            except OSError:
                continue
    return "\n".join(chunks)
