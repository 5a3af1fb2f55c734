"""The repository's own test environment: its declared dependencies in a virtualenv, never sleuth's.

Read from the clone at the investigated ref: `[project] dependencies` and the test extras and
dependency groups of pyproject.toml, `requirements*.txt` (and `requirements/` test/dev files),
tox's `[testenv] deps`. The environment is built outside the sandbox (it needs the package
registry) from wheels only (`--only-binary=:all:`: no package's build script runs on the host) and
without the project itself (its code never runs outside the sandbox); it is cached per (python,
requirements) under `$SLEUTH_HOME/envs`, built into a scratch directory and renamed when complete,
so a killed build leaves nothing half-made. The sandbox binds it read-only, puts it first on PATH,
and puts the clone (and its `src/`) first on PYTHONPATH: the repository's own code shadows any
installed copy of the same package.
"""

import configparser
import fcntl
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sleuth.tools.sandbox import Sandbox

_TEST_EXTRAS = ("test", "tests", "testing", "dev")
_REQUIREMENTS = re.compile(r"^(?:requirements[\w.-]*\.txt|requirements/[\w.-]*(?:test|dev)[\w.-]*\.txt)$")
_OWN = re.compile(r"^(?:-e\s+)?\.(?:\[.*\])?$|^-e\s|^-r\s|^-c\s|^--")
BUILD_TIMEOUT_SECONDS = 900.0


@dataclass
class TestEnvironment:
    """The virtualenv the repository's tests run in, or why there is none."""

    __test__ = False

    path: Path | None
    requirements: list[str]
    sources: list[str]
    seconds: float = 0.0
    cached: bool = False
    error: str | None = None

    def describe(self) -> str:
        if self.error:
            return f"the repository's test environment could not be built: {self.error}"
        how = "reused from the cache" if self.cached else f"built in {self.seconds:.1f}s"
        where = ", ".join(self.sources) or "no declared dependencies"
        return f"the repository's own environment ({len(self.requirements)} requirement(s) from {where}; {how})"


def _pyproject_requirements(text: str) -> list[str]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    project = data.get("project", {})
    found = list(project.get("dependencies", []) or [])
    extras = project.get("optional-dependencies", {}) or {}
    groups = data.get("dependency-groups", {}) or {}
    for name in _TEST_EXTRAS:
        found += [r for r in extras.get(name, []) or [] if isinstance(r, str)]
        found += [r for r in groups.get(name, []) or [] if isinstance(r, str)]  # {include-group} tables skipped
    return found


def _requirements_lines(text: str) -> list[str]:
    lines = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith("#") and not _OWN.match(line):
            lines.append(line)
    return lines


def _tox_requirements(text: str) -> list[str]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return []
    if not parser.has_option("testenv", "deps"):
        return []
    return [d for d in _requirements_lines(parser.get("testenv", "deps")) if "{" not in d]


# A requirement from the registry: a name, extras, version specifiers, markers. A direct URL or path
# (`pkg @ https://…`, `./vendor/x.whl`, `git+…`) would fetch from wherever the repository says: refused.
_FROM_REGISTRY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[\w,\s.-]*\])?\s*(?:[<>=!~][^@/\\]*)?(?:;[^@]*)?$")


def registry_only(requirements: list[str]) -> list[str]:
    return [r for r in requirements if _FROM_REGISTRY.match(r.strip()) and "://" not in r]


def declared_requirements(sandbox: Sandbox, files: list[str]) -> tuple[list[str], list[str]]:
    """(requirements, where they were declared) for the clone's Python tests."""
    found: list[str] = []
    sources = []
    pyproject = sandbox.read_text("pyproject.toml") if "pyproject.toml" in files else None
    if pyproject and (declared := _pyproject_requirements(pyproject)):
        found += declared
        sources.append("pyproject.toml")
    for path in sorted(f for f in files if _REQUIREMENTS.match(f)):
        if declared := _requirements_lines(sandbox.read_text(path) or ""):
            found += declared
            sources.append(path)
    if "tox.ini" in files and (declared := _tox_requirements(sandbox.read_text("tox.ini") or "")):
        found += declared
        sources.append("tox.ini [testenv] deps")
    return registry_only(list(dict.fromkeys(found))), sources


SITE = ".git/sleuth-site"  # inside the clone, never tracked: the project's metadata, written by sleuth


def project_metadata(pyproject: str | None) -> tuple[str, str] | None:
    """(name, version) from pyproject's static `[project]` table, for an installed-looking dist-info."""
    try:
        project = tomllib.loads(pyproject or "").get("project", {})
    except tomllib.TOMLDecodeError:
        return None
    name = project.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        return None
    version = project.get("version")
    return name, version if isinstance(version, str) and re.fullmatch(r"[\w.+!-]+", version) else "0+unknown"


def write_project_metadata(sandbox: Sandbox, pyproject: str | None) -> None:
    """The project's own dist-info, as installing it would make (tests reading `metadata.version(...)`), without
    installing it: written from pyproject's static fields, so none of the repository's code runs here."""
    found = project_metadata(pyproject)
    if found is None:
        return
    name, version = found
    folder = f"{SITE}/{re.sub(r'[-.]+', '_', name)}-{version}.dist-info"
    sandbox.write_text(f"{folder}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")


def _key(requirements: list[str]) -> str:
    version = ".".join(map(str, sys.version_info[:3]))
    return hashlib.sha256("\n".join([version, *sorted(requirements)]).encode()).hexdigest()[:20]


def ensure_environment(requirements: list[str], sources: list[str], cache: Path) -> TestEnvironment:
    """The cached virtualenv for these requirements, built (from wheels) on first use."""
    if not any(re.match(r"^pytest\b", r) for r in requirements):
        requirements = [*requirements, "pytest"]  # the runner the tests are driven with
    cache.mkdir(parents=True, exist_ok=True)
    cache = cache.resolve()  # the sandbox binds the real path
    target = cache / _key(requirements)
    environment = TestEnvironment(target, requirements, sources)
    if (target / ".complete").exists():
        environment.cached = True
        return environment
    cache.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with open(cache / f"{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder per environment; the others wait and reuse it
        if (target / ".complete").exists():
            environment.cached = True
            return environment
        scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=cache))
        try:
            python = getattr(sys, "_base_executable", sys.executable)
            subprocess.run([python, "-m", "venv", "--without-pip", str(scratch)], check=True, capture_output=True)
            # pip from sleuth's own environment installs into the new one: no pip bootstrap download.
            install = [sys.executable, "-m", "pip", "--python", str(scratch / "bin" / "python"), "install"]
            install += ["--quiet", "--disable-pip-version-check", "--only-binary=:all:", *requirements]
            done = subprocess.run(install, capture_output=True, text=True, timeout=BUILD_TIMEOUT_SECONDS)
            if done.returncode != 0:
                last = [line for line in done.stderr.splitlines() if line.strip()][-1:] or ["pip failed"]
                environment.error, environment.path = last[0][:300], None
                return environment
            (scratch / ".complete").write_text("\n".join(requirements) + "\n")
            if target.exists():  # a leftover without its marker
                shutil.rmtree(target, ignore_errors=True)
            scratch.rename(target)
        except (OSError, subprocess.SubprocessError) as exc:
            environment.error, environment.path = f"{type(exc).__name__}: {exc}"[:300], None
            return environment
        finally:
            if scratch.exists():
                shutil.rmtree(scratch, ignore_errors=True)
    environment.seconds = round(time.monotonic() - started, 1)
    return environment
