"""Map frame paths from running hosts (`/app/src/…`, `C:\\build\\…`) to repository files."""

from collections import defaultdict
from collections.abc import Iterable


def path_parts(path: str) -> list[str]:
    path = path.replace("\\", "/")
    for prefix in ("file://", "webpack:///"):
        if path.startswith(prefix):
            path = path[len(prefix) :]
    return [part for part in path.split("/") if part not in ("", ".")]


class RepoPathIndex:
    """Longest-matching-suffix lookup from a printed path to a repository file."""

    def __init__(self, repo_files: Iterable[str]) -> None:
        self._by_name: dict[str, list[list[str]]] = defaultdict(list)
        for path in repo_files:
            parts = path_parts(path)
            if parts:
                self._by_name[parts[-1]].append(parts)

    def lookup(self, printed: str | None) -> str | None:
        """Return the repository file sharing the longest path suffix with printed, if unique."""
        if not printed:
            return None
        wanted = path_parts(printed)
        if not wanted:
            return None
        best: list[list[str]] = []
        best_len = 0
        for candidate in self._by_name.get(wanted[-1], []):
            length = 0
            for mine, theirs in zip(reversed(wanted), reversed(candidate), strict=False):
                if mine != theirs:
                    break
                length += 1
            if length > best_len:
                best, best_len = [candidate], length
            elif length == best_len:
                best.append(candidate)
        if len(best) == 1:
            return "/".join(best[0])
        # Ambiguous (e.g. two `__init__.py`): prefer the shortest, i.e. the least nested file.
        return "/".join(min(best, key=len)) if best and best_len > 1 else None
