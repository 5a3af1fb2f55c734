"""API keys and roles: who may approve a fix.

A key is 32 random bytes, shown once; only its SHA-256 is stored, under `[auth] api_keys` in
`$SLEUTH_HOME/config.toml`. A caller presents the key (SLEUTH_API_KEY, or typed without echo); it
is hashed and compared in constant time with every stored hash. Approving needs the `oncall` or
`sre-lead` role. Only the hash travels further (a checkpoint, a log): it names the key, it is not one.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path

from sleuth.config import Settings, sleuth_home
from sleuth.errors import SleuthError

ROLES = ("oncall", "sre-lead")
APPROVER_ROLES = frozenset(ROLES)
KEY_PREFIX = "slk_"


@dataclass(frozen=True)
class Caller:
    subject: str
    roles: frozenset[str]


def key_hash(key: str) -> str:
    return hashlib.sha256(key.strip().encode()).hexdigest()


def caller_for_hash(settings: Settings, presented_hash: str) -> Caller | None:
    """The caller whose stored hash matches, or None (every stored hash is compared, in constant time)."""
    found = None
    for entry in settings.auth.api_keys:
        if hmac.compare_digest(entry.hash, presented_hash):
            found = Caller(entry.subject, frozenset(entry.roles))
    return found


def require_approver(settings: Settings, presented_hash: str) -> Caller:
    """The caller, if its key is known and carries a role that may approve; else a one-line refusal."""
    caller = caller_for_hash(settings, presented_hash)
    if caller is None:
        raise SleuthError("that key is not known", hint="check SLEUTH_API_KEY, or ask for one (`sleuth auth add-key`)")
    if not caller.roles & APPROVER_ROLES:
        raise SleuthError(
            f"{caller.subject} may not approve: approving needs the oncall or sre-lead role",
            hint="ask an on-call engineer or an SRE lead to approve",
        )
    return caller


def add_key(subject: str, role: str, config: Path | None = None) -> str:
    """Make a key for `subject` with `role`, store its hash in the user config, and return the key (once)."""
    import tomlkit

    if role not in ROLES:
        raise SleuthError(f"unknown role {role!r}", hint="use oncall or sre-lead")
    if not subject.strip():
        raise SleuthError("a key needs a subject", hint="--subject NAME (who will hold it)")
    config = config or sleuth_home() / "config.toml"
    try:
        document = tomlkit.parse(config.read_text(encoding="utf-8")) if config.exists() else tomlkit.document()
    except (tomlkit.exceptions.ParseError, OSError) as exc:
        raise SleuthError(f"{config}: cannot update it ({exc})") from None
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    auth = document.setdefault("auth", tomlkit.table())
    keys = auth.setdefault("api_keys", tomlkit.aot())
    entry = tomlkit.table()
    entry.update({"hash": key_hash(key), "subject": subject.strip(), "roles": [role]})
    keys.append(entry)
    config.parent.mkdir(parents=True, exist_ok=True)
    temporary = config.with_suffix(".toml.tmp")
    temporary.write_text(tomlkit.dumps(document), encoding="utf-8")
    temporary.chmod(0o600)
    temporary.replace(config)  # whole or not at all: an interrupted write never leaves half a config
    return key
