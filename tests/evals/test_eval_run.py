"""`sleuth eval run` end to end on generated scenarios: hidden truth and future, determinism, records, plots."""

import json
import os
import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest

from sleuth.config import Settings
from sleuth.errors import SleuthError
from sleuth.evals.cases import dump_cases, load_cases
from sleuth.evals.history import CaseHost, RepoHistory
from sleuth.evals.runner import for_mode, run_cases
from sleuth.evals.scenarios.python_checkout import SPECS
from sleuth.evals.scenarios.spec import build_case
from sleuth.tools.code_host import Mirror
from sleuth.tools.local_git import LocalGitHost
from sleuth.tools.sandbox import BubblewrapSandbox
from tests.conftest import SLEUTH, commit_files, new_repo, run_sleuth
from tests.fakes.openai_chat import ChatServer

CHOSEN = ("py_discount_keyerror", "py_rates_refused", "py_undeployed_newest", "py_region_removed")


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scenarios")
    cases = [build_case(spec, root) for spec in SPECS if spec.name in CHOSEN]
    dump_cases(cases, root / "cases.jsonl")
    return root / "cases.jsonl"


def test_the_investigator_cannot_see_past_started_at(suite: Path, tmp_path: Path) -> None:
    case = next(c for c in load_cases(suite) if c.id == "py_undeployed_newest")
    history = RepoHistory(case.repo, case.branch)
    early = history.changes[2].merged_at + timedelta(minutes=1)
    host = CaseHost(history, early)
    later = history.changes[3].sha
    assert [c.sha for c in host.changes("main", early - timedelta(days=90), early + timedelta(days=90))] == [
        c.sha for c in history.changes[:3]
    ][::-1]
    with pytest.raises(SleuthError, match="after the incident"):
        host.diff(later)
    with pytest.raises(SleuthError, match="after the incident"):
        host.resolve("main")
    # A mirror like any other (composition, not a LocalGitHost subclass), with the same guard on ancestry.
    assert isinstance(host, Mirror) and isinstance(history.host, Mirror) and not isinstance(host, LocalGitHost)
    assert host.is_ancestor(history.changes[0].sha, history.changes[2].sha)
    assert not host.is_ancestor(later, history.changes[2].sha)
    assert host.head_at("main", early + timedelta(days=30)) == history.changes[2].sha
    # The sandbox clone at that ref keeps no branch, tag or reflog leading to later commits.
    with BubblewrapSandbox() as sandbox:
        sandbox.clone(case.repo, history.changes[2].sha)
        listed = sandbox.run(["git", "log", "--all", "--reflog", "--format=%H"]).output.split()
    assert later not in listed and history.changes[2].sha in listed


def test_a_change_merged_in_the_incidents_very_second_is_not_the_running_code(tmp_path: Path) -> None:
    # mpv's history: one push of rebased commits shares a commit date, and the fix is one of them.
    repo = new_repo(tmp_path / "r")
    commit_files(repo, {"a.py": "a = 1\n"}, "first", when="2026-10-01T10:00:00+00:00")
    commit_files(repo, {"a.py": "a = 2\n"}, "second", when="2026-10-02T10:00:00+00:00")
    commit_files(repo, {"a.py": "a = 3\n"}, "same second as the incident", when="2026-10-02T10:00:00+00:00")
    history = RepoHistory(repo, "main")
    first = history.changes[0]
    host = CaseHost(history, history.changes[1].merged_at)  # the incident starts in that second
    assert host.head_at("main", history.changes[1].merged_at + timedelta(days=1)) == first.sha
    assert host.resolve(host.head_at("main", first.merged_at + timedelta(days=1))) == first.sha


def test_offline_mode_calls_no_model_even_for_embeddings() -> None:
    configured = Settings(llm={"model": "gpt-x"}, index={"embedding": "openai", "embedding_api_key": "sk-test"})
    offline = for_mode(configured, "offline")
    assert offline.llm.model is None and offline.index.embedding == "minilm"
    assert for_mode(configured, "llm").index.embedding == "openai"


def test_eval_run_is_deterministic_and_finds_the_culprits(suite: Path) -> None:
    cases = load_cases(suite)
    first = run_cases(cases, workers=2)
    second = run_cases(cases, workers=1)
    assert [(r.id, r.ranks, r.sleuth_top, r.abstained) for r in first] == [
        (r.id, r.ranks, r.sleuth_top, r.abstained) for r in second
    ]
    by_id = {r.id: r for r in first}
    assert all(r.error is None for r in first)
    # No index in an eval run: the window's headlines are embedded in memory (the second run hit the cache).
    assert all("semantic" in c.features for r in first for c in r.ranking)
    assert by_id["py_discount_keyerror"].ranks["sleuth"] == 1 and by_id["py_discount_keyerror"].fix_validated
    assert by_id["py_rates_refused"].abstained and by_id["py_rates_refused"].predicted_class == "dependency_down"
    # The newest changes were never deployed: recency is fooled, sleuth is not.
    assert by_id["py_undeployed_newest"].ranks["recency"] > 1 and by_id["py_undeployed_newest"].ranks["sleuth"] == 1
    assert by_id["py_region_removed"].ranks["sleuth"] == 1 and by_id["py_region_removed"].named_file == "app/rates.py"


def test_cli_run_writes_the_record_and_report_plots_and_compares(suite: Path, tmp_path: Path) -> None:
    out = tmp_path / "runs"
    done = run_sleuth("eval", "run", str(suite), "--workers", "2", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "| sleuth |" in done.stdout and "| bm25 |" in done.stdout
    records = sorted(out.glob("*.json"))
    record = json.loads(records[0].read_text())
    assert record["mode"] == "offline" and record["sleuth"]["commit"] and "dirty" in record["sleuth"]
    assert {c["id"] for c in record["cases"]} == set(CHOSEN)
    assert set(record["metrics"]["baselines"]) == {"random", "recency", "bm25", "blame"}
    assert "python" in record["tags"] and (out / records[0].with_suffix(".md").name).exists()
    versus_bm25 = record["significance"]["all"]["bm25"]["mrr"]
    assert versus_bm25["cases"] == record["metrics"]["with_culprit"] and 0 < versus_bm25["p_value"] <= 1
    assert "## sleuth minus each baseline" in records[0].with_suffix(".md").read_text()
    second = out / "second.json"
    second.write_text(records[0].read_text())
    plots = tmp_path / "plots"
    done = run_sleuth("eval", "report", str(records[0]), str(second), "--plots", str(plots))
    assert done.returncode == 0, done.stderr
    assert "# Comparison" in done.stdout and "0 case(s) changed rank" in done.stdout
    assert "| MRR | +0.00 [+0.00, +0.00] p=1 tied |" in done.stdout
    assert (plots / "top_k.png").read_bytes()[:4] == b"\x89PNG" and (plots / "per_tag_1.png").exists()
    assert record["ranking_weights"]["held_out"] and record["cases"][0]["ranking"][0]["features"]


def test_llm_mode_runs_the_configured_model_and_counts_its_calls(
    suite: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    done = run_sleuth("eval", "run", str(suite), "--mode", "llm", "--out", str(tmp_path / "none"))
    assert done.returncode == 2 and "--mode llm needs a chat model" in done.stderr
    with ChatServer.running(["region", "discount"]) as server:
        monkeypatch.setenv("SLEUTH_LLM__MODEL", "judge-1")
        monkeypatch.setenv("SLEUTH_LLM__BASE_URL", server.url)
        offline = run_sleuth("eval", "run", str(suite), "--out", str(tmp_path / "offline"))
        assert offline.returncode == 0 and not server.requests  # offline never calls a configured model
        done = run_sleuth("eval", "run", str(suite), "--mode", "llm", "--out", str(tmp_path / "llm"))
    assert done.returncode == 0, done.stderr
    record = json.loads(next((tmp_path / "llm").glob("*.json")).read_text())
    assert (record["mode"], record["model"]) == ("llm", "judge-1")
    by_id = {c["id"]: c for c in record["cases"]}
    assert len(server.requests) == sum(c["llm_calls"] for c in record["cases"]) >= len(CHOSEN) - 1
    assert record["metrics"]["sleuth"]["tokens_per_case"] > 0
    assert by_id["py_region_removed"]["ranks"]["sleuth"] == 1
    shortlist = by_id["py_region_removed"]["ranking"][:2]
    assert all("llm_judgement" in c["features"] for c in shortlist)  # the model's judgement joined the fusion


def test_cli_fit_learns_weights_and_a_run_on_the_training_suite_says_it_is_not_held_out(
    suite: Path, tmp_path: Path
) -> None:
    out = tmp_path / "runs"
    assert run_sleuth("eval", "run", str(suite), "--out", str(out), "--suite", "train").returncode == 0
    weights = tmp_path / "weights.json"
    done = run_sleuth("eval", "fit", *map(str, out.glob("*.json")), "--out", str(weights))
    assert done.returncode == 0, done.stderr
    learned = json.loads(weights.read_text())
    assert learned["trained_on"][0]["suite"] == "train" and learned["training_cases"] == 3  # culprits only
    assert set(learned["weights"]) >= {"lexical", "removed_mentions", "docs_only"}
    again = tmp_path / "again"
    args = ("--out", str(again), "--suite", "train", "--weights", str(weights))
    done = run_sleuth("eval", "run", str(suite), *args)
    assert done.returncode == 0 and "not a held-out measurement" in done.stdout
    record = json.loads(next(again.glob("*.json")).read_text())
    assert record["ranking_weights"] == {"file": str(weights), "trained_on": ["train"], "held_out": False}
    done = run_sleuth("eval", "fit", str(suite), "--out", str(weights))
    assert done.returncode == 2 and "not a run record" in done.stderr


def test_cli_rejects_a_bad_case_file_and_a_bad_record(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "x", "repo": ".", "incident": {"title": "t", "started_at": "2024-01-01T00:00:00Z"}, "truth": {"culprit": null}, "extra": 1}\n'
    )
    done = run_sleuth("eval", "run", str(bad))
    assert done.returncode == 2 and f"{bad}:1:" in done.stderr and "unknown field" in done.stderr
    done = run_sleuth("eval", "report", str(bad))
    assert done.returncode == 2 and "not a run record" in done.stderr


def test_a_culprit_that_is_not_in_the_repo_stops_the_run(suite: Path, tmp_path: Path) -> None:
    case = json.loads(suite.read_text().splitlines()[0])
    case["repo"] = str(suite.parent / case["repo"])
    case["truth"]["culprit"] = "0" * 40
    path = tmp_path / "wrong.jsonl"
    dump_cases([case], path)
    with pytest.raises(SleuthError, match="is not a commit of"):
        run_cases(load_cases(path))


def test_an_interrupted_run_keeps_its_finished_cases_and_resume_runs_only_the_rest(suite: Path, tmp_path: Path) -> None:
    out = tmp_path / "runs"
    journal = out / "interrupted-offline.journal.jsonl"
    args = ("eval", "run", str(suite), "--workers", "1", "--suite", "interrupted", "--out", str(out))
    env = {**os.environ, "COLUMNS": "200"}
    # A test run in the background (`make test &`) ignores SIGINT, and a child inherits that: restore it.
    with subprocess.Popen(
        [*SLEUTH, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    ) as run:
        deadline = time.monotonic() + 240
        while not (journal.exists() and journal.read_text().count("\n") >= 1) and time.monotonic() < deadline:
            time.sleep(0.2)
        run.send_signal(signal.SIGINT)  # Ctrl-C after the first case
        stdout, stderr = run.communicate(timeout=240)
    assert run.returncode == 130, stdout + stderr
    assert "--resume" in stderr and not list(out.glob("*.md"))
    kept = len(journal.read_text().splitlines())
    assert 1 <= kept < len(CHOSEN)
    with journal.open("a") as torn:
        torn.write('{"key": "cut sho')  # what a kill in mid-write leaves
    done = run_sleuth(*args, "--resume")
    assert done.returncode == 0, done.stderr
    assert f"{kept} reused from" in done.stdout and done.stdout.count("] py_") == len(CHOSEN) - kept
    record = json.loads(next(out.glob("interrupted-*.json")).read_text())
    assert record["resumed_cases"] == kept and {c["id"] for c in record["cases"]} == set(CHOSEN)
    assert not journal.exists()
    fresh = run_sleuth("eval", "run", str(suite), "--workers", "2", "--suite", "fresh", "--out", str(out))
    assert fresh.returncode == 0, fresh.stderr
    again = json.loads(next(out.glob("fresh-*.json")).read_text())
    assert {c["id"]: c["ranks"] for c in again["cases"]} == {c["id"]: c["ranks"] for c in record["cases"]}


def test_a_repository_that_cannot_be_read_fails_only_its_own_cases(tmp_path: Path) -> None:
    # A clone missing one old blob (a large file left out of a snapshot): no case's window needs it.
    repo = new_repo(tmp_path / "svc")
    commit_files(
        repo,
        {"assets/big.dat": "x" * 1000, "app.py": "def total(items):\n    return sum(items)\n"},
        "init",
        when="2026-09-01T10:00:00+00:00",
    )
    commit_files(repo, {"README.md": "svc\n"}, "docs", when="2026-09-02T10:00:00+00:00")
    (repo / "assets" / "big.dat").unlink()
    commit_files(repo, {}, "drop the asset", when="2026-09-03T10:00:00+00:00")
    commit_files(
        repo,
        {"app.py": "def total(items):\n    return sum(i['price'] for i in items)\n"},
        "Price items by their price field",
        when="2026-10-01T10:00:00+00:00",
    )
    culprit = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    blob = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD~3:assets/big.dat"], capture_output=True, text=True
    ).stdout.strip()
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    logs = (
        "Traceback (most recent call last):\n"
        f'  File "{repo}/app.py", line 2, in total\n'
        "    return sum(i['price'] for i in items)\n"
        "TypeError: 'int' object is not subscriptable\n"
    )

    def case(id: str, where: str) -> dict:
        return {
            "id": id,
            "repo": where,
            "incident": {"title": "totals fail", "logs": logs, "started_at": "2026-10-02T10:00:00Z"},
            "window_days": 7,
            "truth": {"culprit": culprit},
        }

    path = tmp_path / "cases.jsonl"
    (tmp_path / "not-a-clone").mkdir()  # e.g. a snapshot whose .git was never restored
    dump_cases([case("gone", str(tmp_path / "not-a-clone")), case("missing-blob", str(repo))], path)
    results = {r.id: r for r in run_cases(load_cases(path), workers=1)}
    assert results["gone"].error and "repository unreadable" in results["gone"].error
    assert "not a git repository" in results["gone"].error
    assert results["missing-blob"].error is None, results["missing-blob"].error
    assert results["missing-blob"].ranks["sleuth"] == 1
