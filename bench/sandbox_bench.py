"""`make bench` (part 2): what the bubblewrap sandbox adds to each command, against running the
same command directly in the same run, plus workspace setup (clone) and teardown.

    python bench/sandbox_bench.py [--runs 100]
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from table import print_table  # bench/ is on sys.path when a bench script runs


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    from sleuth.demo.synthetic import write_history
    from sleuth.tools.sandbox import BubblewrapSandbox

    repo = write_history(Path(tempfile.mkdtemp(prefix="sleuth-bench-")) / "repo", 200)
    commands = {"true": ["true"], "python -c pass": [sys.executable, "-c", "pass"]}
    rows = []
    with BubblewrapSandbox() as sandbox:
        started = time.perf_counter()
        sandbox.clone(repo, "HEAD")
        clone_ms = (time.perf_counter() - started) * 1000
        for name, command in commands.items():
            direct, boxed = [], []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                subprocess.run(command, cwd=sandbox.repo_dir, check=True)
                t1 = time.perf_counter()
                sandbox.run(command)
                t2 = time.perf_counter()
                direct.append(t1 - t0)
                boxed.append(t2 - t1)
            overhead = _median_ms(boxed) - _median_ms(direct)
            rows.append(
                (
                    f"sandbox overhead per command ({name})",
                    f"median {overhead:.1f} ms (sandboxed {_median_ms(boxed):.1f} ms,"
                    f" direct {_median_ms(direct):.1f} ms, {args.runs} runs)",
                    "<= 50 ms",
                    "PASS" if overhead <= 50 else "FAIL",
                )
            )
        root = sandbox.root
        started = time.perf_counter()
    teardown_ms = (time.perf_counter() - started) * 1000
    assert not root.exists()
    rows.append(("workspace setup (clone of a 200-change repo)", f"{clone_ms:.0f} ms", "", ""))
    rows.append(("workspace teardown", f"{teardown_ms:.1f} ms", "", ""))
    print_table(rows)


if __name__ == "__main__":
    main()
