"""Test outcomes from what the runner writes for machines: pytest's JUnit XML, `go test -json` events.

A run is judged only when the runner finished normally: pytest exit 0 or 1, a go test that built.
Crashed, timed out, interrupted (collection errors), a usage error, nothing collected: the run
cannot judge, and nothing may be concluded from it. Test ids are kept exactly as the runner names
them (pytest node ids with spaces, commas, brackets or unicode in their parameters).
"""

import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath

# Beside the clone's objects: git never tracks it, the repository cannot ship one, `git clean` keeps it.
JUNIT_PATH = ".git/sleuth-junit.xml"
MAX_RESULT_BYTES = 20_000_000
_PYTEST_EXIT = {
    2: "the test run was interrupted (collection errors?)",
    3: "pytest crashed (INTERNALERROR)",
    4: "pytest was called wrongly (usage error)",
    5: "no tests were collected",
}


@dataclass
class Outcomes:
    passed: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    unjudged: str | None = None


def pytest_unjudged(exit_code: int | None) -> str | None:
    if exit_code is None:
        return "the test run did not finish"
    if exit_code in (0, 1):
        return None
    return _PYTEST_EXIT.get(exit_code, f"pytest exited with {exit_code}")


def _node_id(case: object) -> str | None:
    get = case.get  # type: ignore[attr-defined]
    name, classname, file = get("name"), get("classname") or "", get("file")
    if not name:
        return None
    if not file:
        # No file attribute (xunit2): the module path from the class name, as far as it goes.
        parts = classname.split(".")
        classes = [p for p in parts if p[:1].isupper()]
        module = parts[: len(parts) - len(classes)]
        file = "/".join(module) + ".py" if module else ""
        return "::".join([file, *classes, name]) if file else name
    module = ".".join(PurePosixPath(file).with_suffix("").parts)
    rest = classname[len(module) :].lstrip(".") if classname.startswith(module) else ""
    return "::".join([file, *([p for p in rest.split(".") if p]), name])


def parse_junit(text: str) -> Outcomes:
    """(passed, failed) node ids from pytest's JUnit XML (xunit1: with each case's file)."""
    from xml.etree import ElementTree

    outcomes = Outcomes()
    if len(text) > MAX_RESULT_BYTES:
        outcomes.unjudged = "the test results are too large to read"
        return outcomes
    try:
        root = ElementTree.fromstring(text)  # expat refuses entity amplification (billion laughs)
    except ElementTree.ParseError as exc:
        outcomes.unjudged = f"the test results are not readable XML ({exc})"
        return outcomes
    for case in root.iter("testcase"):
        node = _node_id(case)
        if node is None:
            continue
        bad = case.find("failure") is not None or case.find("error") is not None
        (outcomes.failed if bad else outcomes.passed).add(node)
    outcomes.passed -= outcomes.failed
    return outcomes


def parse_go_json(output: str) -> Outcomes:
    """(passed, failed) `Package/Test` names from `go test -json` events; a package that did not build cannot judge."""
    outcomes = Outcomes()
    built_nothing = []
    for line in output.splitlines():
        if not line.startswith("{"):
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if not isinstance(event, dict):
            continue
        action, test, package = event.get("Action"), event.get("Test"), event.get("Package", "")
        if test and action in ("pass", "skip"):
            outcomes.passed.add(test)
        elif test and action == "fail":
            outcomes.failed.add(test)
        elif not test and action in ("fail", "output") and "build failed" in str(event.get("Output", "")):
            built_nothing.append(package)
    outcomes.passed -= outcomes.failed
    if built_nothing and not (outcomes.passed or outcomes.failed):
        outcomes.unjudged = f"the package did not build ({', '.join(sorted(set(built_nothing))[:3])})"
    elif "[setup failed]" in output or ("build failed" in output and not (outcomes.passed or outcomes.failed)):
        outcomes.unjudged = "the tests did not build"
    return outcomes


def match_wanted(wanted: list[str], ran: set[str]) -> dict[str, str | None]:
    """Each wanted test id → the id it ran under: exactly, else the one whose path ends with it; None if none."""
    found: dict[str, str | None] = {}
    for test in wanted:
        if test in ran:
            found[test] = test
            continue
        suffix = [r for r in ran if r.endswith("/" + test) or r.endswith("::" + test)]
        found[test] = suffix[0] if len(suffix) == 1 else None
    return found
