"""The sandbox under attack, as root and as an unprivileged user, each attack judged from the host.

One probe process per mode (`sandbox_probe.py`) plays the hostile repository: it runs every attack
through a real `BubblewrapSandbox` while this side holds a TCP and a UDP listener on loopback, a
canary file outside the workspace, and canary secrets in the probe's own environment (the way a
GITHUB_TOKEN or an `env:NAME` setting sits in sleuth's). Root mode is the probe as this test's uid
0; user mode is the probe as uid 65534 (`setpriv`), in a private mount namespace where the
interpreter's directories are reachable by that user (as they are on any user's own install).
"""

import contextlib
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.sandbox_probe import LIMITS

REPO_ROOT = Path(__file__).resolve().parents[2]
CANARY = f"sleuth-canary-{uuid.uuid4().hex}"
MARKER = f"sleuth-escape-{uuid.uuid4().hex}"
NOBODY = 65534


class Listeners:
    """A TCP and a UDP socket on loopback that record anything reaching them."""

    def __init__(self) -> None:
        self.tcp = socket.socket()
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(4)
        self.tcp.settimeout(0.5)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp.settimeout(0.5)
        self.received: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(OSError):
                connection, _ = self.tcp.accept()
                self.received.append("tcp")
                connection.close()
            with contextlib.suppress(OSError):
                self.udp.recvfrom(64)
                self.received.append("udp")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.tcp.close()
        self.udp.close()


def _as_nobody(command: list[str]) -> list[str]:
    """`command` as uid 65534 in a private mount namespace where the interpreter is reachable.

    Python here may live under a directory only root can enter (/root/.pyenv): each such directory
    is covered, in that namespace only, by a world-readable tmpfs holding just the needed subtree.
    """
    script = ["set -e"]
    needed = {Path(sys.base_prefix), Path(sys.prefix), REPO_ROOT}
    for path in sorted(needed):
        for ancestor in reversed(path.parents):
            if ancestor != Path("/") and not os.stat(ancestor).st_mode & 0o001:
                child = path.parts[: len(ancestor.parts) + 1]
                keep = f"/tmp/sleuth-keep-{uuid.uuid4().hex}"
                inner = str(Path(*child))
                script += [
                    f"mkdir -p {keep} && mount --bind {shlex.quote(inner)} {keep}",
                    f"mount -t tmpfs -o mode=0755 tmpfs {shlex.quote(str(ancestor))}",
                    f"mkdir -p {shlex.quote(inner)} && mount --bind {keep} {shlex.quote(inner)}",
                ]
                break
    script.append(
        f"exec setpriv --reuid={NOBODY} --regid={NOBODY} --clear-groups --inh-caps=-all --bounding-set=-all -- "
        + " ".join(shlex.quote(part) for part in command)
    )
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", "\n".join(script)]


@pytest.fixture(scope="module", params=["root", "user"])
def attacked(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    mode = request.param
    if mode == "root" and os.geteuid() != 0:
        pytest.skip("root mode needs this test to run as root")
    # Readable by the probe's user in both modes: invisibility must come from the sandbox.
    canary_dir = Path(tempfile.mkdtemp(prefix="sleuth-host-"))
    canary_dir.chmod(0o755)
    canary_file = canary_dir / "canary.txt"
    canary_file.write_text(CANARY)
    canary_file.chmod(0o644)
    listeners = Listeners()
    context = {
        "marker": MARKER,
        "tcp_port": str(listeners.tcp.getsockname()[1]),
        "udp_port": str(listeners.udp.getsockname()[1]),
        "canary_file": str(canary_file),
        "canary_dir": str(canary_dir),
    }
    command = [sys.executable, "-m", "tests.integration.sandbox_probe", json.dumps(context)]
    if mode == "user" and os.geteuid() == 0:
        command = _as_nobody(command)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": "/tmp",
        "GITHUB_TOKEN": f"ghp_{CANARY}",
        "OPENAI_API_KEY": f"sk-{CANARY}",
        "SLEUTH_LLM__API_KEY": f"sk-{CANARY}",
    }
    try:
        probe = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert probe.returncode == 0, probe.stderr[-3000:]
        results = json.loads(probe.stdout.splitlines()[-1])
        results["mode"] = mode
        results["listeners_received"] = list(listeners.received)
        yield results
    finally:
        listeners.close()
        shutil.rmtree(canary_dir)


def _output(results: dict[str, Any], name: str) -> str:
    return results[name]["output"]


def test_probe_ran_as_the_mode_says(attacked: dict[str, Any]) -> None:
    assert attacked["uid"] == (0 if attacked["mode"] == "root" else NOBODY)


def test_cannot_remount_or_mount_the_host_system(attacked: dict[str, Any]) -> None:
    assert not Path("/usr", MARKER).exists()
    assert attacked["remount_usr"]["exit_code"] != 0
    assert "result -1" in _output(attacked, "mount_syscall")


def test_no_process_holds_a_host_secret(attacked: dict[str, Any]) -> None:
    environ = _output(attacked, "proc_environ")
    assert "PATH=" in environ, "the attack read the environments it could see"
    assert CANARY not in environ
    assert CANARY not in _output(attacked, "proc_mem")


def test_cannot_trace_pid_1(attacked: dict[str, Any]) -> None:
    assert "result -1 1" in _output(attacked, "ptrace_pid1")  # EPERM


def test_fork_bomb_is_bounded(attacked: dict[str, Any]) -> None:
    forked = int(_output(attacked, "fork_bomb").split("forked")[-1])
    assert 0 < forked < LIMITS.processes
    leftovers = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert "sleuth-probe" not in leftovers


def test_tmp_and_files_and_memory_are_capped(attacked: dict[str, Any]) -> None:
    assert "No space left" in _output(attacked, "tmp_fill")
    assert attacked["big_file"]["exit_code"] != 0 or "rc=1" in _output(attacked, "big_file")
    assert attacked["big_file_bytes_on_host"] - attacked["workspace_fill_bytes_on_host"] <= LIMITS.file_size_mb << 20
    memory = attacked["memory_hog"]
    assert memory["exit_code"] != 0 and "MemoryError" in memory["output"]


def test_workspace_quota_stops_a_disk_filler(attacked: dict[str, Any]) -> None:
    fill = attacked["workspace_fill"]
    assert fill["limit_exceeded"] and fill["exit_code"] is None
    # Killed within a poll or two of crossing the quota: far short of the 420 MB it set out to write.
    assert attacked["workspace_fill_bytes_on_host"] < (LIMITS.workspace_quota_mb + 100) << 20


@pytest.mark.parametrize("attack", ["keyctl", "bpf", "perf_event_open"])
def test_kernel_attack_surface_is_denied(attacked: dict[str, Any], attack: str) -> None:
    assert "result -1 EPERM" in _output(attacked, attack)


def test_no_new_privileges(attacked: dict[str, Any]) -> None:
    assert "rc=0" not in _output(attacked, "new_user_namespace")
    assert "became root" not in _output(attacked, "setuid_root")


def test_no_network_to_host_loopback_or_dns(attacked: dict[str, Any]) -> None:
    assert attacked["loopback_tcp"]["exit_code"] != 0
    assert attacked["dns"]["exit_code"] != 0 and "gaierror" in _output(attacked, "dns")
    assert attacked["listeners_received"] == []


def test_host_files_are_invisible_directly_and_through_symlinks(attacked: dict[str, Any]) -> None:
    assert CANARY not in _output(attacked, "host_files")
    assert CANARY not in _output(attacked, "host_file_via_symlink")


def test_detached_processes_die_with_the_command(attacked: dict[str, Any]) -> None:
    assert attacked["detached_background"]["seconds"] < 3
    assert attacked["leak_file_after_4s"] is False


def test_output_flood_and_time_limit(attacked: dict[str, Any]) -> None:
    flood = attacked["output_flood"]
    assert flood["truncated"] and len(flood["output"]) <= 100_000 and flood["output"].endswith("END\n")
    slow = attacked["time_limit"]
    assert slow["timed_out"] and slow["seconds"] < 10


def test_workspace_is_gone_afterwards(attacked: dict[str, Any]) -> None:
    assert not Path(attacked["workspace"]).exists()
