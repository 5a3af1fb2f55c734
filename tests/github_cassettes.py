"""vcrpy cassettes whose response bodies are GitHub's own examples (@octokit/openapi), never invented.

`GitHubExamples` reads the REST description installed by `python -m tests.provider_data` and
hands out the documented example for an operation, with the example repository renamed and the
fields a test needs (numbers, shas, dates) set. `write_cassette` writes the exchanges in vcrpy's
format, replayed with `record_mode="none"`: a request the code should not make fails the test.
"""

import copy
import json
from typing import Any

import pytest

from tests import cassettes
from tests.provider_data import package_dir

API = "https://api.github.com"


class GitHubExamples:
    def __init__(self, owner: str, name: str) -> None:
        path = package_dir("openapi") / "package" / "generated" / "api.github.com.json"
        if not path.exists():
            pytest.fail("GitHub's REST description is missing: run `make test-data` (python -m tests.provider_data)")
        self.doc = json.loads(path.read_text())
        self.owner, self.name = owner, name

    def example(self, path: str, method: str, status: str) -> Any:
        """The documented example response of an operation, renamed to this test's repository."""
        content = self.doc["paths"][path][method]["responses"][status]["content"]["application/json"]
        value = next(iter(content["examples"].values()))
        if "$ref" in value:
            value = self.doc["components"]["examples"][value["$ref"].rsplit("/", 1)[-1]]
        text = json.dumps(value["value"])
        for old in ("octocat/Hello-World", "octocat/example"):
            text = text.replace(old, f"{self.owner}/{self.name}")
        return copy.deepcopy(json.loads(text))


def exchange(method: str, path: str, body: Any, **options: Any) -> dict[str, Any]:
    """One exchange with api.github.com (`path` below it)."""
    return cassettes.exchange(method, f"{API}{path}", body, **options)


write_cassette = cassettes.write_cassette
