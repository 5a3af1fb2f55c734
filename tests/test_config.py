from pathlib import Path

import pytest

from sleuth.config import load_settings
from sleuth.errors import SleuthError


def _env(home: Path, **extra: str) -> dict[str, str]:
    return {"SLEUTH_HOME": str(home), **extra}


def test_precedence_user_then_project_then_env(tmp_path: Path) -> None:
    home, project = tmp_path / "home", tmp_path / "project"
    home.mkdir()
    project.mkdir()
    (home / "config.toml").write_text('default_repo = "/user"\nwindow_days = 7\n[sandbox]\ntimeout_seconds = 10\n')
    (project / "sleuth.toml").write_text('window_days = 21\n[services]\npayments = "/repos/payments"\n')
    settings = load_settings(project, _env(home, SLEUTH_SANDBOX__TIMEOUT_SECONDS="42"))
    assert settings.default_repo == "/user" and settings.window_days == 21
    assert settings.sandbox.timeout_seconds == 42
    assert settings.repo_for("payments") == "/repos/payments"
    assert settings.repo_for("unknown") == "/user"


def test_secrets_resolve_from_env_and_never_print(tmp_path: Path) -> None:
    (tmp_path / "sleuth.toml").write_text('[llm]\nmodel = "m"\napi_key = "env:MY_KEY"\n')
    settings = load_settings(tmp_path, _env(tmp_path, MY_KEY="sk-secret-123"))
    assert settings.llm.api_key is not None
    assert settings.llm.api_key.get_secret_value() == "sk-secret-123"
    assert "sk-secret-123" not in repr(settings) and "sk-secret-123" not in str(settings.model_dump())
    # The webhook secrets, as `sleuth serve` documents them: in the file or through the environment.
    env = _env(tmp_path, MY_KEY="k", SLEUTH_WEBHOOKS__GITHUB_SECRET="env:HOOK", HOOK="whsec-77")
    hooked = load_settings(tmp_path, env)
    assert hooked.webhooks.github_secret is not None and hooked.webhooks.github_secret.get_secret_value() == "whsec-77"
    assert any(s.get_secret_value() == "whsec-77" for s in hooked.secrets())  # scrubbed from reports like the rest


def test_missing_secret_and_bad_values_are_clear(tmp_path: Path) -> None:
    (tmp_path / "sleuth.toml").write_text('[github]\ntoken = "env:NOPE"\n')
    with pytest.raises(SleuthError, match="NOPE, which is not set"):
        load_settings(tmp_path, _env(tmp_path))
    (tmp_path / "sleuth.toml").write_text("window_days = -3\n")
    with pytest.raises(SleuthError, match="invalid setting window_days"):
        load_settings(tmp_path, _env(tmp_path))
    (tmp_path / "sleuth.toml").write_text("window_days = [\n")
    with pytest.raises(SleuthError, match="invalid TOML"):
        load_settings(tmp_path, _env(tmp_path))


def test_no_repo_configured(tmp_path: Path) -> None:
    with pytest.raises(SleuthError, match="no repository configured"):
        load_settings(tmp_path, _env(tmp_path)).repo_for("payments")


def test_unrelated_sleuth_variables_are_ignored_with_a_warning_naming_them(tmp_path: Path) -> None:
    env = _env(tmp_path, SLEUTH_SECRET="x", SLEUTH_SANDBOX__TIMEOUT_SECOND="5", SLEUTH_SANDBOX__TIMEOUT_SECONDS="7")
    with pytest.warns(UserWarning) as caught:
        settings = load_settings(tmp_path, env)
    assert settings.sandbox.timeout_seconds == 7
    messages = [str(warning.message) for warning in caught]
    assert any("SLEUTH_SECRET" in m for m in messages)
    assert any(
        "SLEUTH_SANDBOX__TIMEOUT_SECOND:" in m and "did you mean SLEUTH_SANDBOX__TIMEOUT_SECONDS" in m for m in messages
    )


def test_error_hints_keep_their_brackets() -> None:
    import typer

    from sleuth.cli_common import errors, fail

    with errors.capture() as captured, pytest.raises(typer.Exit):
        fail("no model configured (set [llm] api_key = … or [services.NAME] repo)")
    assert "[llm] api_key" in captured.get() and "[services.NAME]" in captured.get()


def test_a_repository_written_as_owner_name_or_a_url_resolves_to_its_forge(tmp_path) -> None:
    import pytest

    from sleuth.config import Settings
    from sleuth.errors import SleuthError
    from sleuth.tools.forge_sync import resolve_repo_spec

    github = Settings.model_validate({"github": {"token": "x" * 8, "default_repo": "acme/payments"}})
    assert resolve_repo_spec(github, "acme/payments") == "github:acme/payments"
    assert resolve_repo_spec(github, "https://github.com/acme/payments.git") == "github:acme/payments"
    assert resolve_repo_spec(github, "https://gitlab.com/acme/team/payments/-/tree/main") == "gitlab:acme/team/payments"
    assert resolve_repo_spec(github, str(tmp_path)) == str(tmp_path)  # a local path stays one
    assert github.repo_for(None) == "github:acme/payments"  # Tinkr-style [github] default_repo
    with pytest.raises(SleuthError, match="write github:acme/payments or gitlab:acme/payments"):
        resolve_repo_spec(Settings(), "acme/payments")
    with pytest.raises(SleuthError, match="not a GitHub or GitLab repository"):
        resolve_repo_spec(Settings(), "https://example.org/acme/payments")
