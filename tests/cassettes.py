"""vcrpy cassettes written by the tests themselves, in vcrpy's own format, replayed with record_mode="none"."""

import json
import re
from pathlib import Path
from typing import Any

import yaml


def exchange(
    method: str,
    uri: str,
    body: Any,
    status: int = 200,
    headers: dict[str, str] | None = None,
    request_body: str | None = None,
) -> dict[str, Any]:
    """One recorded request and its JSON response."""
    return {
        # A JSON content type lets vcrpy's body matcher compare the parsed bodies, not their key order.
        "request": {
            "method": method,
            "uri": uri,
            "body": request_body,
            "headers": {"Content-Type": ["application/json"]} if request_body else {},
        },
        "response": {
            "status": {"code": status, "message": "OK" if status < 300 else "Error"},
            "headers": {
                "Content-Type": ["application/json; charset=utf-8"],
                **{k: [v] for k, v in (headers or {}).items()},
            },
            "body": {"string": json.dumps(body)},
        },
    }


# Real credential shapes (GitHub classic/fine-grained/App tokens, GitLab tokens). GitHub's own
# documentation example token is the one allowed: it is in the published description.
TOKEN_SHAPES = re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|glpat-[A-Za-z0-9_-]{20,})")
DOCUMENTED_EXAMPLE_TOKENS = {"ghs_16C7e42F292c6912E7710c838347Ae178B4a"}


def write_cassette(path: Path, exchanges: list[dict[str, Any]]) -> Path:
    """Write the cassette, refusing one that holds a credential header or a token-shaped string."""
    for item in exchanges:
        sent = {name.lower() for name in item["request"]["headers"]}
        assert not sent & {"authorization", "private-token", "cookie"}, f"a credential header in {path.name}"
    text = yaml.safe_dump({"version": 1, "interactions": exchanges})
    leaked = set(TOKEN_SHAPES.findall(text)) - DOCUMENTED_EXAMPLE_TOKENS
    assert not leaked, f"token-shaped strings in {path.name}: {sorted(leaked)}"
    path.write_text(text)
    return path
