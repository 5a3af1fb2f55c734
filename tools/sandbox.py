"""The investigation workspace: a clone of the repo, and commands run in isolation over it.

`BubblewrapSandbox` runs every command under bubblewrap, built to hold against the repository's own
code whether sleuth runs as root or as a user:
- a user namespace in which the command is the unprivileged uid/gid 65534 with every capability
  dropped, and no further user namespaces (`--disable-userns`);
- a seccomp filter (`sandbox_seccomp`) denying mount, ptrace, keyctl, bpf, perf_event_open and the
  rest of what an escape needs;
- no network, IPC, UTS or PID sharing (`--unshare-all`), a new session (no terminal injection) and
  death with sleuth (`--die-with-parent`);
- the system read-only, a size-capped private `/tmp`, only the workspace writable, and nothing of
  the host's home, config or repositories;
- bubblewrap itself started with a minimal environment, so no process in the sandbox, PID 1
  included, holds a host secret in `/proc/*/environ`;
- process, memory, file-size and open-file limits and a workspace quota (`sandbox_limits`), a
  wall-clock limit and an output cap.
The workspace lives in a fresh temporary directory that `destroy()` removes.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from io import BufferedReader
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, Self

from pydantic import BaseModel

from sleuth.errors import SleuthError
from sleuth.tools.git_cli import git_env, run_git
from sleuth.tools.sandbox_limits import MB, ProcessCgroup, SandboxLimits, WorkspaceWatchdog, rlimit_wrapper
from sleuth.tools.sandbox_seccomp import seccomp_program_fd
from sleuth.tools.workspace_sweep import PREFIX, hold_lock, release_lock, sweep_stale_workspaces

if TYPE_CHECKING:
    from sleuth.config import Settings

WORKSPACE_MOUNT = "/workspace"
MAX_READ_BYTES = 2_000_000
_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/etc/alternatives")
SANDBOX_UID = 65534  # "nobody": what the command is inside the sandbox's user namespace
# What bubblewrap (PID 1 in the sandbox, whose /proc/1/environ the command can read) is started with.
_LAUNCH_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


class CommandResult(BaseModel):
    """What a sandboxed command did."""

    command: list[str]
    exit_code: int | None
    output: str
    timed_out: bool = False
    truncated: bool = False
    seconds: float = 0.0
    limit_exceeded: str | None = None


class Sandbox(Protocol):
    """An isolated workspace holding one clone of a repository.

    Paths given to `read_text` and `write_text` are relative to the clone; commands run in it.
    """

    @property
    def cloned(self) -> bool:
        """Whether `clone` has run."""
        ...

    def clone(self, source: Path | str, ref: str) -> None:
        """Clone source into the workspace and check out ref (detached)."""
        ...

    def run(self, command: list[str], timeout: float | None = None) -> CommandResult:
        """Run a command in the clone, isolated, with a time limit and output cap."""
        ...

    def read_text(self, path: str) -> str | None:
        """Return a file of the clone as text, or None when it is missing, binary or too large."""
        ...

    def write_text(self, path: str, text: str) -> None:
        """Write a file of the clone (creating its directories)."""
        ...

    def destroy(self) -> None:
        """Delete the workspace and everything in it."""
        ...


class OutputTail:
    """The last `limit` bytes of a stream, and how many bytes it carried in all."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.total = 0
        self.chunks: deque[bytes] = deque()
        self.kept = 0

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        self.chunks.append(chunk)
        self.kept += len(chunk)
        while self.kept - len(self.chunks[0]) >= self.limit:
            self.kept -= len(self.chunks.popleft())

    def drain(self, stream: BufferedReader) -> None:
        with stream:
            while chunk := stream.read1(1 << 16):
                self.feed(chunk)

    def text(self) -> str:
        data = b"".join(self.chunks)
        return data[-self.limit :].decode("utf-8", errors="replace") if self.limit else ""


# After checking out ref detached: the clone must not point back at the host path (the sandbox sees
# only the workspace), and no branch, tag or reflog may lead to commits newer than ref, which an
# investigation of the past (an eval case) must not see.
FORGET_OTHER_HISTORY = (
    "git remote remove origin"
    " && git for-each-ref --format='delete %(refname)' | git update-ref --stdin"
    " && git reflog expire --expire=now --all"
)


def _bwrap_binary() -> str:
    path = shutil.which("bwrap")
    if path is None:
        raise SleuthError(
            "bubblewrap (bwrap) is not installed; sleuth runs repository code only inside it",
            hint="sudo apt-get install -y bubblewrap",
        )
    return path


class BubblewrapSandbox:
    """A temporary workspace whose commands run under bubblewrap with no network."""

    def __init__(
        self, timeout_seconds: float = 300.0, output_limit_bytes: int = 2_000_000, limits: SandboxLimits | None = None
    ) -> None:
        self.bwrap = _bwrap_binary()
        self.timeout_seconds = timeout_seconds
        self.output_limit_bytes = output_limit_bytes
        self.limits = limits or SandboxLimits()
        self.root = Path(tempfile.mkdtemp(prefix=PREFIX))
        self.repo_dir = self.root / "repo"
        self._lock = hold_lock(self.root)  # alive while held: the sweep leaves it alone
        self.environment: Path | None = None
        self.environment_error: str | None = None  # the repository's environment could not be built

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.destroy()

    @property
    def cloned(self) -> bool:
        return (self.repo_dir / ".git").exists()

    def clone(self, source: Path | str, ref: str) -> None:
        """Clone a local repository (no hard links) and check out ref detached."""
        run_git(
            self.root,
            "clone",
            "--quiet",
            "--no-hardlinks",
            "--no-checkout",
            str(Path(source).resolve()),
            "repo",
        )
        run_git(self.repo_dir, "checkout", "--quiet", "--detach", ref)
        subprocess.run(["sh", "-c", FORGET_OTHER_HISTORY], cwd=self.repo_dir, env=git_env(), check=True, timeout=60)

    def _inside(self, path: str) -> Path:
        target = (self.repo_dir / path).resolve()
        if not target.is_relative_to(self.repo_dir.resolve()):
            raise SleuthError(f"{path!r} is outside the workspace clone")
        return target

    def read_text(self, path: str) -> str | None:
        target = self._inside(path)
        if not target.is_file() or target.stat().st_size > MAX_READ_BYTES:
            return None
        data = target.read_bytes()
        return None if b"\0" in data[:8192] else data.decode("utf-8", errors="replace")

    def write_text(self, path: str, text: str) -> None:
        target = self._inside(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def _bwrap_args(self, seccomp_fd: int) -> list[str]:
        args = [
            self.bwrap,
            "--unshare-all",
            "--unshare-user",
            "--uid",
            str(SANDBOX_UID),
            "--gid",
            str(SANDBOX_UID),
            "--disable-userns",
            "--cap-drop",
            "ALL",
            "--die-with-parent",
            "--new-session",
            "--seccomp",
            str(seccomp_fd),
        ]
        for directory in _SYSTEM_DIRS:
            if os.path.islink(directory):
                args += ["--symlink", os.readlink(directory), directory]
            elif os.path.isdir(directory):
                args += ["--ro-bind", directory, directory]
        # A private /tmp first: later binds (a virtualenv that lives under /tmp) must stay on top.
        args += ["--proc", "/proc", "--dev", "/dev", "--size", str(self.limits.tmp_mb * MB), "--tmpfs", "/tmp"]
        # The interpreter that runs the repository's tests and its virtualenv, read-only: the
        # repository's own environment when one was built, else sleuth's.
        environment = self.environment
        for prefix in sorted({sys.base_prefix, str(environment) if environment else sys.prefix}):
            args += ["--ro-bind", prefix, prefix]
        args += [
            "--bind",
            str(self.root),
            WORKSPACE_MOUNT,
            # bwrap's root is a scratch tmpfs: make it read-only so only the workspace and /tmp
            # (private, in-memory) take writes.
            "--remount-ro",
            "/",
            "--chdir",
            f"{WORKSPACE_MOUNT}/repo",
            "--clearenv",
            "--setenv",
            "PATH",
            f"{environment / 'bin' if environment else Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "--setenv",
            "HOME",
            "/tmp",
            "--setenv",
            "LANG",
            "C.UTF-8",
            "--setenv",
            "PYTHONDONTWRITEBYTECODE",
            "1",
            "--setenv",
            "GIT_CONFIG_NOSYSTEM",
            "1",
        ]
        if environment:
            # The clone's code first on the path: it shadows any installed copy of the same package.
            repo = f"{WORKSPACE_MOUNT}/repo"
            path = f"{repo}:{repo}/src:{repo}/.git/sleuth-site"  # the clone, then its metadata (test_env.SITE)
            args += ["--setenv", "VIRTUAL_ENV", str(environment), "--setenv", "PYTHONPATH", path]
        return args

    def use_environment(self, path: Path | None) -> None:
        """Run later commands with this virtualenv (the repository's own), or sleuth's with None."""
        self.environment = path

    def run(self, command: list[str], timeout: float | None = None) -> CommandResult:
        """Run a command in the clone under bubblewrap; kill its process tree on timeout.

        Output is drained from a pipe as it comes and only its last `output_limit_bytes` are kept
        in memory: a command printing gigabytes costs neither host disk nor host memory. Processes
        the command leaves in the background die with the sandbox's PID namespace when it exits.
        A command that grows the workspace past its quota is killed (`limit_exceeded` says so).
        """
        if not self.root.exists():
            raise SleuthError("the sandbox workspace was already destroyed")
        limit = timeout if timeout is not None else self.timeout_seconds
        cgroup = ProcessCgroup(self.limits) if os.geteuid() == 0 else None
        seccomp_fd = seccomp_program_fd()
        started = time.monotonic()
        try:
            launch = [*rlimit_wrapper(self.limits), *self._bwrap_args(seccomp_fd), "--", *command]
            process = subprocess.Popen(
                cgroup.joining(launch) if cgroup else launch,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                pass_fds=(seccomp_fd,),
                env=_LAUNCH_ENV,
            )
        except BaseException:
            if cgroup:
                cgroup.remove()
            raise
        finally:
            os.close(seccomp_fd)
        tail = OutputTail(self.output_limit_bytes)
        reader = threading.Thread(target=tail.drain, args=(process.stdout,), daemon=True)
        reader.start()
        timed_out = False
        quota = self.limits.workspace_quota_mb * MB
        try:
            with WorkspaceWatchdog(self.root, quota, lambda: os.killpg(process.pid, signal.SIGKILL)) as watchdog:
                try:
                    process.wait(timeout=limit)
                except subprocess.TimeoutExpired:
                    timed_out = True
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        finally:
            reader.join(timeout=10)
            if cgroup:
                cgroup.remove()
        exceeded = f"workspace quota ({self.limits.workspace_quota_mb} MB)" if watchdog.exceeded else None
        return CommandResult(
            command=command,
            exit_code=None if timed_out or exceeded else process.returncode,
            output=tail.text(),
            timed_out=timed_out,
            truncated=tail.total > self.output_limit_bytes,
            seconds=time.monotonic() - started,
            limit_exceeded=exceeded,
        )

    def destroy(self) -> None:
        """Delete the workspace (idempotent)."""
        shutil.rmtree(self.root, ignore_errors=True)
        release_lock(self.root, self._lock)
        self._lock = None


_swept = False


def open_sandbox(settings: "Settings") -> "Sandbox":
    """The workspace sandbox the settings ask for (bubblewrap by default); the first one a process opens
    sweeps the workspaces killed runs left behind."""
    global _swept
    limits = settings.sandbox
    if not _swept:
        _swept = True
        sweep_stale_workspaces(max_age_seconds=max(3600.0, 2 * limits.timeout_seconds))
    if limits.backend == "e2b":
        from sleuth.tools.sandbox_e2b import E2BSandbox

        github = settings.github.token
        return E2BSandbox(
            api_key=limits.e2b_api_key.get_secret_value() if limits.e2b_api_key else None,
            timeout_seconds=limits.timeout_seconds,
            output_limit_bytes=limits.output_limit_bytes,
            template=limits.e2b_template,
            clone_from=limits.clone_from,
            token_provider=(lambda: github.get_secret_value()) if github else None,
            limits=SandboxLimits.model_validate(limits.model_dump(include=set(SandboxLimits.model_fields))),
        )
    return BubblewrapSandbox(
        timeout_seconds=limits.timeout_seconds,
        output_limit_bytes=limits.output_limit_bytes,
        limits=SandboxLimits.model_validate(limits.model_dump(include=set(SandboxLimits.model_fields))),
    )
