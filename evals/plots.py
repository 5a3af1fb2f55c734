"""PNG plots of run records: top-k curves of sleuth and the baselines, and top-1 per tag."""

from pathlib import Path
from typing import Any

from sleuth.evals.metrics import SYSTEMS

MAX_K = 10


def top_k_curve(cases: list[dict[str, Any]], system: str) -> list[float]:
    """Share of culprit cases whose culprit is within the first k, for k = 1..MAX_K."""
    with_culprit = [c for c in cases if c.get("culprit")]
    if not with_culprit:
        return [0.0] * MAX_K
    curve = []
    for k in range(1, MAX_K + 1):
        if system == "random":
            hits = [min(k, c["candidates"]) / c["candidates"] if c["culprit_in_window"] else 0.0 for c in with_culprit]
        else:
            hits = [1.0 if (c["ranks"].get(system) or 10**9) <= k else 0.0 for c in with_culprit]
        curve.append(sum(hits) / len(with_culprit))
    return curve


def plot_records(records: list[dict[str, Any]], out_dir: Path) -> list[Path]:
    """Write top-k curves and per-tag top-1 bars for each record (labelled by suite and commit)."""
    import matplotlib

    matplotlib.use("Agg")  # files only; no display on servers and CI
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    ks = list(range(1, MAX_K + 1))
    fig, axes = plt.subplots(1, len(records), figsize=(6 * len(records), 4.5), squeeze=False)
    for ax, record in zip(axes[0], records, strict=True):
        for system in SYSTEMS:
            style = {"linewidth": 2.5} if system == "sleuth" else {"linestyle": "--"}
            ax.plot(ks, top_k_curve(record["cases"], system), marker="o", label=system, **style)
        ax.set(xlabel="k", ylabel="culprit within top k", ylim=(0, 1.02), title=_label(record))
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right")
    fig.tight_layout()
    path = out_dir / "top_k.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)

    for index, record in enumerate(records):
        tags = record.get("tags") or {}
        if not tags:
            continue
        names = list(tags)
        fig, ax = plt.subplots(figsize=(max(6.0, 0.9 * len(names) + 2), 4.5))
        width = 0.8 / len(SYSTEMS)
        for offset, system in enumerate(SYSTEMS):
            values = [
                (tags[t]["sleuth"] if system == "sleuth" else tags[t]["baselines"][system]).get("top1") or 0.0
                for t in names
            ]
            ax.bar([i + offset * width for i in range(len(names))], values, width, label=system)
        ax.set_xticks([i + 0.4 - width / 2 for i in range(len(names))], names, rotation=30, ha="right")
        ax.set(ylabel="top-1", ylim=(0, 1.05), title=f"top-1 per tag: {_label(record)}")
        ax.legend(fontsize="small")
        fig.tight_layout()
        path = out_dir / f"per_tag_{index + 1}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written


def _label(record: dict[str, Any]) -> str:
    commit = (record.get("sleuth", {}).get("commit") or "?")[:8]
    return f"{record['suite']} ({record['mode']}, {commit})"
