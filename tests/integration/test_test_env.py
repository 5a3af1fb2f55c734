"""The repository's tests run in its own environment: its declared dependencies (built from wheels, cached),
its own code first on the path — not sleuth's interpreter and site-packages."""

from pathlib import Path

import pytest

from sleuth.agents.context import InvestigationContext
from sleuth.config import Settings
from sleuth.tools.sandbox import BubblewrapSandbox
from sleuth.tools.test_runner import detect_test_command, run_tests
from tests.conftest import commit_files, new_repo

pytestmark = pytest.mark.integration


def _run(repo: Path, tests: list[str]):
    context = InvestigationContext(settings=Settings())
    with BubblewrapSandbox() as sandbox:
        sandbox.clone(repo, "HEAD")
        command = detect_test_command(sandbox)
        assert command is not None
        environment = context.resources.test_environment(context, sandbox, None)
        return environment, run_tests(sandbox, command, tests=tests)


def test_the_repositorys_own_package_and_declared_dependencies_are_what_the_tests_import(tmp_path: Path) -> None:
    # `click` is also installed in sleuth's own environment (typer needs it): the clone's copy must win.
    repo = new_repo(tmp_path / "clicklike")
    commit_files(
        repo,
        {
            "pyproject.toml": '[project]\nname = "click"\nversion = "0"\ndependencies = ["iniconfig==2.0.0"]\n'
            '[project.optional-dependencies]\ntest = ["pytest"]\n[tool.pytest.ini_options]\n',
            "src/click/__init__.py": "WHOSE = 'the repository'\n",
            "tests/test_own.py": "import click, iniconfig, sys\n\n"
            "def test_own_code():\n    assert click.WHOSE == 'the repository'\n\n"
            "def test_own_env():\n    assert '/.venv/' not in sys.executable and 'sleuth' not in sys.prefix\n",
        },
        "a package named like one sleuth has",
    )
    environment, run = _run(repo, ["tests/test_own.py::test_own_code", "tests/test_own.py::test_own_env"])
    assert environment.error is None and environment.sources == ["pyproject.toml"]
    assert run.unjudged is None and run.failed == []
    assert run.passed == ["tests/test_own.py::test_own_code", "tests/test_own.py::test_own_env"]
    again, _ = _run(repo, [])
    assert again.cached and again.path == environment.path  # built once, reused


def test_an_environment_that_cannot_be_built_judges_nothing(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "unbuildable")
    commit_files(
        repo,
        {
            "requirements.txt": "sleuth-no-such-package-anywhere==9.9.9\n",
            "tests/test_x.py": "def test_x():\n    assert True\n",
        },
        "needs a package nobody publishes",
    )
    environment, run = _run(repo, ["tests/test_x.py::test_x"])
    assert environment.error and environment.path is None
    assert run.unjudged and "could not be built" in run.unjudged and run.passed == []


def test_requirements_that_name_a_url_or_a_path_are_never_fetched() -> None:
    from sleuth.tools.test_env import registry_only

    declared = ["requests==2.32.3", "evil @ https://203.0.113.9/x.whl", "git+https://example.invalid/a", "./x.whl"]
    assert registry_only(declared) == ["requests==2.32.3"]


def test_the_projects_metadata_is_written_from_its_static_fields(tmp_path: Path) -> None:
    # Tests that read `importlib.metadata.version("pkg")` see the project as installed, with none of its code run.
    repo = new_repo(tmp_path / "meta")
    commit_files(
        repo,
        {
            "pyproject.toml": '[project]\nname = "my-lib"\nversion = "1.2.3"\n[tool.pytest.ini_options]\n',
            "tests/test_meta.py": "from importlib.metadata import version\n\n"
            "def test_version():\n    assert version('my-lib') == '1.2.3'\n",
        },
        "a test that reads the installed version",
    )
    environment, run = _run(repo, ["tests/test_meta.py::test_version"])
    assert environment.error is None
    assert run.passed == ["tests/test_meta.py::test_version"], run.output_tail
