"""The repository catalogue: a profile per repository, so an incident narrows to the few repos worth
cloning. Profiles live in the sidecar store and, embedded, in their own Chroma collection.
"""

import json
import re
import tomllib
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import Any

from sleuth.models import RepoProfile
from sleuth.tools.code_host import Mirror
from sleuth.tools.forge_sync import is_forge_spec
from sleuth.tools.git_cli import run_git, since_option
from sleuth.tools.local_git import LocalGitHost
from sleuth.tools.path_mapping import RepoPathIndex

REPOS_COLLECTION = "sleuth-repos"
LANGUAGES = {
    ".py": "Python",
    ".java": "Java",
    ".kt": "Kotlin",
    ".go": "Go",
    ".js": "JavaScript",
    ".jsx": "JavaScript",
    ".mjs": "JavaScript",
    ".ts": "TypeScript",
    ".tsx": "TypeScript",
    ".rb": "Ruby",
    ".cs": "C#",
    ".rs": "Rust",
    ".c": "C",
    ".h": "C",
    ".cc": "C++",
    ".cpp": "C++",
    ".php": "PHP",
    ".scala": "Scala",
    ".swift": "Swift",
    ".sh": "Shell",
    ".sql": "SQL",
}
_README = re.compile(r"^readme(\.(md|rst|txt))?$", re.I)
_MARKUP = re.compile(r"!\[[^\]]*\]\([^)]*\)|\[([^\]]*)\]\([^)]*\)|[*_`#>]|<[^>]+>")


def _description(host: Mirror, ref: str, files: list[str]) -> str:
    if "pyproject.toml" in files:
        try:
            data = tomllib.loads(host.file_at(ref, "pyproject.toml") or "")
            description = data.get("project", {}).get("description") or data.get("tool", {}).get("poetry", {}).get(
                "description"
            )
            if description:
                return str(description)
        except tomllib.TOMLDecodeError:
            pass
    if "package.json" in files:
        try:
            return str(json.loads(host.file_at(ref, "package.json") or "{}").get("description") or "")
        except ValueError:
            pass
    return ""


def readme_summary(text: str, max_chars: int = 400) -> str:
    """Return the first prose paragraph of a README, without markup, cut at a sentence."""
    for block in re.split(r"\n\s*\n", text):
        lines = [ln for ln in block.strip().splitlines() if not ln.lstrip().startswith(("#", "=", "-", "[!", "!["))]
        prose = _MARKUP.sub(lambda m: m.group(1) or "", " ".join(lines)).strip()
        if len(prose) >= 30:
            if len(prose) <= max_chars:
                return prose
            cut = prose[:max_chars]
            return cut[: cut.rfind(". ") + 1] or cut
    return ""


def profile_repo(host: Mirror, branch: str | None, services: list[str], now: datetime | None = None) -> RepoProfile:
    """Build a repository's catalogue profile from its default branch."""
    ref = host.resolve(branch or "HEAD")
    files = host.list_files(ref)
    readme = next((f for f in files if "/" not in f and _README.match(f)), None)
    summary = readme_summary(host.file_at(ref, readme) or "") if readme else ""
    languages = Counter(LANGUAGES[s] for s in (PurePosixPath(f).suffix.lower() for f in files) if s in LANGUAGES)
    layout = sorted({f.split("/", 1)[0] + ("/" if "/" in f else "") for f in files})
    last = run_git(host.path, "log", "-1", "--format=%cI", ref).stdout.strip()
    last_at = datetime.fromisoformat(last) if last else None
    since = (now or last_at or datetime.now(UTC)) - timedelta(days=30)
    recent = run_git(host.path, "rev-list", "--first-parent", "--count", since_option(since.isoformat()), ref)
    return RepoProfile(
        name=host.name,
        path=str(host.path),
        description=_description(host, ref, files) or summary.split(". ")[0],
        readme_summary=summary,
        languages=dict(languages.most_common()),
        layout=layout[:60],
        services=services,
        changes_last_30_days=int(recent.stdout.strip() or 0),
        last_change_at=last_at,
    )


def profile_text(profile: RepoProfile) -> str:
    """Return the text embedded for a repository."""
    return "\n".join(
        [
            f"{profile.name}: {profile.description}",
            profile.readme_summary,
            "services: " + ", ".join(profile.services),
            "topics: " + ", ".join(profile.topics),
            "languages: " + ", ".join(profile.languages),
            "layout: " + " ".join(profile.layout[:30]),
        ]
    )


def _repos_collection(index: Any) -> Any:
    return index.client.get_or_create_collection(
        REPOS_COLLECTION, embedding_function=index.embed, configuration={"hnsw": {"space": "cosine"}}
    )


def store_profile(index: Any, profile: RepoProfile) -> None:
    """Save a profile in the store and the repos collection."""
    index.store.set_profile(profile.name, profile.model_dump(mode="json"))
    _repos_collection(index).upsert(
        ids=[profile.name],
        documents=[profile_text(profile)],
        metadatas=[{"services": profile.services or [profile.name], "path": profile.path}],
    )


def rank_repos(
    index: Any, text: str, frame_files: list[str], service: str | None, limit: int = 3
) -> list[tuple[RepoProfile, float, list[str]]]:
    """Rank catalogued repositories for an incident: service mapping, stack-frame files, then meaning.

    A configured service mapping is decisive; frames whose paths exist in a repository come next;
    similarity of the incident text to the profile breaks ties.
    """
    profiles = [RepoProfile.model_validate(r["profile"]) for r in index.store.repos() if r["profile"]]
    if not profiles:
        return []
    found = _repos_collection(index).query(
        query_texts=[text or "incident"], n_results=len(profiles), include=["distances"]
    )
    similarity = {n: max(0.0, 1 - d) for n, d in zip(found["ids"][0], found["distances"][0], strict=True)}
    ranked = []
    for profile in profiles:
        reasons = []
        score = similarity.get(profile.name, 0.0)
        if service and (service in profile.services or service == profile.name):
            score += 2.0
            reasons.append(f"serves {service}")
        if frame_files and is_forge_spec(profile.path):
            reasons.append("not mirrored yet: stack-frame files not checked")
        elif frame_files:
            paths = RepoPathIndex(LocalGitHost(profile.path).list_files("HEAD"))
            mapped = sum(1 for f in frame_files if paths.lookup(f))
            if mapped:
                score += mapped / len(frame_files)
                reasons.append(f"{mapped}/{len(frame_files)} stack-frame files exist here")
        reasons.append(f"text similarity {similarity.get(profile.name, 0.0):.2f}")
        ranked.append((profile, round(score, 4), reasons))
    ranked.sort(key=lambda item: -item[1])
    return ranked[:limit]
