"""The investigation workspace in an E2B cloud sandbox, behind the same `Sandbox` interface.

The E2B sandbox is created on `clone`, when it is known whether it needs a network:
- a local repository is sent as a `git bundle` and the sandbox has no internet at all;
- a remote one (`clone_from = "remote"`, or an https URL) is cloned with a short-lived token that
  travels only in the clone command's own environment, as an `http.extraHeader` git reads from
  `GIT_CONFIG_*` variables; it is never written to `.git/config` (checked after the clone) nor set in
  the sandbox's environment, and outbound traffic is allowed to the code host only.
E2B cannot be recorded (its client is not httpx), so tests drive this adapter with a fake of the
SDK's `Sandbox` class.
"""

import logging
import os
import shlex
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sleuth.errors import SleuthError
from sleuth.tools.git_cli import token_header_config
from sleuth.tools.sandbox import FORGET_OTHER_HISTORY, MAX_READ_BYTES, CommandResult, OutputTail
from sleuth.tools.sandbox_limits import SandboxLimits, ulimit_prefix

_log = logging.getLogger(__name__)
WORKDIR = "/home/user/workspace"
REPO_DIR = f"{WORKDIR}/repo"
_CREATE_HINT = "check E2B_API_KEY and that api.e2b.app is reachable, or use [sandbox] backend = 'bubblewrap'"


def _sdk_sandbox_class() -> Any:
    from e2b_code_interpreter import Sandbox

    return Sandbox


class E2BSandbox:
    """A workspace in an E2B sandbox; every call that can fail says so with a SleuthError."""

    def __init__(
        self,
        api_key: str | None = None,
        timeout_seconds: float = 300.0,
        output_limit_bytes: int = 2_000_000,
        template: str | None = None,
        lifetime_seconds: int = 3600,
        clone_from: str = "local",
        token_provider: Callable[[], str | None] | None = None,
        limits: SandboxLimits | None = None,
    ) -> None:
        self.api_key = api_key or os.environ.get("E2B_API_KEY")
        if not self.api_key:
            raise SleuthError(
                "the E2B sandbox needs an API key",
                hint="export E2B_API_KEY=… (or set [sandbox] e2b_api_key = 'env:E2B_API_KEY'),"
                " or use [sandbox] backend = 'bubblewrap'",
            )
        self.timeout_seconds = timeout_seconds
        self.output_limit_bytes = output_limit_bytes
        self.template = template
        self.lifetime_seconds = lifetime_seconds
        self.clone_from = clone_from
        self.token_provider = token_provider
        self.limits = limits or SandboxLimits()
        self._box: Any = None
        self._secrets: list[str] = []
        self._cloned = False
        self._destroyed = False

    def __enter__(self) -> "E2BSandbox":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.destroy()

    @property
    def cloned(self) -> bool:
        return self._cloned

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _create(self, network: dict[str, Any] | None) -> None:
        from e2b import AuthenticationException

        options: dict[str, Any] = {"timeout": self.lifetime_seconds, "api_key": self.api_key}
        if self.template:
            options["template"] = self.template
        if network is None:
            options["allow_internet_access"] = False
        else:
            options["network"] = network
        try:
            self._box = _sdk_sandbox_class().create(**options)
        except AuthenticationException as exc:
            raise SleuthError("E2B rejected the API key", hint="check E2B_API_KEY") from exc
        except Exception as exc:  # the SDK raises httpx, connect-rpc and its own errors when unreachable
            raise SleuthError(
                f"could not create an E2B sandbox: {type(exc).__name__}: {self._scrub(str(exc))[:300]}",
                hint=_CREATE_HINT,
            ) from exc

    def clone(self, source: Path | str, ref: str) -> None:
        """Clone into the E2B sandbox: a bundle of a local repository, or a remote URL with a token."""
        if self._box is not None:
            raise SleuthError("this E2B sandbox already holds a clone")
        url = str(source) if str(source).startswith("https://") else None
        if url is None and self.clone_from == "remote":
            url = _origin_url(Path(source))
        if url is None:
            self._clone_bundle(Path(source), ref)
        else:
            self._clone_url(url, ref)
        self._cloned = True

    def _clone_bundle(self, source: Path, ref: str) -> None:
        with tempfile.TemporaryDirectory(prefix="sleuth-bundle-") as scratch:
            bundle = Path(scratch) / "repo.bundle"
            made = subprocess.run(
                ["git", "-C", str(source), "bundle", "create", "--quiet", str(bundle), "--all"],
                capture_output=True,
                text=True,
            )
            if made.returncode != 0:
                raise SleuthError(f"could not bundle {source} for the E2B sandbox: {made.stderr.strip()}")
            self._create(network=None)
            with bundle.open("rb") as data:
                self._box.files.write(f"{WORKDIR}/repo.bundle", data)
        self._checked(f"git clone --quiet --no-checkout {WORKDIR}/repo.bundle {REPO_DIR}", cwd=WORKDIR)
        self._checked(f"rm -f {WORKDIR}/repo.bundle", cwd=WORKDIR)
        self._checkout(ref)

    def _clone_url(self, url: str, ref: str) -> None:
        token = self.token_provider() if self.token_provider else None
        envs = {"GIT_TERMINAL_PROMPT": "0"}
        if token:
            auth = token_header_config(token)
            self._secrets += [token, auth["GIT_CONFIG_VALUE_0"].split()[-1]]
            envs |= auth
        host = urlsplit(url).hostname or ""
        self._create(network={"allow_out": [host], "deny_out": ["0.0.0.0/0"]})
        self._checked(f"git clone --quiet --no-checkout {shlex.quote(url)} {REPO_DIR}", cwd=WORKDIR, envs=envs)
        config = self.read_text(".git/config") or ""
        if any(secret in config for secret in self._secrets):
            raise SleuthError("the clone's .git/config holds the token; refusing to use this workspace")
        self._checkout(ref)

    def _checkout(self, ref: str) -> None:
        self._checked(f"git checkout --quiet --detach {shlex.quote(ref)}")
        self._checked(FORGET_OTHER_HISTORY)

    def _checked(self, command: str, cwd: str = REPO_DIR, envs: dict[str, str] | None = None) -> None:
        result = self._run_shell(command, cwd=cwd, envs=envs, timeout=self.timeout_seconds)
        if result.exit_code != 0:
            why = "timed out" if result.timed_out else f"exit {result.exit_code}"
            raise SleuthError(f"E2B sandbox: `{self._scrub(command)}` failed ({why}): {result.output.strip()[-500:]}")

    def run(self, command: list[str], timeout: float | None = None) -> CommandResult:
        """Run a command in the clone; kill it on timeout; keep only the output's tail."""
        # The VM is the isolation (its own kernel, no network); the rlimits keep one command from
        # exhausting it, as they do under bubblewrap.
        limited = ulimit_prefix(self.limits) + "exec " + shlex.join(command)
        result = self._run_shell(limited, cwd=REPO_DIR, envs=None, timeout=timeout)
        return result.model_copy(update={"command": command})

    def _run_shell(self, command: str, cwd: str, envs: dict[str, str] | None, timeout: float | None) -> CommandResult:
        from e2b import CommandExitException, TimeoutException

        if self._box is None or self._destroyed:
            raise SleuthError("the E2B sandbox is not running (clone first, and not after destroy)")
        limit = timeout if timeout is not None else self.timeout_seconds
        tail = OutputTail(self.output_limit_bytes)

        def feed(chunk: str) -> None:
            tail.feed(chunk.encode("utf-8", errors="replace"))

        started = time.monotonic()
        exit_code: int | None = None
        timed_out = False
        handle = None
        try:
            handle = self._box.commands.run(command, background=True, cwd=cwd, envs=envs, timeout=limit)
            exit_code = handle.wait(on_stdout=feed, on_stderr=feed).exit_code
        except CommandExitException as exc:
            exit_code = exc.exit_code
            if not tail.total:  # output not streamed to the callbacks: take what the exception holds
                feed((exc.stdout or "") + (exc.stderr or ""))
        except TimeoutException:
            timed_out = True
            if handle is not None:
                handle.kill()
        except Exception as exc:
            raise SleuthError(
                f"E2B sandbox command failed to run: {type(exc).__name__}: {self._scrub(str(exc))[:300]}",
                hint=_CREATE_HINT,
            ) from exc
        return CommandResult(
            command=[command],
            exit_code=exit_code,
            output=self._scrub(tail.text()),
            timed_out=timed_out,
            truncated=tail.total > self.output_limit_bytes,
            seconds=time.monotonic() - started,
        )

    def _path(self, path: str) -> str:
        clean = os.path.normpath(path)
        if clean.startswith(("..", "/")):
            raise SleuthError(f"{path!r} is outside the workspace clone")
        return f"{REPO_DIR}/{clean}"

    def read_text(self, path: str) -> str | None:
        from e2b import FileNotFoundException

        try:
            data = self._box.files.read(self._path(path), format="bytes")
        except FileNotFoundException:
            return None
        data = bytes(data)
        if len(data) > MAX_READ_BYTES or b"\0" in data[:8192]:
            return None
        return data.decode("utf-8", errors="replace")

    def write_text(self, path: str, text: str) -> None:
        self._box.files.write(self._path(path), text)

    def destroy(self) -> None:
        """Kill the E2B sandbox (idempotent; a failure to kill is not fatal: E2B ends it at its timeout)."""
        if self._box is not None and not self._destroyed:
            try:
                self._box.kill()
            except Exception as exc:
                _log.warning(
                    "could not kill the E2B sandbox (%s); it ends at its %d s lifetime",
                    type(exc).__name__,
                    self.lifetime_seconds,
                )
        self._destroyed = True


def _origin_url(repo: Path) -> str:
    found = subprocess.run(["git", "-C", str(repo), "remote", "get-url", "origin"], capture_output=True, text=True)
    url = found.stdout.strip()
    if found.returncode != 0 or not url.startswith("https://"):
        raise SleuthError(
            f"{repo} has no https origin to clone in E2B",
            hint="set [sandbox] clone_from = 'local' to send the local repository as a bundle",
        )
    parts = urlsplit(url)
    # Credentials embedded in the origin URL must never reach the sandbox.
    return parts._replace(netloc=parts.hostname or "").geturl() if parts.username else url
