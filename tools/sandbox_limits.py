"""Resource limits for sandboxed commands: processes, memory, file size, open files, workspace size.

Limits that hold per process are rlimits, set by `prlimit` as it execs bubblewrap. The process count
is different: the kernel never applies RLIMIT_NPROC to host uid 0, so when sleuth runs as root the
sandbox gets its own pids (and memory) cgroup instead; as any other user, RLIMIT_NPROC counts the
user's processes, so the limit is the ones running now plus the sandbox's allowance. The workspace
has no filesystem quota to lean on; a watchdog measures it while the command runs and kills the
command once it grows past its allowance (a single file is capped by RLIMIT_FSIZE meanwhile).
"""

import os
import shlex
import threading
import uuid
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from pydantic import BaseModel, Field

from sleuth.errors import SleuthError

MB = 1 << 20
_CGROUP_ROOT = Path("/sys/fs/cgroup")


class SandboxLimits(BaseModel):
    """What one sandboxed command may use."""

    processes: int = Field(default=512, ge=8, description="Processes and threads a command may run at once.")
    memory_mb: int = Field(default=4096, ge=64, description="Address space per process (and in all, as root).")
    file_size_mb: int = Field(default=1024, ge=1, description="Largest file a command may write.")
    open_files: int = Field(default=4096, ge=64)
    tmp_mb: int = Field(default=512, ge=1, description="Size of the sandbox's private in-memory /tmp.")
    workspace_quota_mb: int = Field(default=2048, ge=1, description="How much one command may grow the workspace by.")


def ulimit_prefix(limits: SandboxLimits) -> str:
    """The same per-process limits as shell builtins, for a sandbox sleuth reaches only through a shell (E2B).

    Soft and hard together, so the command cannot raise them again; -f counts 1 KiB blocks in bash.
    """
    return (
        f"ulimit -u {limits.processes} -v {limits.memory_mb * 1024} -f {limits.file_size_mb * 1024}"
        f" -n {limits.open_files} -c 0 && "
    )


def rlimit_wrapper(limits: SandboxLimits) -> list[str]:
    """`prlimit … --` setting the per-process limits for the command it execs (and its children)."""
    args = [
        "prlimit",
        f"--as={limits.memory_mb * MB}",
        f"--fsize={limits.file_size_mb * MB}",
        f"--nofile={limits.open_files}",
        "--core=0",
    ]
    if os.geteuid() != 0:
        args.append(f"--nproc={_processes_of(os.getuid()) + limits.processes}")
    return [*args, "--"]


def _processes_of(uid: int) -> int:
    """Processes and threads the uid runs now (RLIMIT_NPROC counts threads too)."""
    count = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        with suppress(OSError):
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            if int(fields["Uid"].split()[0]) == uid:
                count += int(fields.get("Threads", "1"))
    return count


class ProcessCgroup:
    """A pids (and memory) cgroup for one command, for when sleuth runs as root.

    cgroup v2 (one hierarchy with `pids` among its controllers) or v1 (one hierarchy per
    controller). Raises SleuthError when neither can be written: as root, a fork bomb would
    otherwise go unbounded.
    """

    def __init__(self, limits: SandboxLimits) -> None:
        self.directories: list[Path] = []
        name = f"sleuth-sandbox-{uuid.uuid4().hex[:12]}"
        try:
            if (_CGROUP_ROOT / "cgroup.controllers").is_file():
                self._make_v2(name, limits)
            else:
                self._make_v1(name, limits)
        except OSError as exc:
            self.remove()
            raise SleuthError(
                f"cannot create a pids cgroup for the sandbox ({exc.strerror}): as root, sleuth bounds a "
                "command's processes with a cgroup, because the kernel exempts uid 0 from RLIMIT_NPROC",
                hint="run sleuth as an unprivileged user, or give it a writable /sys/fs/cgroup",
            ) from None

    def _make_v2(self, name: str, limits: SandboxLimits) -> None:
        if "pids" not in (_CGROUP_ROOT / "cgroup.controllers").read_text().split():
            raise OSError(0, "the pids controller is not enabled")
        parent = _CGROUP_ROOT / _own_cgroup("0", "")
        directory = parent / name
        directory.mkdir()
        self.directories.append(directory)
        (directory / "pids.max").write_text(str(limits.processes))
        with suppress(OSError):  # memory is per process (RLIMIT_AS) when the controller is off
            (directory / "memory.max").write_text(str(limits.memory_mb * MB))
            (directory / "memory.swap.max").write_text("0")

    def _make_v1(self, name: str, limits: SandboxLimits) -> None:
        pids = _CGROUP_ROOT / "pids"
        if not (pids / "cgroup.procs").is_file():
            raise OSError(0, "no pids controller is mounted")
        directory = pids / _own_cgroup("pids", "pids").lstrip("/") / name
        directory.mkdir()
        self.directories.append(directory)
        (directory / "pids.max").write_text(str(limits.processes))
        memory = _CGROUP_ROOT / "memory"
        if (memory / "cgroup.procs").is_file():
            with suppress(OSError):
                directory = memory / _own_cgroup("memory", "memory").lstrip("/") / name
                directory.mkdir()
                self.directories.append(directory)
                (directory / "memory.limit_in_bytes").write_text(str(limits.memory_mb * MB))

    def joining(self, command: list[str]) -> list[str]:
        """`command`, started by a shell that first moves itself into this cgroup."""
        joins = " && ".join(f"echo $$ > {shlex.quote(str(d / 'cgroup.procs'))}" for d in self.directories)
        return ["/bin/sh", "-c", f'{joins} && exec "$@"', "sh", *command]

    def remove(self) -> None:
        """Remove the cgroup directories once their processes are gone (a killed tree takes a moment)."""
        for directory in reversed(self.directories):
            for _ in range(50):
                try:
                    directory.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    threading.Event().wait(0.05)
        self.directories = []


def _own_cgroup(hierarchy: str, controller: str) -> str:
    """This process's cgroup path in one hierarchy (`0` is v2's; v1 lines name their controllers)."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        number, controllers, path = line.split(":", 2)
        if (hierarchy == "0" and number == "0") or controller in controllers.split(","):
            return path.lstrip("/")
    return ""


def directory_bytes(root: Path) -> int:
    """Bytes the files under root occupy on disk (hard links counted once)."""
    total = 0
    seen: set[tuple[int, int]] = set()
    for directory, _dirs, files in os.walk(root):
        for name in files:
            with suppress(OSError):
                stat = os.lstat(os.path.join(directory, name))
                if (stat.st_dev, stat.st_ino) not in seen:
                    seen.add((stat.st_dev, stat.st_ino))
                    total += stat.st_blocks * 512
    return total


class WorkspaceWatchdog:
    """Kills a command once the workspace holds more than `allowed_bytes`.

    It polls the filesystem's used space (one statfs call) and walks the workspace only when that
    has grown by more than the allowance since the command started, so a quiet command costs nothing.
    """

    def __init__(self, workspace: Path, allowed_bytes: int, kill: Callable[[], None], interval: float = 0.05) -> None:
        self.workspace = workspace
        self.limit = directory_bytes(workspace) + allowed_bytes
        self.allowed_bytes = allowed_bytes
        self.kill = kill
        self.interval = interval
        self.exceeded = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> "WorkspaceWatchdog":
        self._start_used = _used_bytes(self.workspace)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            if _used_bytes(self.workspace) - self._start_used <= self.allowed_bytes:
                continue
            if directory_bytes(self.workspace) > self.limit:
                self.exceeded = True
                self.kill()
                return


def _used_bytes(path: Path) -> int:
    stat = os.statvfs(path)
    return (stat.f_blocks - stat.f_bfree) * stat.f_frsize
