"""The E2B adapter against a fake of the SDK's Sandbox: clone, run, read, write, kill, every error path."""

from pathlib import Path

import httpx
import pytest
from e2b import AuthenticationException

from sleuth.api import investigate
from sleuth.config import Settings
from sleuth.demo.estate import Estate
from sleuth.errors import SleuthError
from sleuth.tools import sandbox_e2b
from sleuth.tools.sandbox_e2b import E2BSandbox
from tests.conftest import commit_files, git, new_repo
from tests.fakes.e2b import FakeE2BSandbox, all_text_under

TOKEN = "ghs_FAKEinstallationTOKEN0123456789abcdef"


@pytest.fixture(autouse=True)
def fake_sdk(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sandbox_e2b, "_sdk_sandbox_class", lambda: FakeE2BSandbox)
    monkeypatch.setenv("E2B_API_KEY", "e2b_test_key")
    FakeE2BSandbox.reset()
    yield FakeE2BSandbox
    FakeE2BSandbox.reset()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = new_repo(tmp_path / "shop")
    commit_files(path, {"app.py": "def total(x):\n    return x * 2\n"}, "first")
    commit_files(path, {"app.py": "def total(x):\n    return x * 3\n"}, "second")
    return path


def test_without_an_api_key_the_error_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("E2B_API_KEY")
    with pytest.raises(SleuthError, match="API key") as caught:
        E2BSandbox()
    assert "E2B_API_KEY" in (caught.value.hint or "")


def test_unreachable_e2b_is_a_clear_error(fake_sdk, repo: Path) -> None:
    fake_sdk.fail_create = httpx.ConnectError("[Errno 111] Connection refused")
    sandbox = E2BSandbox()
    with pytest.raises(SleuthError, match="could not create an E2B sandbox: ConnectError") as caught:
        sandbox.clone(repo, "HEAD")
    assert "bubblewrap" in (caught.value.hint or "")
    sandbox.destroy()


def test_a_rejected_key_is_named(fake_sdk, repo: Path) -> None:
    fake_sdk.fail_create = AuthenticationException("401: invalid API key")
    with pytest.raises(SleuthError, match="rejected the API key"):
        E2BSandbox().clone(repo, "HEAD")


def test_local_repo_goes_as_a_bundle_into_a_sandbox_without_internet(fake_sdk, repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD~1")
    sandbox = E2BSandbox(timeout_seconds=30)
    sandbox.clone(repo, first)
    (box,) = fake_sdk.created
    assert box.options["allow_internet_access"] is False and box.options["api_key"] == "e2b_test_key"
    assert sandbox.cloned
    assert sandbox.run(["git", "rev-parse", "HEAD"]).output.strip() == first
    assert sandbox.run(["git", "remote"]).output.strip() == ""  # nothing points back at the host
    assert "x * 2" in (sandbox.read_text("app.py") or "")
    assert sandbox.read_text("missing.py") is None
    sandbox.write_text("pkg/new.py", "VALUE = 1\n")
    assert sandbox.read_text("pkg/new.py") == "VALUE = 1\n"
    with pytest.raises(SleuthError, match="outside the workspace"):
        sandbox.read_text("../../etc/passwd")
    failed = sandbox.run(["python", "-c", "import sys; print('boom'); sys.exit(3)"])
    assert failed.exit_code == 3 and "boom" in failed.output and not failed.timed_out
    sandbox.destroy()
    assert box.killed
    with pytest.raises(SleuthError, match="not running"):
        sandbox.run(["true"])
    sandbox.destroy()  # idempotent


def test_a_command_past_its_time_limit_is_killed(fake_sdk, repo: Path) -> None:
    with E2BSandbox() as sandbox:
        sandbox.clone(repo, "HEAD")
        result = sandbox.run(["sleep", "5"], timeout=0.5)
        assert result.timed_out and result.exit_code is None
        assert fake_sdk.created[0].handles[-1].killed
    assert fake_sdk.created[0].killed


def test_output_is_capped_to_its_tail(fake_sdk, repo: Path) -> None:
    with E2BSandbox(output_limit_bytes=1000) as sandbox:
        sandbox.clone(repo, "HEAD")
        result = sandbox.run(["python", "-c", "print('x' * 200_000 + 'END')"])
        assert result.truncated and len(result.output) <= 1000 and result.output.rstrip().endswith("END")


def test_private_remote_is_cloned_with_a_token_that_lands_nowhere(fake_sdk, repo: Path) -> None:
    url = "https://git.example.test/acme/shop.git"
    fake_sdk.remotes[url] = (repo, TOKEN)
    sandbox = E2BSandbox(token_provider=lambda: TOKEN)
    sandbox.clone(url, git(repo, "rev-parse", "HEAD"))
    (box,) = fake_sdk.created
    assert box.options["network"] == {"allow_out": ["git.example.test"], "deny_out": ["0.0.0.0/0"]}
    assert "allow_internet_access" not in box.options and TOKEN not in str(box.options)
    config = sandbox.read_text(".git/config") or ""
    assert TOKEN not in config and "extraHeader" not in config
    env = sandbox.run(["env"]).output
    assert TOKEN not in env and "GIT_CONFIG" not in env
    assert TOKEN not in all_text_under(box.root)
    # Only the clone command carried it.
    carrying = [h.command for h in box.handles if any(TOKEN in v or "Basic" in v for v in h.envs.values())]
    assert len(carrying) == 1 and carrying[0].startswith("git clone")
    sandbox.destroy()


def test_a_failed_clone_names_the_failure_without_the_token(fake_sdk, repo: Path) -> None:
    url = "https://git.example.test/acme/shop.git"
    fake_sdk.remotes[url] = (repo, "the-right-token")
    sandbox = E2BSandbox(token_provider=lambda: TOKEN)
    with pytest.raises(SleuthError, match="Authentication failed") as caught:
        sandbox.clone(url, "HEAD")
    assert TOKEN not in str(caught.value)
    sandbox.destroy()
    assert fake_sdk.created[0].killed


def test_an_investigation_on_e2b_finds_the_culprit_and_kills_the_sandbox(fake_sdk, estate: Estate) -> None:
    settings = Settings(sandbox={"backend": "e2b"})
    report = investigate(estate.incident, estate.repos["payments"], deploys=estate.deploys, settings=settings)
    assert report.hypotheses[0].culprit_sha == estate.culprit_sha
    assert report.fix is not None and report.fix.validated, report.fix and report.fix.validation_summary
    (box,) = fake_sdk.created
    assert box.killed and box.options["allow_internet_access"] is False


def test_commands_run_under_the_same_resource_limits_as_bubblewrap(fake_sdk, repo: Path) -> None:
    from sleuth.tools.sandbox_limits import SandboxLimits

    limits = SandboxLimits(processes=64, memory_mb=1024, file_size_mb=8, open_files=256)
    with E2BSandbox(limits=limits) as sandbox:
        sandbox.clone(repo, "HEAD")
        shown = sandbox.run(["bash", "-c", "ulimit -u; ulimit -v; ulimit -f; ulimit -n; ulimit -Hv"]).output.split()
        assert shown == ["64", str(1024 * 1024), str(8 * 1024), "256", str(1024 * 1024)]
        # A file past the size limit is refused (SIGXFSZ), and the command cannot lift its limits.
        big = sandbox.run(["bash", "-c", "head -c 20000000 /dev/zero > big.bin"])
        assert big.exit_code != 0
        lifted = sandbox.run(["bash", "-c", "ulimit -v unlimited"])
        assert lifted.exit_code != 0
