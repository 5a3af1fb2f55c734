"""Settings: `~/.sleuth/config.toml`, overridden by a project `sleuth.toml`, overridden by env.

Env overrides use `SLEUTH_<SECTION>__<KEY>` (e.g. `SLEUTH_SANDBOX__TIMEOUT_SECONDS=60`). Secrets are
written as `env:NAME` and resolved once into `SecretStr`, so they never appear in reprs or errors.
"""

import difflib
import os
import tomllib
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from sleuth.errors import SleuthError
from sleuth.tools.sandbox_limits import SandboxLimits

PROJECT_FILE = "sleuth.toml"
ENV_PREFIX = "SLEUTH_"
# Variables sleuth reads or sets itself that are not settings (the last one is for Chroma's embedder).
_NOT_SETTINGS = ("SLEUTH_HOME", "SLEUTH_CONFIG", "SLEUTH_EMBEDDING_API_KEY", "SLEUTH_API_KEY")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ServiceSettings(_Section):
    """Where a service's code lives and how its tests run."""

    repo: str
    branch: str | None = None
    test_command: list[str] | None = None
    test_env: str | None = Field(default=None, description="A virtualenv to run this service's tests in, as is.")


class SandboxSettings(SandboxLimits, _Section):
    """Limits for commands run in the investigation workspace (the resource limits: `SandboxLimits`)."""

    backend: Literal["bubblewrap", "e2b"] = "bubblewrap"
    test_env: Literal["build", "sleuth"] = Field(
        default="build",
        description="Python tests run in the repository's own environment, built from its declared dependencies"
        " (from the package registry, cached); `sleuth` runs them with sleuth's interpreter (not recommended).",
    )
    env_cache: str | None = Field(default=None, description="Where built environments are kept ($SLEUTH_HOME/envs).")
    timeout_seconds: float = 300.0
    output_limit_bytes: int = 2_000_000
    e2b_api_key: SecretStr | None = Field(default=None, description="Default: the E2B_API_KEY variable.")
    e2b_template: str | None = None
    clone_from: Literal["local", "remote"] = Field(
        default="local",
        description="E2B only: send the local repository as a bundle (no network), or clone its https origin.",
    )


class IndexSettings(_Section):
    """Where the change index lives and how it embeds text."""

    path: str | None = Field(default=None, description="Index directory (default: $SLEUTH_HOME/index).")
    backend: Literal["persistent", "http"] = "persistent"
    host: str = "127.0.0.1"
    port: int = 8000
    embedding: Literal["minilm", "openai"] = "minilm"
    embedding_model: str = "text-embedding-3-small"
    embedding_base_url: str | None = None
    embedding_api_key: SecretStr | None = None
    batch_size: int = Field(default=256, ge=1, le=5000)
    semantic_without_index: bool = Field(
        default=True,
        description="Without an index, embed the window's change headlines in memory to keep the semantic signal.",
    )


class LLMSettings(_Section):
    """An OpenAI-compatible chat model; unset means deterministic mode. The caps are per investigation."""

    model: str | None = None
    base_url: str | None = None
    api_key: SecretStr | None = None
    structured_output: Literal["auto", "json_schema", "function_calling", "json_mode"] = Field(
        default="auto",
        description="How structured answers are asked for: json_schema (OpenAI), function_calling (vLLM, Ollama,"
        " llama.cpp), json_mode; auto picks json_schema for api.openai.com (or no base_url), else function_calling.",
    )
    timeout_seconds: float = Field(default=120.0, gt=0, description="Per model call.")
    max_retries: int = Field(
        default=1, ge=0, description="Transport retries per call (a malformed answer is asked again once)."
    )
    max_calls: int = Field(default=40, ge=0, description="Model calls per investigation.")
    max_tokens: int = Field(default=200_000, ge=0, description="Tokens (prompt and completion) per investigation.")
    max_seconds: float = Field(default=600.0, ge=0, description="Seconds spent waiting on the model per investigation.")
    max_agent_steps: int = Field(default=12, ge=1, description="Tool-calling steps of the reading agent.")
    max_result_chars: int = Field(default=6000, ge=200, description="Characters of one tool result the agent sees.")
    fix_attempts: int = Field(
        default=3, ge=1, description="Model-written fixes tried, each with the last failure fed back."
    )
    price_per_million_input: float = Field(default=0.0, ge=0, description="USD per million prompt tokens (for cost).")
    price_per_million_output: float = Field(default=0.0, ge=0, description="USD per million completion tokens.")


class GitHubSettings(_Section):
    """GitHub access (used by later code hosts; never sent to a sandbox or a prompt)."""

    token: SecretStr | None = None
    base_url: str | None = Field(default=None, description="GitHub Enterprise Server: https://HOST/api/v3.")
    access: Literal["read_only", "read_write"] = Field(
        default="read_only", description="read_only hands the graph a forge with no write method at all."
    )
    app_id: int | None = Field(default=None, description="A GitHub App (with private_key_file and installation_id).")
    private_key_file: str | None = Field(default=None, description="The App's private key (.pem); read, never copied.")
    installation_id: int | None = None
    default_repo: str | None = Field(
        default=None, description="owner/name investigated when no service or default_repo names one."
    )


class GitLabSettings(_Section):
    """GitLab access (gitlab.com or self-managed; never sent to a sandbox or a prompt)."""

    token: SecretStr | None = Field(
        default=None,
        description="An access token: read_api and read_repository; api (and write_repository) to open MRs.",
    )
    url: str | None = Field(default=None, description="Self-managed GitLab: https://HOST (default https://gitlab.com).")
    access: Literal["read_only", "read_write"] = Field(
        default="read_only", description="read_only hands the graph a forge with no write method at all."
    )


class WebhookSettings(_Section):
    """`sleuth serve`: the shared secrets GitHub and GitLab sign their deliveries with."""

    github_secret: SecretStr | None = Field(default=None, description="The GitHub webhook secret (HMAC-SHA256).")
    gitlab_token: SecretStr | None = Field(default=None, description="The GitLab webhook secret token.")
    queue: str | None = Field(default=None, description="The delivery queue (default: $SLEUTH_HOME/webhooks.sqlite3).")


class ApiKey(_Section):
    """One caller's key, stored as its SHA-256 only (`sleuth auth add-key` prints the key once)."""

    hash: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the key, hex.")
    subject: str
    roles: list[Literal["oncall", "sre-lead"]] = Field(default_factory=list)


class AuthSettings(_Section):
    """Who may approve a fix: callers present a key (SLEUTH_API_KEY, or typed without echo)."""

    api_keys: list[ApiKey] = Field(default_factory=list)


class Settings(_Section):
    """The one typed settings object, read once per process."""

    default_repo: str | None = None
    window_days: int = Field(default=14, ge=1, le=3650)
    ranking_weights: Path | None = Field(
        default=None, description="Fusion weights written by `sleuth eval fit` (default: the ones shipped)."
    )
    services: dict[str, ServiceSettings] = Field(default_factory=dict)
    sandbox: SandboxSettings = Field(default_factory=SandboxSettings)
    index: IndexSettings = Field(default_factory=IndexSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    github: GitHubSettings = Field(default_factory=GitHubSettings)
    gitlab: GitLabSettings = Field(default_factory=GitLabSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)

    @field_validator("services", mode="before")
    @classmethod
    def _service_shorthand(cls, value: Any) -> Any:
        # `[services] payments = "/srv/repos/payments"` is shorthand for `repo = ...`.
        if isinstance(value, Mapping):
            return {k: {"repo": v} if isinstance(v, str) else v for k, v in value.items()}
        return value

    def repo_for(self, service: str | None) -> str:
        """Return the repository configured for a service, falling back to `default_repo`."""
        if service and service in self.services:
            return self.services[service].repo
        if self.default_repo:
            return self.default_repo
        if self.github.default_repo:
            return f"github:{self.github.default_repo}"
        raise SleuthError(
            f"no repository configured for service {service!r}",
            hint="pass --repo PATH or set default_repo / [services.NAME] in sleuth.toml",
        )

    def repos(self) -> dict[str, list[str]]:
        """Return each configured repository path with the services it serves."""
        repos: dict[str, list[str]] = {}
        if self.default_repo:
            repos.setdefault(self.default_repo, [])
        for name, service in self.services.items():
            repos.setdefault(service.repo, []).append(name)
        return repos

    def branch_for_repo(self, repo: str) -> str | None:
        """Return the branch configured for a repository's services, if any."""
        return next((s.branch for s in self.services.values() if s.repo == repo and s.branch), None)

    def index_dir(self, env: Mapping[str, str] | None = None) -> Path:
        """Return the change index directory."""
        if self.index.path:
            return Path(self.index.path).expanduser()
        return sleuth_home(env) / "index"

    def secrets(self) -> list[SecretStr]:
        """Every secret configured, so text bound for a prompt or a report can be scrubbed of them."""
        values = [
            self.llm.api_key,
            self.github.token,
            self.gitlab.token,
            self.sandbox.e2b_api_key,
            self.index.embedding_api_key,
            self.webhooks.github_secret,
            self.webhooks.gitlab_token,
        ]
        return [value for value in values if value is not None]

    def service_settings(self, service: str | None) -> ServiceSettings | None:
        """Return a service's settings, if configured."""
        return self.services.get(service) if service else None


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise SleuthError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise SleuthError(f"{path}: cannot read config: {exc.strerror}") from None


def _setting_names() -> list[str]:
    """Every `SLEUTH_…` variable name that maps onto a setting (services by their own keys)."""
    names = []
    for field, info in Settings.model_fields.items():
        section = info.annotation
        if isinstance(section, type) and issubclass(section, BaseModel):
            names += [f"{ENV_PREFIX}{field}__{key}".upper() for key in section.model_fields]
        elif field != "services":
            names.append(f"{ENV_PREFIX}{field}".upper())
    return names


def _is_setting(name: str, known: list[str]) -> bool:
    parts = name[len(ENV_PREFIX) :].lower().split("__")
    if parts[0] == "services":
        return len(parts) == 3 and parts[2] in ServiceSettings.model_fields
    return name.upper() in known


def _env_overrides(env: Mapping[str, str]) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    known = _setting_names()
    for name, value in env.items():
        if not name.startswith(ENV_PREFIX) or name in _NOT_SETTINGS:
            continue
        if not _is_setting(name, known):
            # Another tool's SLEUTH_* variable must not break every command: say so and go on.
            nearest = difflib.get_close_matches(name.upper(), known, n=1, cutoff=0.85)
            maybe = f" (did you mean {nearest[0]}?)" if nearest else ""
            warnings.warn(f"ignoring environment variable {name}: it is not a sleuth setting{maybe}", stacklevel=3)
            continue
        path = name[len(ENV_PREFIX) :].lower().split("__")
        node = overrides
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return overrides


def _resolve_secrets(value: Any, env: Mapping[str, str], where: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _resolve_secrets(v, env, f"{where}.{k}" if where else k) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("env:"):
        name = value[len("env:") :]
        if name not in env:
            raise SleuthError(
                f"config {where} refers to environment variable {name}, which is not set",
                hint=f"export {name}=… or remove {where} from the config",
            )
        return env[name]
    return value


def sleuth_home(env: Mapping[str, str] | None = None) -> Path:
    """sleuth's own directory: $SLEUTH_HOME, else ~/.sleuth (index, mirrors, webhook queue, user config)."""
    env = os.environ if env is None else env
    return Path(env.get("SLEUTH_HOME", Path.home() / ".sleuth"))


def config_paths(project_dir: Path | None = None, env: Mapping[str, str] | None = None) -> list[Path]:
    """Return the config files read, lowest precedence first."""
    env = os.environ if env is None else env
    paths = [sleuth_home(env) / "config.toml", (project_dir or Path.cwd()) / PROJECT_FILE]
    if env.get("SLEUTH_CONFIG"):
        paths.append(Path(env["SLEUTH_CONFIG"]))
    return paths


def load_settings(project_dir: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the settings: user file, then project file, then environment."""
    env = os.environ if env is None else env
    data: dict[str, Any] = {}
    for path in config_paths(project_dir, env):
        if path.is_file():
            data = _merge(data, _read_toml(path))
    data = _merge(data, _env_overrides(env))
    data = _resolve_secrets(data, env)
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        raise SleuthError(f"invalid setting {location}: {first['msg']}") from None
