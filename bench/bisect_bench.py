"""`make bench` (part 3): test runs to the culprit — sleuth's investigation against plain `git bisect`.

Over the generated scenarios (windows of 8 to 64 changes, culprits early, middle and late, plus the
fault-outside-the-frames case), sleuth investigates (rank, read, then confirm by running the
reproducer at the suspect and its parent, bisecting only if that fails); plain `git bisect run
--first-parent` runs over the same window with the same reproducer, in the same sandbox, in the
same run. Test execution is the cost being counted, not time.

    python bench/bisect_bench.py [--quick]
"""

import argparse
import statistics
import tempfile
from pathlib import Path

from table import print_table  # bench/ is on sys.path when a bench script runs


def _cases(root: Path, quick: bool):
    from sleuth.evals.scenarios import fault_outside_the_frames, regression_in_long_window

    yield fault_outside_the_frames(root)
    sizes = (8, 32) if quick else (8, 16, 32, 64)
    for size in sizes:
        for culprit_at in sorted({1, size // 2, size - 2}):
            yield regression_in_long_window(root, size, culprit_at)
        # The ranking's favourite is a decoy: sleuth pays 3 runs before bisecting like git does.
        yield regression_in_long_window(root, size, size // 2, decoy=True)


def _plain_bisect(scenario) -> tuple[str | None, int]:
    from sleuth.agents.confirm_culprit import bisect_window
    from sleuth.agents.draft_fix import affected_test_files
    from sleuth.tools.sandbox import BubblewrapSandbox
    from sleuth.tools.test_runner import detect_test_command

    with BubblewrapSandbox() as sandbox:
        sandbox.clone(scenario.repo, "HEAD")
        ref = sandbox.run(["git", "rev-parse", "HEAD"]).output.strip()
        command = detect_test_command(sandbox)
        assert command is not None
        files = affected_test_files(scenario.reproducers, [], command)
        return bisect_window(sandbox, command, scenario.good_sha, ref, scenario.reproducers, files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer scenarios")
    args = parser.parse_args()
    from sleuth.api import investigate
    from sleuth.config import Settings

    root = Path(tempfile.mkdtemp(prefix="sleuth-bisect-bench-"))
    print(f"\n{'scenario':<28} {'window':>6} {'sleuth runs':>11} {'method':<18} {'right':<5} {'bisect runs':>11} right")
    sleuth_runs: list[int] = []
    bisect_runs: list[int] = []
    sleuth_right = bisect_right = total = 0
    for scenario in _cases(root, args.quick):
        report = investigate(scenario.incident, scenario.repo, settings=Settings(), use_index=False)
        confirmation = report.confirmation
        runs = confirmation.test_runs if confirmation else 0
        ours = report.hypotheses[0].culprit_sha == scenario.culprit_sha
        found, plain = _plain_bisect(scenario)
        theirs = found == scenario.culprit_sha
        total += 1
        sleuth_right += ours
        bisect_right += theirs
        sleuth_runs.append(runs)
        bisect_runs.append(plain)
        method = confirmation.method if confirmation else "-"
        print(f"{scenario.name:<28} {len(scenario.window):>6} {runs:>11} {method:<18} {ours!s:<5} {plain:>11} {theirs}")
    median_ours = statistics.median(sleuth_runs)
    median_plain = statistics.median(bisect_runs)
    print_table(
        [
            (
                "test runs to culprit, sleuth (median, mean)",
                f"{median_ours:.1f}, {statistics.mean(sleuth_runs):.1f}",
                "fewer than git bisect",
                "ok" if median_ours < median_plain else "MISSED",
            ),
            (
                "test runs to culprit, plain git bisect (median, mean)",
                f"{median_plain:.1f}, {statistics.mean(bisect_runs):.1f}",
                "baseline, same run",
                "-",
            ),
            (
                "culprit named correctly, sleuth / git bisect",
                f"{sleuth_right}/{total} / {bisect_right}/{total}",
                "all",
                "ok" if sleuth_right == total else "MISSED",
            ),
        ]
    )


if __name__ == "__main__":
    main()
