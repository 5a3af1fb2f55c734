"""Scrub secrets and personal data from text before it reaches an LLM prompt.

Two layers: the exact values of every secret sleuth was configured with (they are known, so they are
removed whatever they look like), then patterns for credentials that logs and diffs commonly leak —
provider token formats, `Authorization:` headers, `password=`-style assignments, credentials in URLs,
private-key blocks, JWTs — and e-mail addresses. Commit shas, paths, line numbers and error text are
left alone: they are the evidence. (detect-secrets was tried: its line scanner flags every word
through the entropy plugins and returns a token's prefix, not its value, so it cannot redact.)
"""

import re
from collections.abc import Iterable

from pydantic import SecretStr

REDACTED = "[REDACTED]"

_PATTERNS = [
    # -----BEGIN … PRIVATE KEY----- blocks, whole
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.S),
    # provider token formats: GitHub, GitLab, OpenAI/Anthropic-style, Slack, AWS, Google, Stripe, npm, PyPI
    re.compile(
        r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|"
        r"sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|(?:AKIA|ASIA)[0-9A-Z]{16}|"
        r"AIza[0-9A-Za-z_-]{35}|[rs]k_live_[0-9A-Za-z]{16,}|npm_[A-Za-z0-9]{36}|pypi-[A-Za-z0-9_-]{50,}|"
        r"e2b_[A-Za-z0-9]{20,})"
    ),
    # JSON Web Tokens
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
]
# `Authorization: Bearer x`, `password=x`, `"api_key": "x"`: keep the key, drop the value.
_ASSIGNED = re.compile(
    r"""(?P<key>\b(?:authorization|proxy-authorization|x-api-key|private-token|api[_-]?key|apikey|access[_-]?token|"""
    r"""auth[_-]?token|refresh[_-]?token|client[_-]?secret|secret[_-]?key|secret|password|passwd|pwd|token)"""
    r"""["']?\s*[:=]\s*["']?(?:(?:bearer|basic|token)\s+)?)(?P<value>[^\s"',;&]{3,})""",
    re.I,
)
_URL_CREDENTIALS = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@", re.I)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")


def redact(text: str, secrets: Iterable[SecretStr | str | None] = ()) -> str:
    """`text` with known secret values, credential-shaped strings and e-mail addresses replaced."""
    for secret in secrets:
        value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
        if value and len(value) >= 4:
            text = text.replace(value, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    text = _URL_CREDENTIALS.sub(lambda m: f"{m['scheme']}{REDACTED}@", text)
    text = _ASSIGNED.sub(lambda m: m["key"] + REDACTED if m["value"] != REDACTED else m[0], text)
    return _EMAIL.sub("[EMAIL]", text)
