"""`make bench`: ingest throughput, retrieval latency and sync memory of the change index.

Prints one table. Histories are generated with `git fast-import` (sleuth.demo.synthetic); a real
repository can be added with --real-repo (e.g. a clone of pip or pytest). Each sync runs in its own
process so its peak RSS is its own. Built artefacts go to .bench/ and are reused with --reuse.

    python bench/index_bench.py [--changes 10000] [--retrieval-changes 100000] [--real-repo PATH]
"""

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

from table import print_table  # bench/ is on sys.path when a bench script runs

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".bench"
QUERIES = [
    "KeyError 'eur' in rate_for during checkout currency conversion",
    "timeout talking to the payment provider after retry budget change",
    "session expiry logs users out early token refresh",
    "invoice totals off by one cent rounding",
    "rate limiter rejects every request 429",
    "webhook signature validation fails after deploy",
    "search pagination returns duplicate results",
    "stock reservation deadlock in cart merge",
    "email templates render empty subject",
    "NoneType has no attribute get in handler_17_3",
]


def _children_peak_kb(stop: threading.Event, peak: list[int]) -> None:
    """Sample the peak RSS (VmHWM) of this process's children, e.g. the history reader.

    getrusage(RUSAGE_CHILDREN) cannot be used: on Linux a child inherits its parent's high-water
    mark across fork+exec, so it would report this process's peak, not the child's.
    """
    while not stop.wait(0.2):
        for task in Path("/proc/self/task").iterdir():
            for pid in (task / "children").read_text().split():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        peak[0] = max(peak[0], int(line.split()[1]))


def _sync_child(repo: str, index_dir: str, branch: str | None) -> None:
    """Run one full sync in this process and print its numbers as JSON (called in a subprocess)."""
    from sleuth import index_api
    from sleuth.config import Settings

    stop, children_peak = threading.Event(), [0]
    sampler = threading.Thread(target=_children_peak_kb, args=(stop, children_peak), daemon=True)
    sampler.start()

    settings = Settings(index={"path": index_dir})
    started = time.perf_counter()
    index = index_api.open_index(settings)
    loaded = time.perf_counter()
    result = index_api.sync(settings, [repo], index=index, branch=branch)[0]
    done = time.perf_counter()
    index.close()
    stop.set()
    sampler.join()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The history reader runs as a child process: its peak counts too (they run at the same time).
    reader_mb = children_peak[0] / 1024
    print(
        json.dumps(
            {
                "added": result.added,
                "open_seconds": loaded - started,
                "sync_seconds": done - loaded,
                "peak_rss_mb": peak_mb + reader_mb,
                "sync_process_mb": peak_mb,
                "reader_process_mb": reader_mb,
            }
        )
    )


def _rss(numbers: dict[str, float]) -> str:
    return (
        f"{numbers['peak_rss_mb']:.0f} MB (sync {numbers['sync_process_mb']:.0f} MB"
        f" + history reader {numbers['reader_process_mb']:.0f} MB)"
    )


def run_sync(repo: Path, index_dir: Path, branch: str | None = None) -> dict[str, float]:
    if index_dir.exists():
        shutil.rmtree(index_dir)
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import index_bench as b;"
        f" b._sync_child({str(repo)!r}, {str(index_dir)!r}, {branch!r})"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"sync of {repo} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def git_read_rate(repo: Path) -> float:
    """Changes per second of the bare `git log -p` stream (the floor any ingest pays)."""
    started = time.perf_counter()
    count = 0
    from sleuth.tools.git_history import iter_history
    from sleuth.tools.local_git import LocalGitHost

    for _ in iter_history(LocalGitHost(repo), "HEAD"):
        count += 1
    return count / (time.perf_counter() - started)


def synthetic(changes: int, reuse: bool) -> Path:
    from sleuth.demo.synthetic import write_history

    path = WORK / f"history-{changes}"
    if reuse and path.exists():
        return path
    if path.exists():
        shutil.rmtree(path)
    return write_history(path, changes)


def retrieval(index_dir: Path, repo_name: str, samples: int) -> dict[str, float]:
    """Latency of one incident's retrieval: filters + dense + bm25 + fusion, like search-changes."""
    from sleuth.config import Settings
    from sleuth.tools.change_index import ChangeIndex

    index = ChangeIndex(Settings(index={"path": str(index_dir)}))
    rng = random.Random(3)
    lo, hi = index.store.db.execute("SELECT min(merged_at), max(merged_at) FROM changes").fetchone()
    from datetime import UTC, datetime

    timings = []
    windows = []
    index.search(QUERIES[0], [repo_name], datetime.fromtimestamp(lo, UTC), datetime.fromtimestamp(hi, UTC))  # warm
    for number in range(samples):
        end = datetime.fromtimestamp(rng.randint(lo + 86400 * 20, hi), UTC)
        since = end - timedelta(days=14)
        started = time.perf_counter()
        hits = index.search(QUERIES[number % len(QUERIES)], [repo_name], since, end, limit=100)
        timings.append((time.perf_counter() - started) * 1000)
        windows.append(len(hits))
    index.close()
    timings.sort()
    return {
        "p50_ms": statistics.median(timings),
        "p95_ms": timings[int(0.95 * (len(timings) - 1))],
        "max_ms": timings[-1],
        "hits": statistics.mean(windows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", type=int, default=10_000, help="synthetic history for ingest throughput")
    parser.add_argument("--retrieval-changes", type=int, default=100_000, help="index size for retrieval/RSS")
    parser.add_argument("--real-repo", type=Path, action="append", default=[], help="a real repository to ingest")
    parser.add_argument("--samples", type=int, default=200, help="retrieval queries to time")
    parser.add_argument("--reuse", action="store_true", help="reuse generated histories and the big index")
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    rows: list[tuple[str, str, str, str]] = []

    def ingest_row(label: str, repo: Path, index_dir: Path) -> dict[str, float]:
        floor = git_read_rate(repo)
        numbers = run_sync(repo, index_dir)
        rate = numbers["added"] / numbers["sync_seconds"]
        rows.append(
            (
                f"ingest {label}",
                f"{numbers['added']} changes in {numbers['sync_seconds']:.1f}s = {rate:.0f} changes/s"
                f" (+{numbers['open_seconds']:.1f}s model load; git log -p alone {floor:.0f}/s)",
                ">= 100 changes/s",
                "PASS" if rate >= 100 else "FAIL",
            )
        )
        rows.append((f"  peak RSS {label}", _rss(numbers), "", ""))
        return numbers

    ingest_row(f"synthetic {args.changes}", synthetic(args.changes, args.reuse), WORK / f"index-{args.changes}")
    for real in args.real_repo:
        name = real.name if real.name != "repo" else real.parent.name  # fetched mirrors end in /repo
        ingest_row(f"real {name}", real, WORK / f"index-real-{name}")

    big_index = WORK / f"index-{args.retrieval_changes}"
    big_repo = synthetic(args.retrieval_changes, args.reuse)
    if not (args.reuse and (big_index / "sidecar.sqlite3").exists()):
        numbers = run_sync(big_repo, big_index)
        rows.append(
            (
                f"sync {args.retrieval_changes} peak RSS",
                f"{_rss(numbers)} ({numbers['added']} changes in {numbers['sync_seconds']:.0f}s)",
                "<= 2048 MB",
                "PASS" if numbers["peak_rss_mb"] <= 2048 else "FAIL",
            )
        )
    latency = retrieval(big_index, big_repo.name, args.samples)
    rows.append(
        (
            f"retrieval @ {args.retrieval_changes} (14-day window)",
            f"p50 {latency['p50_ms']:.1f} ms, p95 {latency['p95_ms']:.1f} ms, max {latency['max_ms']:.1f} ms"
            f" ({args.samples} queries, {latency['hits']:.0f} hits each)",
            "p95 <= 100 ms",
            "PASS" if latency["p95_ms"] <= 100 else "FAIL",
        )
    )
    print_table(rows)


if __name__ == "__main__":
    main()
