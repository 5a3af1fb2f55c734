"""The CLI as users run it: real processes, one-line errors, never a traceback."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sleuth.demo.estate import Estate
from tests.conftest import run_sleuth

run = run_sleuth


def assert_one_line_error(result: subprocess.CompletedProcess[str], needle: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], result.stderr


def test_help_does_not_import_torch_or_chroma() -> None:
    code = "import sys; from sleuth.cli import app; assert 'torch' not in sys.modules and 'chromadb' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
    assert run("--help").returncode == 0


def test_investigate_writes_reports(estate: Estate, tmp_path: Path) -> None:
    out_json, out_md = tmp_path / "r.json", tmp_path / "r.md"
    result = run(
        "investigate",
        str(estate.incident_path),
        "--repo",
        str(estate.repos["payments"]),
        "--deploys",
        str(estate.deploys_path),
        "--json",
        str(out_json),
        "--md",
        str(out_md),
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(out_json.read_text())
    assert data["schema_version"] == "1.0"
    assert data["hypotheses"][0]["culprit_sha"] == estate.culprit_sha
    assert data["fix"]["validated"] is True
    assert estate.culprit_sha[:10] in out_md.read_text()


def test_malformed_incident_file(tmp_path: Path, estate: Estate) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"title": "x", ')
    assert_one_line_error(run("investigate", str(bad), "--repo", str(estate.repos["payments"])), "not valid")
    missing = tmp_path / "missing.json"
    missing.write_text('{"title": "x"}')
    assert_one_line_error(run("investigate", str(missing), "--repo", "."), "started_at")
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\x00\x01\x02garbage")
    assert_one_line_error(run("investigate", str(binary), "--repo", "."), "binary")


def test_repo_that_is_not_git(tmp_path: Path, estate: Estate) -> None:
    result = run("investigate", str(estate.incident_path), "--repo", str(tmp_path))
    assert_one_line_error(result, "not a git repository")


def test_incident_without_stack_trace(tmp_path: Path, estate: Estate) -> None:
    incident = tmp_path / "i.yaml"
    incident.write_text("title: checkout slow\nlogs: p99 latency is 4s\nstarted_at: 2026-10-29T09:15:00Z\n")
    result = run("investigate", str(incident), "--repo", str(estate.repos["payments"]))
    assert_one_line_error(result, "no stack trace")


def test_empty_window(tmp_path: Path, estate: Estate) -> None:
    incident = json.loads(estate.incident_path.read_text())
    incident["started_at"] = "2026-12-25T00:00:00Z"
    path = tmp_path / "late.json"
    path.write_text(json.dumps(incident))
    result = run("investigate", str(path), "--repo", str(estate.repos["payments"]), "--window-days", "3")
    assert_one_line_error(result, "no changes were merged")


@pytest.mark.parametrize("as_json", [True, False])
def test_signals_from_stdin(as_json: bool) -> None:
    log = "Traceback (most recent call last):\n  File \"/app/x.py\", line 3, in f\n    g()\nKeyError: 'eur'\n"
    result = run("signals", "-", *(["--json"] if as_json else []), stdin=log)
    assert result.returncode == 0, result.stderr
    if as_json:
        data = json.loads(result.stdout)
        assert data["exceptions"] == [
            {
                "type": "KeyError",
                "message": "'eur'",
                "language": "python",
                "innermost_first": False,
                "frames": [{"file": "/app/x.py", "line": 3, "function": "f", "in_app": True}],
            }
        ]
        assert data["error_class"] == "logic_bug"
    else:
        assert "KeyError" in result.stdout


def test_signals_finds_a_trace_in_the_middle_of_a_huge_log_file(tmp_path: Path) -> None:
    trace = "Traceback (most recent call last):\n  File \"/app/x.py\", line 3, in f\n    g()\nKeyError: 'eur'\n"
    noise = "2026-01-01T00:00:00Z INFO request served in 3 ms path=/api/v1/items\n" * 150_000  # ~10 MB
    log = tmp_path / "app.log"
    log.write_text(noise + trace + noise)
    result = run("signals", str(log), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [exc["type"] for exc in data["exceptions"]] == ["KeyError"]
    assert "skipped the rest" in data["notes"][0]
    plain = run("signals", str(log))
    assert "note: the log is " in plain.stdout and "[app] /app/x.py:3 in f" in plain.stdout


@pytest.mark.parametrize(
    ("name", "text", "needle"),
    [
        ("tab.yaml", "title: x\nlogs:\n\t- KeyError\nstarted_at: 2026-10-29T09:12:00Z\n", "not valid YAML at line 3"),
        ("deep.json", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("deep.yaml", "a: " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    ],
)
def test_a_malformed_incident_file_is_one_line_for_every_command(
    tmp_path: Path, estate: Estate, name: str, text: str, needle: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    for command in (["signals", str(path)], ["investigate", str(path), "--repo", str(estate.repos["payments"])]):
        assert_one_line_error(run(*command), needle)


def test_a_report_path_in_a_missing_folder_is_refused_before_any_work(tmp_path: Path, estate: Estate) -> None:
    target = tmp_path / "no" / "such" / "report.json"
    result = run(
        "investigate", str(estate.incident_path), "--repo", str(estate.repos["payments"]), "--json", str(target)
    )
    assert_one_line_error(result, "folder")
    assert not target.parent.exists()


def test_a_nul_in_the_incident_reaches_no_command_line(tmp_path: Path, estate: Estate) -> None:
    data = json.loads(estate.incident_path.read_text())
    data["failing_tests"] = ["tests/test_checkout.py::test_eu\u0000_total"]
    data["logs"] = data["logs"].replace("KeyError", "Key\u0000Error", 1)
    path = tmp_path / "nul.json"
    path.write_text(json.dumps(data))
    out = tmp_path / "r.json"
    result = run(
        "investigate",
        str(path),
        "--repo",
        str(estate.repos["payments"]),
        "--deploys",
        str(estate.deploys_path),
        "--json",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(out.read_text())["hypotheses"][0]["culprit_sha"] == estate.culprit_sha


def test_a_damaged_index_says_reset(tmp_path: Path, estate: Estate) -> None:
    import os

    home = Path(os.environ["SLEUTH_HOME"])
    store = home / "index" / "sidecar.sqlite3"
    store.parent.mkdir(parents=True, exist_ok=True)
    store.write_bytes(b"SQLite format 3\x00" + os.urandom(8192))
    for command in (
        ["index", "status"],
        ["investigate", str(estate.incident_path), "--repo", str(estate.repos["payments"])],
    ):
        assert_one_line_error(run(*command), "index reset")


def test_the_report_says_what_to_do_links_the_forge_and_writes_the_patch(tmp_path: Path, estate: Estate) -> None:
    import os
    import shutil

    repo = tmp_path / "payments"
    shutil.copytree(estate.repos["payments"], repo, symlinks=True)
    subprocess.run(["git", "-C", str(repo), "remote", "add", "origin", "git@github.com:acme/payments.git"], check=True)
    md = tmp_path / "out" / "report.md"
    md.parent.mkdir()
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("sleuth")),
            "investigate",
            str(estate.incident_path),
            "--repo",
            str(repo),
            "--deploys",
            str(estate.deploys_path),
            "--md",
            str(md),
        ],
        capture_output=True,
        text=True,
        env=os.environ | {"COLUMNS": "80"},
    )
    assert result.returncode == 0, result.stderr
    text = md.read_text()
    sha = estate.culprit_sha
    assert f"(https://github.com/acme/payments/commit/{sha})" in text  # the forge, from the origin remote
    assert "https://github.com/acme/payments/blob/" in text and "- **Roll back** payments in production to" in text
    assert "## Timeline" in text and "first error (incident logs)" in text and "deploy shipped" in text
    # The terminal shows the summary, readable at 80 columns; the candidates table is in the file.
    assert max(len(line) for line in result.stdout.splitlines()) <= 80 and "What to do" in result.stdout
    assert "| rank |" not in result.stdout and "| rank |" in text
    patch = tmp_path / "out" / "report.patch"
    check = subprocess.run(["git", "-C", str(repo), "apply", "--check", str(patch)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr  # applies to the branch as it is
