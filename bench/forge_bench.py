"""`make bench`: syncing a GitHub repository through cassettes, beside a local sync of the same history.

A synthetic history (sleuth.demo.synthetic) stands for the repository: a bare copy is "github.com",
and every first-parent change is a merged PR in a cassette built from GitHub's documented examples
(100 per page, each with its reviews request, as PyGithub makes them). The GitHub sync fetches the
mirror, indexes it and links every change to its PR; the baseline syncs the same history locally.
Needs the test data (`python -m tests.provider_data`).

    python bench/forge_bench.py [--changes 500]   # vcrpy matches each request against every recorded one: O(n²)
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from table import print_table  # bench/ is on sys.path when a bench script runs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.github_cassettes builds the cassette


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=500)
    args = parser.parse_args()

    import vcr

    from sleuth import index_api
    from sleuth.config import Settings
    from sleuth.demo.synthetic import write_history
    from sleuth.tools.github_forge import GitHubReader, github_client
    from tests.github_cassettes import GitHubExamples, exchange, write_cassette

    work = Path(tempfile.mkdtemp(prefix="sleuth-forge-bench-"))
    os.environ["SLEUTH_HOME"] = str(work / "home")
    os.environ["GIT_ALLOW_PROTOCOL"] = "file"  # the bench never leaves the machine
    source = write_history(work / "svc", args.changes)
    bare = work / "github.com" / "acme" / "svc.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(source), str(bare)], check=True)
    shas = subprocess.run(
        ["git", "-C", str(bare), "rev-list", "--first-parent", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.split()

    gh = GitHubExamples("acme", "svc")
    template = gh.example("/repos/{owner}/{repo}/pulls", "get", "200")[0]
    reviews = gh.example("/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "get", "200")
    pulls_path = "/repos/acme/svc/pulls?state=closed&sort=updated&direction=desc&per_page=100"
    exchanges = [exchange("GET", "/repos/acme/svc", gh.example("/repos/{owner}/{repo}", "get", "200"))]
    pages = [shas[i : i + 100] for i in range(0, len(shas), 100)]
    for number, page in enumerate(pages, 1):
        pulls = []
        for offset, sha in enumerate(page):
            pr = len(shas) - ((number - 1) * 100 + offset)
            when = f"2026-{1 + pr % 12:02d}-01T00:00:00Z"
            old = str(template["number"])
            pulls.append(
                {
                    **template,
                    "number": pr,
                    "url": template["url"].replace(old, str(pr)),
                    "html_url": template["html_url"].replace(old, str(pr)),
                    "merge_commit_sha": sha,
                    "merged_at": when,
                    "updated_at": when,
                }
            )
        link = f'<https://api.github.com{pulls_path}&page={number + 1}>; rel="next"' if number < len(pages) else ""
        exchanges.append(
            exchange(
                "GET",
                pulls_path + (f"&page={number}" if number > 1 else ""),
                pulls,
                headers={"Link": link} if link else None,
            )
        )
        exchanges += [
            exchange("GET", f"/repos/acme/svc/pulls/{p['number']}/reviews?per_page=100", reviews) for p in pulls
        ]
    cassette = write_cassette(work / "sync.yaml", exchanges)

    GitHubReader.clone_url = property(lambda self: f"file://{bare}")  # type: ignore[method-assign,assignment]
    forge_settings = Settings.model_validate(
        {"github": {"token": "ghp_bench"}, "index": {"path": str(work / "gh-index")}}
    )
    started = time.monotonic()
    with vcr.VCR(record_mode="none", filter_headers=["authorization"]).use_cassette(str(cassette)):
        (synced,) = index_api.sync(
            forge_settings, ["github:acme/svc"], forge_client=github_client("ghp_bench", polite=False)
        )
    forge_seconds = time.monotonic() - started
    linked = next(n for n in synced.notes if "linked" in n)

    local_settings = Settings.model_validate({"index": {"path": str(work / "local-index")}})
    started = time.monotonic()
    (local,) = index_api.sync(local_settings, [str(source)])
    local_seconds = time.monotonic() - started

    print_table(
        [
            (
                f"github sync {args.changes} PRs (mirror+index+links)",
                f"{synced.added / forge_seconds:.0f} changes/s ({forge_seconds:.1f}s; {linked.split(': ', 1)[1]})",
                "-",
                "measured",
            ),
            (
                f"local sync, same {args.changes} changes (baseline)",
                f"{local.added / local_seconds:.0f} changes/s ({local_seconds:.1f}s)",
                "-",
                "baseline",
            ),
        ]
    )


if __name__ == "__main__":
    main()
