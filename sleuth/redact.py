"""Scrub secrets and personal data from text before it leaves the process: a prompt, a report, a PR body.

Two layers: the exact values of every secret sleuth was configured with (they are known, so they are
removed whatever they look like), then patterns for credentials that logs and diffs commonly leak —
provider token formats, `Authorization:` headers, `password=`-style assignments, credentials in URLs,
private-key blocks, JWTs — card numbers (Luhn-checked), IPv4 addresses and e-mail addresses. Commit
shas, paths, line numbers and error text are left alone: they are the evidence. (detect-secrets was
tried: its line scanner flags every word through the entropy plugins and returns a token's prefix,
not its value, so it cannot redact.)
"""

import json
import re
from collections.abc import Iterable
from typing import TypeVar

from pydantic import BaseModel, SecretStr

ModelT = TypeVar("ModelT", bound=BaseModel)

REDACTED = "[REDACTED]"

_PATTERNS = [
    # -----BEGIN … PRIVATE KEY----- blocks, whole
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.S),
    # provider token formats: GitHub, GitLab, OpenAI/Anthropic-style, Slack, AWS, Google, Stripe, npm, PyPI,
    # E2B, and sleuth's own API keys (slk_…)
    re.compile(
        r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|"
        r"sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|(?:AKIA|ASIA)[0-9A-Z]{16}|"
        r"AIza[0-9A-Za-z_-]{35}|[rs]k_live_[0-9A-Za-z]{16,}|npm_[A-Za-z0-9]{36}|pypi-[A-Za-z0-9_-]{50,}|"
        r"e2b_[A-Za-z0-9]{20,}|slk_[A-Za-z0-9_-]{40,})"
    ),
    # JSON Web Tokens
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    # incoming-webhook URLs carry their secret in the path: Slack, Discord, Microsoft Teams
    re.compile(
        r"https://(?:hooks\.slack\.com/(?:services|workflows|triggers)/[\w/-]+|"
        r"(?:\w+\.)?discord(?:app)?\.com/api/webhooks/[\w/-]+|[\w.-]+\.webhook\.office\.com/[\w/@.-]+)"
    ),
]
# `Authorization: Bearer x`, `password=x`, `"api_key": "x"`: keep the key, drop the value.
_ASSIGNED = re.compile(
    r"""(?P<key>\b(?:authorization|proxy-authorization|x-api-key|private-token|apikey|pwd|"""
    # any name holding secret/password/passwd/token, or ending in _key/-key: aws_secret_access_key, DB_PASSWORD
    r"""[\w.-]*(?:secret|password|passwd|token)[\w.-]*|[\w.-]*[_-]key)"""
    r"""["']?\s*[:=]\s*["']?(?:(?:bearer|basic|token)\s+)?)(?P<value>[^\s"',;&]{3,})""",
    re.I,
)
_URL_CREDENTIALS = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@", re.I)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
# Card numbers: 13-19 digits, spaced or dashed in groups, that pass the Luhn check.
_CARD = re.compile(r"(?<![\w.-])\d(?:[ -]?\d){12,18}(?![\w-])")
# IPv4 addresses, not loopback/unspecified, not part of a longer dotted run (a .NET `Version=4.0.0.0`).
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?<![\w.=])(?!127\.|0\.0\.0\.0)(?:{_OCTET}\.){{3}}{_OCTET}(?![\w.])")
# Fields that are identifiers, not text: never rewritten (a sha with a Luhn-valid digit run stays a sha).
_IDENTIFIER_FIELDS = frozenset(
    {"sha", "culprit_sha", "ref", "parents", "investigation_id", "merge_commit_sha", "schema_version", "blame"}
)


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match[0])
    return "[CARD]" if 13 <= len(digits) <= 19 and _luhn(digits) and len(set(digits)) > 1 else match[0]


def _values(secrets: Iterable[SecretStr | str | None]) -> list[str]:
    found = []
    for secret in secrets:
        value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
        if value and len(value) >= 4:
            found += [value, json.dumps(value)[1:-1]]  # as written, and as it reads inside JSON
    return found


def scrub_values(text: str, secrets: Iterable[SecretStr | str | None]) -> str:
    """`text` with the exact values of known secrets replaced, and nothing else touched."""
    for value in _values(secrets):
        text = text.replace(value, REDACTED)
    return text


def scrub_model(model: ModelT, secrets: Iterable[SecretStr | str | None]) -> ModelT:
    """A copy of a pydantic model (a report, a change) holding none of the known secret values."""
    values = _values(secrets)
    if not values:
        return model
    dumped = model.model_dump_json()
    scrubbed = scrub_values(dumped, values)
    return model if scrubbed == dumped else type(model).model_validate_json(scrubbed)


def redact(text: str, secrets: Iterable[SecretStr | str | None] = ()) -> str:
    """`text` with known secret values, credential-shaped strings and e-mail addresses replaced."""
    text = scrub_values(text, secrets)
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    text = _URL_CREDENTIALS.sub(lambda m: f"{m['scheme']}{REDACTED}@", text)
    text = _ASSIGNED.sub(lambda m: m["key"] + REDACTED if m["value"] != REDACTED else m[0], text)
    text = _CARD.sub(_card, text)
    text = _IPV4.sub("[IP]", text)
    return _EMAIL.sub("[EMAIL]", text)


def _redacted(value: object, secrets: list[str], key: str = "") -> object:
    if key in _IDENTIFIER_FIELDS:
        return value
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {k: _redacted(v, secrets, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v, secrets, key) for v in value]
    return value


def redact_model(model: ModelT, secrets: Iterable[SecretStr | str | None] = ()) -> ModelT:
    """A copy of a model (a report) whose every text field is redacted like a prompt: configured secrets,
    credential shapes, card numbers, IP addresses, e-mail addresses. Identifiers (shas, refs) are kept."""
    values = _values(secrets)
    return type(model).model_validate(_redacted(model.model_dump(mode="json"), values))


class RedactingFilter:
    """A logging filter for handlers: every record's message leaves redacted like a report."""

    def __init__(self, secrets: Iterable[SecretStr | str | None] = ()) -> None:
        self.secrets = list(secrets)

    def filter(self, record: object) -> bool:
        message = record.getMessage()  # type: ignore[attr-defined]
        record.msg, record.args = redact(message, self.secrets), ()  # type: ignore[attr-defined]
        return True
