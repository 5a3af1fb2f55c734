"""Attacks on the sandbox, run the way a hostile repository would run them: as its test command.

`python -m tests.integration.sandbox_probe CONTEXT_JSON` builds a small repository (with a symlink
aimed at a host file), opens a real `BubblewrapSandbox` with tight limits, runs every attack in
`ATTACKS` in it, and prints one JSON object: each attack's result plus what the probe saw from the
host's side afterwards. `test_sandbox_attacks.py` runs it as root and as an unprivileged user and
judges each attack from the host.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sleuth.tools.sandbox import BubblewrapSandbox
from sleuth.tools.sandbox_limits import SandboxLimits

# Tight enough to hit quickly; each attack below goes well past its limit.
LIMITS = SandboxLimits(processes=64, memory_mb=256, file_size_mb=8, tmp_mb=16, workspace_quota_mb=40)

_PY = "import ctypes, errno, os, sys\nlibc = ctypes.CDLL(None, use_errno=True)\n"


def _syscall(number: int, *args: int) -> str:
    call = ", ".join(str(a) for a in (number, *args))
    return _PY + f"r = libc.syscall({call}); print('result', r, errno.errorcode.get(ctypes.get_errno(), 0))"


# name -> the command the attacker's repository runs (x86_64 syscall numbers where libc has no wrapper).
ATTACKS: dict[str, list[str]] = {
    "remount_usr": ["sh", "-c", "mount -o remount,rw,bind /usr; touch /usr/{marker}; ls /usr/{marker}"],
    "mount_syscall": ["python", "-c", _PY + "print('result', libc.mount(b'none', b'/usr', b'tmpfs', 0, None))"],
    "proc_environ": ["sh", "-c", "cat /proc/[0-9]*/environ | tr '\\0' '\\n'; cat /proc/1/cmdline"],
    "proc_mem": [
        "python",
        "-c",
        "import re\nout = b''\nfor line in open('/proc/1/maps'):\n"
        "    lo, hi = (int(x, 16) for x in line.split()[0].split('-'))\n"
        "    try:\n        with open('/proc/1/mem', 'rb') as m:\n            m.seek(lo); out += m.read(min(hi - lo, 1 << 20))\n"
        "    except OSError as e:\n        print('denied', e.errno)\n"
        "import sys; sys.stdout.write(out.decode('latin-1'))",
    ],
    "ptrace_pid1": ["python", "-c", _PY + "print('result', libc.ptrace(16, 1, 0, 0), ctypes.get_errno())"],
    "fork_bomb": [
        "python",
        "-c",
        "import os, time\nn = 0\nwhile n < 5000:\n    try:\n        pid = os.fork()\n    except OSError:\n        break\n"
        "    if pid == 0:\n        time.sleep(3); os._exit(0)\n    n += 1\nprint('forked', n)",
    ],
    "tmp_fill": [
        "sh",
        "-c",
        "for i in 1 2 3 4 5 6 7 8; do dd if=/dev/zero of=/tmp/fill$i bs=1M count=4 2>&1; done; du -sk /tmp",
    ],
    "workspace_fill": [
        "sh",
        "-c",
        "i=0; while [ $i -lt 60 ]; do head -c 7000000 /dev/zero > /workspace/fill$i || exit 9; i=$((i+1)); done",
    ],
    "big_file": ["sh", "-c", "head -c 30000000 /dev/zero > big.bin; echo rc=$?; ls -l big.bin"],
    "memory_hog": ["python", "-c", "b = bytearray(1 << 30); print('allocated', len(b))"],
    "keyctl": ["python", "-c", _syscall(250, 0, 0, 0, 0)],  # KEYCTL_GET_KEYRING_ID
    "bpf": ["python", "-c", _syscall(321, 0, 0, 0)],
    "perf_event_open": ["python", "-c", _syscall(298, 0, 0, -1, -1, 0)],
    "new_user_namespace": ["sh", "-c", "unshare -Ur id; echo rc=$?"],
    "setuid_root": ["python", "-c", "import os; os.setuid(0); print('became root')"],
    "loopback_tcp": ["python", "-c", "import socket; socket.create_connection(('127.0.0.1', {tcp_port}), timeout=2)"],
    "loopback_udp": [
        "python",
        "-c",
        "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b'x', ('127.0.0.1', {udp_port}))",
    ],
    "dns": ["python", "-c", "import socket; print(socket.getaddrinfo('localhost', 80))"],
    "host_files": ["sh", "-c", "cat {canary_file}; ls -a {canary_dir} /root /home 2>&1; cat /etc/shadow"],
    "host_file_via_symlink": ["sh", "-c", "cat link-to-host; cat link-to-host-dir/canary.txt"],
    "detached_background": [
        "sh",
        "-c",
        "setsid nohup sh -c 'sleep 3; echo leaked > /workspace/repo/leak' >/dev/null 2>&1 &",
    ],
    "output_flood": ["python", "-c", "import sys\nfor _ in range(40): sys.stdout.write('x' * 1_000_000)\nprint('END')"],
    "time_limit": ["sleep", "60"],
}
TIMEOUTS = {"time_limit": 2.0, "fork_bomb": 60.0}


def _repo(root: Path, context: dict[str, str]) -> Path:
    repo = root / "victim"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.name=probe", "-c", "user.email=probe@example.invalid"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    (repo / "README").write_text("hostile repository\n")
    os.symlink(context["canary_file"], repo / "link-to-host")
    os.symlink(context["canary_dir"], repo / "link-to-host-dir")
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "init"], check=True)
    return repo


def main(context: dict[str, str]) -> dict[str, object]:
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="sleuth-probe-") as scratch:
        repo = _repo(Path(scratch), context)
        with BubblewrapSandbox(timeout_seconds=30, output_limit_bytes=100_000, limits=LIMITS) as sandbox:
            sandbox.clone(repo, "main")
            for name, template in ATTACKS.items():
                command = [part.format(**context) for part in template]
                result = sandbox.run(command, timeout=TIMEOUTS.get(name, 30.0))
                results[name] = result.model_dump(exclude={"command"})
                if name == "detached_background":
                    time.sleep(4)
                    results["leak_file_after_4s"] = (sandbox.repo_dir / "leak").exists()
                if name in ("workspace_fill", "big_file"):
                    results[f"{name}_bytes_on_host"] = _bytes_under(sandbox.root)
            results["workspace"] = str(sandbox.root)
    results["uid"] = os.getuid()
    return results


def _bytes_under(root: Path) -> int:
    return sum(path.lstat().st_size for path in root.rglob("*") if not path.is_symlink() and path.is_file())


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
