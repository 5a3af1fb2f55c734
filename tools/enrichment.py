"""Enrichment of a change without an LLM: an extractive summary, category tags, symbols and risks.

Tags come from paths first (what a change touches is harder to mislabel than what its title says),
then from conventional-commit prefixes and title verbs. Risk signals are the things an on-call
engineer looks for first: removed error handling, changed timeouts/retries/limits/defaults, feature
flags, config and schema changes, and sheer size.
"""

import re
from collections.abc import Callable
from pathlib import PurePosixPath

from sleuth.models import Change, ChangeEnrichment
from sleuth.tools.diff_symbols import FileChange, parse_diff, touched_symbols

TAGS = ("feature", "bugfix", "refactor", "config", "dependency", "infra", "schema", "docs", "test")
LARGE_CHANGE_LINES = 400
LARGE_CHANGE_FILES = 20
SUMMARY_CHARS = 240

_DOC = re.compile(
    r"(^|/)(docs?|documentation)/|\.(md|rst|adoc|txt)$|(^|/)(README|CHANGELOG|CHANGES|LICENSE|AUTHORS)[^/]*$", re.I
)
_TEST = re.compile(
    r"(^|/)(tests?|spec|__tests__|testing)/|(^|/)test_[^/]+\.py$|_test\.(py|go)$|\.(spec|test)\.[jt]sx?$"
    r"|Test\.java$|_spec\.rb$",
    re.I,
)
_DEPENDENCY = re.compile(
    r"(^|/)(requirements[^/]*\.(txt|in)|constraints\.txt|Pipfile(\.lock)?|poetry\.lock|uv\.lock|package(-lock)?\.json|"
    r"yarn\.lock|pnpm-lock\.yaml|go\.(mod|sum)|Gemfile(\.lock)?|Cargo\.(toml|lock)|pom\.xml|build\.gradle(\.kts)?|"
    r"packages\.lock\.json|[^/]+\.csproj)$",
    re.I,
)
# Build and CI files count as infra: they break builds, and some end in .txt (CMakeLists.txt,
# meson_options.txt) that the docs pattern would otherwise claim.
_INFRA = re.compile(
    r"(^|/)(Dockerfile[^/]*|docker-compose[^/]*|Makefile|Jenkinsfile|Procfile|\.gitlab-ci\.yml|tox\.ini|noxfile\.py)$|"
    r"(^|/)(CMakeLists\.txt|CMakePresets\.json|[^/]+\.cmake|meson\.build|meson_options\.txt|meson\.options|"
    r"configure\.(ac|in)|GNUmakefile|Makefile\.(am|in)|[^/]+\.mk|SConstruct|SConscript|BUILD(\.bazel)?|"
    r"WORKSPACE(\.bazel)?|build\.rs|build\.zig|appveyor\.yml|\.travis\.yml|\.cirrus\.yml|azure-pipelines\.yml)$|"
    r"(^|/)(\.github|\.circleci|k8s|kubernetes|helm|charts|terraform|deploy|ops|infra|ansible)/|\.tf$",
    re.I,
)
_SCHEMA = re.compile(r"(^|/)(migrations?|alembic|db/migrate|schema)/|\.sql$|(^|/)schema\.[a-z]+$", re.I)
_CONFIG = re.compile(
    r"\.(toml|ya?ml|ini|cfg|conf|env|properties|json)$|(^|/)(config|conf|settings)(/|\.py$)|(^|/)\.env[^/]*$", re.I
)
_CONVENTIONAL = re.compile(r"^(\w+)(\([^)]*\))?!?:\s*")
_CONVENTIONAL_TAGS = {
    "feat": "feature",
    "fix": "bugfix",
    "refactor": "refactor",
    "perf": "refactor",
    "docs": "docs",
    "test": "test",
    "tests": "test",
    "build": "infra",
    "ci": "infra",
    "deps": "dependency",
}
_TITLE_TAGS = [
    ("bugfix", re.compile(r"\b(fix(es|ed)?|bug|hotfix|regression|crash|revert|correct|repair|handle)\b", re.I)),
    ("dependency", re.compile(r"\b(bump|upgrade|downgrade|pin|dependenc(y|ies)|deps)\b", re.I)),
    (
        "refactor",
        re.compile(
            r"\b(refactor|clean ?up|rename|simplif(y|ies)|extract|reorgani[sz]|restructur|tidy|speed|optimi[sz]|perf)",
            re.I,
        ),
    ),
    ("feature", re.compile(r"\b(add(s|ed)?|support|implement|introduce|new|enable|allow|feat)\b", re.I)),
    ("config", re.compile(r"\b(config|setting|default|timeout|limit|threshold|tun(e|ing))\b", re.I)),
    ("docs", re.compile(r"\b(docs?|documentation|readme|typo)\b", re.I)),
]

_ERROR_HANDLING = re.compile(
    r"^\s*(except\b|try\s*:|finally\s*:|raise\b|catch\b|\}\s*catch\b|rescue\b|ensure\b|throw\b|if\s+err\s*!=\s*nil)"
)
_KNOB = re.compile(
    r"\b(\w*(timeout|retries|retry|limit|threshold|ttl|backoff|pool_?size|batch_?size|concurrency|interval|deadline)\w*"
    r"|(max|min|default)_\w+|\w+_(max|min|default)|[A-Z]*(MAX|MIN|DEFAULT)_[A-Z_]+)\b",
    re.I,
)
# A knob is changed when its line sets a literal: `timeout = 30`, `"retries": 3`, `limit=None`.
_SETS_LITERAL = re.compile(r"[=:]\s*(-?\d|True|False|true|false|None|null|nil|['\"])")
_FLAG = re.compile(r"feature[_ -]?flag|is_enabled|isEnabled|toggle|launchdarkly|unleash|flipper|\bFF_|FEATURE_", re.I)
_TRAILER = re.compile(r"^[A-Z][\w-]+: .+$|^See merge request ", re.M)


def path_tags(path: str) -> set[str]:
    """The one kind a path is: test, dependency, schema, infra, docs, config, or code."""
    if _TEST.search(path):
        return {"test"}
    if _DEPENDENCY.search(path):
        return {"dependency"}
    if _SCHEMA.search(path):
        return {"schema"}
    if _INFRA.search(path):
        return {"infra"}
    if _DOC.search(path):
        return {"docs"}
    if _CONFIG.search(path):
        return {"config"}
    return {"code"}


def classify(change: Change) -> list[str]:
    """Return the change's category tags in TAGS order."""
    touched: set[str] = set()
    for path in change.files:
        touched |= path_tags(path)
    tags = touched - {"code"}
    conventional = _CONVENTIONAL.match(change.title)
    if conventional:
        kind, scope = conventional.group(1).lower(), (conventional.group(2) or "").lower()
        tags.add("dependency" if "deps" in scope else _CONVENTIONAL_TAGS.get(kind, ""))
    if "code" in touched or not touched:
        for tag, pattern in _TITLE_TAGS:
            if pattern.search(change.title):
                tags.add(tag)
                break
        else:
            tags.add("feature")
    tags.discard("")
    return [tag for tag in TAGS if tag in tags]


def _changed_knobs(files: list[FileChange]) -> list[str]:
    knobs: dict[str, None] = {}
    for change in files:
        for line in change.added_text + change.removed_text:
            if _SETS_LITERAL.search(line):
                for match in _KNOB.finditer(line):
                    knobs.setdefault(match.group(0))
    return list(knobs)


def risk_signals(change: Change, files: list[FileChange], tags: list[str]) -> list[str]:
    """Return the change's risk signals, most alarming first."""
    risks: list[str] = []
    removed = sum(1 for f in files for line in f.removed_text if _ERROR_HANDLING.match(line))
    added = sum(1 for f in files for line in f.added_text if _ERROR_HANDLING.match(line))
    if removed > added:
        risks.append(f"error handling removed ({removed - added} net line(s) of try/except/raise/catch)")
    knobs = _changed_knobs([f for f in files if path_tags(f.path) & {"code", "config", "infra"}])
    if knobs:
        risks.append("changes timeouts/retries/limits/defaults: " + ", ".join(knobs[:5]))
    if any(_FLAG.search(line) for f in files for line in f.added_text + f.removed_text):
        risks.append("touches a feature flag")
    if "schema" in tags:
        risks.append("schema or migration change")
    configs = [f for f in change.files if "config" in path_tags(f)]
    if configs:
        risks.append("config file changed: " + ", ".join(configs[:3]))
    if "dependency" in tags:
        risks.append("dependency versions changed")
    size = change.additions + change.deletions
    if size >= LARGE_CHANGE_LINES or len(change.files) >= LARGE_CHANGE_FILES:
        risks.append(f"large change: {size} lines in {len(change.files)} files")
    return risks


def _first_sentence(body: str) -> str:
    text = _TRAILER.sub("", body).strip()
    paragraph = re.split(r"\n\s*\n", text, maxsplit=1)[0].replace("\n", " ").strip()
    match = re.match(r"(.+?[.!?])(\s|$)", paragraph)
    return (match.group(1) if match else paragraph)[:160]


def _areas(paths: list[str]) -> str:
    dirs: dict[str, None] = {}
    for path in paths:
        parent = str(PurePosixPath(path).parent)
        dirs.setdefault("(root)" if parent == "." else parent + "/")
    names = list(dirs)
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def headline(change: Change) -> str:
    """Return the title plus the body's first sentence: what a change is about, in a few words."""
    sentence = _first_sentence(change.body)
    if sentence and sentence.lower().rstrip(".") != change.title.lower().rstrip("."):
        return f"{change.title.rstrip('.')}. {sentence}"
    return change.title


def summarize(change: Change, symbols: list[str]) -> str:
    """Return a one- or two-sentence extractive summary: what, where and how big."""
    parts = [change.title.rstrip(".") + "."]
    sentence = _first_sentence(change.body)
    if sentence and sentence.lower().rstrip(".") != change.title.lower().rstrip("."):
        parts.append(sentence)
    where = f"Touches {len(change.files)} file(s) in {_areas(change.files)}" if change.files else "Touches no files"
    if symbols:
        where += "; changes " + ", ".join(s.split(":", 1)[-1] for s in symbols[:3])
    parts.append(f"{where} (+{change.additions}/-{change.deletions}).")
    return " ".join(parts)[:SUMMARY_CHARS]


def enrich(change: Change, diff: str, read_blob: Callable[[str], str | None] | None = None) -> ChangeEnrichment:
    """Return the change's summary, tags, touched symbols and risk signals."""
    files = parse_diff(diff)
    symbols = touched_symbols(files, read_blob)
    tags = classify(change)
    return ChangeEnrichment(
        summary=summarize(change, symbols),
        tags=tags,
        symbols=symbols[:50],
        risks=risk_signals(change, files, tags),
    )
