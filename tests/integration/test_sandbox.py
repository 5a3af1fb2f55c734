"""The workspace sandbox: real bubblewrap, real git."""

import contextlib
import socket
import threading
from pathlib import Path

import pytest

from sleuth.tools.sandbox import BubblewrapSandbox
from tests.conftest import commit_files, new_repo


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
