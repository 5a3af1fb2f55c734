"""vcrpy cassettes written by the tests themselves, in vcrpy's own format, replayed with record_mode="none"."""

import json
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


def write_cassette(path: Path, exchanges: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump({"version": 1, "interactions": exchanges}))
    return path
