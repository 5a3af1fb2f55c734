"""The workspace sandbox: real bubblewrap, real git."""

import contextlib
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest

from sleuth.demo.estate import Estate
from sleuth.tools.sandbox import BubblewrapSandbox
from tests.conftest import commit_files, new_repo, run_sleuth


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    path = new_repo(tmp_path / "r")
    commit_files(path, {"hello.txt": "hi\n"}, "init")
    return path


def test_commands_run_in_the_clone_and_workspace_is_deleted(repo: Path) -> None:
    with BubblewrapSandbox() as sandbox:
        sandbox.clone(repo, "main")
        result = sandbox.run(["cat", "hello.txt"])
        assert result.exit_code == 0 and result.output == "hi\n"
        root = sandbox.root
        assert root.exists()
    assert not root.exists()


def test_no_network_even_to_host_loopback(repo: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    listener.settimeout(5)
    accepted: list[object] = []

    def accept() -> None:
        # Timing out or being closed means nothing connected, as intended.
        with contextlib.suppress(OSError):
            accepted.append(listener.accept())

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        with BubblewrapSandbox() as sandbox:
            sandbox.clone(repo, "main")
            code = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=2)"
            result = sandbox.run(["python", "-c", code], timeout=20)
        assert result.exit_code != 0 and "Connection refused" in result.output
        assert not accepted
    finally:
        listener.close()


def test_host_files_outside_workspace_are_invisible(repo: Path, tmp_path: Path) -> None:
    secret = tmp_path / "host-secret.txt"
    secret.write_text("token")
    with BubblewrapSandbox() as sandbox:
        sandbox.clone(repo, "main")
        assert sandbox.run(["cat", str(secret)]).exit_code != 0
        assert sandbox.run(["sh", "-c", "echo x > /usr/evil"]).exit_code != 0
        assert "GITHUB_TOKEN" not in sandbox.run(["env"]).output


def test_timeout_kills_the_command(repo: Path) -> None:
    with BubblewrapSandbox() as sandbox:
        sandbox.clone(repo, "main")
        result = sandbox.run(["sleep", "30"], timeout=1)
    assert result.timed_out and result.exit_code is None and result.seconds < 10


def test_hostname_resolution_fails(repo: Path) -> None:
    with BubblewrapSandbox() as sandbox:
        sandbox.clone(repo, "main")
        result = sandbox.run(["python", "-c", "import socket; socket.getaddrinfo('localhost', 80)"], timeout=20)
    assert result.exit_code != 0 and "gaierror" in result.output


def test_host_home_and_sleuth_config_are_invisible(repo: Path, isolated_sleuth_home: Path) -> None:
    home_secret = Path.home() / f".sleuth-sandbox-probe-{uuid.uuid4().hex}"
    config_secret = isolated_sleuth_home / "config.toml"
    home_secret.write_text("home-token")
    config_secret.write_text('[github]\ntoken = "config-token"\n')
    try:
        with BubblewrapSandbox() as sandbox:
            sandbox.clone(repo, "main")
            for path in (home_secret, config_secret, Path.home() / ".sleuth"):
                result = sandbox.run(["cat", str(path)])
                assert result.exit_code != 0 and "token" not in result.output
            listing = sandbox.run(["sh", "-c", f"ls -a {Path.home()} /root /home 2>&1; echo $HOME"])
            assert home_secret.name not in listing.output
            assert sandbox.run(["sh", "-c", "echo x > /etc/evil; echo y > /workspace/../evil"]).exit_code != 0
            assert sandbox.run(["sh", "-c", "echo ok > /tmp/scratch && cat /tmp/scratch"]).output == "ok\n"
    finally:
        home_secret.unlink()


def test_background_process_dies_with_the_command(repo: Path) -> None:
    with BubblewrapSandbox() as sandbox:
        sandbox.clone(repo, "main")
        result = sandbox.run(["sh", "-c", "(sleep 2; echo leaked > /workspace/repo/leak.txt) & echo started"])
        assert result.exit_code == 0 and result.output == "started\n" and result.seconds < 2
        time.sleep(3)
        assert not (sandbox.repo_dir / "leak.txt").exists()
        assert "sleep" not in subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout.split("\n")


def test_huge_output_is_capped_without_touching_disk(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))  # any temp file would land here
    with BubblewrapSandbox(output_limit_bytes=100_000) as sandbox:
        sandbox.clone(repo, "main")
        code = "import sys\nfor i in range(100): sys.stdout.write(str(i % 10) * 1_048_575 + '\\n')\nprint('THE END')"
        result = sandbox.run(["python", "-c", code], timeout=120)
        assert result.exit_code == 0 and result.truncated
        assert len(result.output.encode()) == 100_000 and result.output.endswith("THE END\n")
        # Only the workspace and its lock (held while it lives): no spooled output.
        assert sorted(p.name for p in spool.iterdir()) == [sandbox.root.name, f"{sandbox.root.name}.lock"]


@pytest.mark.parametrize("failure", [RuntimeError("node crashed"), KeyboardInterrupt()])
def test_workspace_is_deleted_when_an_investigation_fails(
    estate: Estate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    from sleuth.agents import nodes
    from sleuth.api import investigate
    from sleuth.config import Settings

    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    created: list[Path] = []

    def crash(*args: object, **kwargs: object) -> None:
        created.extend(spool.glob("sleuth-ws-*"))
        raise failure

    monkeypatch.setattr(nodes, "hypothesize", crash)
    with pytest.raises(type(failure)):
        investigate(estate.incident, estate.repos["payments"], deploys=estate.deploys, settings=Settings())
    assert created, "the workspace existed while the investigation ran"
    assert not any(path.exists() for path in created)
    assert list(spool.glob("sleuth-ws-*")) == []


def test_sandbox_run_command(repo: Path) -> None:
    sandbox_run = ("sandbox", "run", "--repo", str(repo), "--timeout")
    ok = run_sleuth(*sandbox_run, "20", "--", "sh", "-c", "cat hello.txt; exit 3")
    assert ok.returncode == 3 and ok.stdout == "hi\n"
    probe = run_sleuth(*sandbox_run, "20", "--", "sh", "-c", "env; ls /root /home 2>&1")
    assert "TOKEN" not in probe.stdout and "SLEUTH_HOME" not in probe.stdout
    slow = run_sleuth(*sandbox_run, "1", "--", "sleep", "10")
    assert slow.returncode == 124 and "timed out" in slow.stderr
