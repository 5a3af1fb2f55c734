"""`sleuth deploy ingest|list|correlate` on the demo estate, as users run them."""

import json
import subprocess
from pathlib import Path

import pytest

from sleuth.demo.estate import Estate
from tests.conftest import run_sleuth

pytestmark = pytest.mark.integration


def run(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return run_sleuth(*args, cwd=cwd, stdin=stdin)


@pytest.fixture
def project(tmp_path: Path, estate: Estate) -> Path:
    (tmp_path / "sleuth.toml").write_text(
        f'[services.payments]\nrepo = "{estate.repos["payments"]}"\n[index]\npath = "{tmp_path / "index"}"\n'
    )
    return tmp_path


def test_correlate_flags_the_deploy_just_before_the_anomaly(project: Path, estate: Estate) -> None:
    result = run(
        project,
        "deploy",
        "correlate",
        "payments",
        "--incident",
        str(estate.incident_path),
        "--since",
        "2d",
        "--deploys",
        str(estate.deploys_path),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    flagged = [d for d in data["deploys"] if d["near_anomaly"]]
    assert len(flagged) == 1
    assert estate.culprit_sha in [c["sha"] for c in flagged[0]["changes"]]
    assert not any(d["near_anomaly"] for d in data["deploys"][1:])
    # Human output highlights the same deploy and lists its changes.
    text = run(
        project,
        "deploy",
        "correlate",
        "payments",
        "--at",
        "2026-10-29T09:12:00Z",
        "--since",
        "2d",
        "--deploys",
        str(estate.deploys_path),
    )
    assert text.returncode == 0, text.stderr
    first = text.stdout.split("\n2026-10-28")[0]
    assert "⚠ shipped ≤30 min before the anomaly" in first
    assert "Speed up currency conversion on the hot path" in first


def test_ingest_then_list_from_the_index(project: Path, estate: Estate) -> None:
    deploys = json.loads(estate.deploys_path.read_text())
    bad = [
        {"service": "payments", "sha": "feedfacefeedfacefeedfacefeedfacefeedface", "at": "2026-10-29T10:00:00Z"},
        {"service": "payments", "sha": "zz", "at": "2026-10-29T10:05:00Z"},
    ]
    path = project / "deploys.json"
    path.write_text(json.dumps(deploys + bad))
    ingested = run(project, "deploy", "ingest", str(path))
    assert ingested.returncode == 0, ingested.stderr
    # Neither is stored: an unknown "running sha" would otherwise block every later investigation.
    assert f"{len(deploys) + 2} deploy(s) read, {len(deploys)} new" in ingested.stdout
    assert "feedfacefeed is not in payments" in ingested.stdout and "'zz' is not a commit sha" in ingested.stdout
    again = run(project, "deploy", "ingest", str(path))
    assert f"{len(deploys) + 2} deploy(s) read, 0 new" in again.stdout
    # A feed on stdin (JSON Lines), e.g. from a CD system's webhook log.
    payments_sha = [d["sha"] for d in deploys if d["service"] == "payments"][-1]
    feed = json.dumps({"service": "payments", "sha": payments_sha, "at": "2026-10-30T09:00:00Z"}) + "\n"
    piped = run(project, "deploy", "ingest", "-", stdin=feed)
    assert piped.returncode == 0 and "1 deploy(s) read, 1 new" in piped.stdout, piped.stderr
    listed = run(project, "deploy", "list", "payments", "--since", "2w", "--json")
    assert listed.returncode == 0, listed.stderr
    # Counting back from now finds nothing in the demo's past: said, with the way to look there.
    quiet = run(project, "deploy", "list", "payments", "--since", "1d", "--json")
    assert any("use --at 2026-10-30T09:00Z" in note for note in json.loads(quiet.stdout)["notes"])
    at = run(project, "deploy", "list", "payments", "--since", "2d", "--at", "2026-10-30T10:00:00Z", "--json")
    assert json.loads(at.stdout)["deploys"][0]["deploy"]["sha"] == payments_sha
    # "now" is later than the demo's October deploys, so use correlate's explicit time for a window.
    window = run(project, "deploy", "correlate", "payments", "--at", "2026-10-29T10:30:00Z", "--since", "3h", "--json")
    data = json.loads(window.stdout)
    assert [d["unknown_sha"] for d in data["deploys"]] == [False]
    assert not any("feedfacefeed" in note for note in data["notes"])


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        (
            "d.csv",
            "service,environment,sha,at\npayments,production,abc,2026-10-01T09:00:00Z\npayments,production,def,not-a-time\n",
            "d.csv:3: invalid deploy: at",
        ),
        (
            "d.jsonl",
            '{"service": "payments", "sha": "abc", "at": "2026-10-01T09:00:00Z"}\n{"service": "payments"\n',
            "d.jsonl:2: not valid JSON",
        ),
        (
            "d.json",
            '[{"service": "payments", "sha": "abc", "at": "2026-10-01T09:00:00Z"}, 7]',
            "d.json:2: invalid deploy: not an object",
        ),
    ],
)
def test_malformed_deploy_files_name_the_line(project: Path, name: str, content: str, needle: str) -> None:
    path = project / name
    path.write_text(content)
    result = run(project, "deploy", "ingest", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert needle in result.stderr.replace(str(project) + "/", "")


def test_remove_takes_out_one_deploy_and_refuses_an_ambiguous_one(project: Path, estate: Estate) -> None:
    deploys = [d for d in json.loads(estate.deploys_path.read_text()) if d["service"] == "payments"]
    last = deploys[-1]
    # A wrong row in the feed: the right sha shipped again to production a day later.
    wrong = {**last, "at": "2026-10-30T12:00:00Z"}
    path = project / "deploys.json"
    path.write_text(json.dumps([*deploys, wrong]))
    assert run(project, "deploy", "ingest", str(path)).returncode == 0

    ambiguous = run(project, "deploy", "remove", "payments", last["sha"][:10])
    assert ambiguous.returncode == 2 and "2 deploys of 'payments' match" in ambiguous.stderr
    assert "--at" in ambiguous.stderr and "Traceback" not in ambiguous.stderr
    missing = run(project, "deploy", "remove", "payments", "deadbeef")
    assert missing.returncode == 2 and "no stored deploy of 'payments' matches sha deadbeef" in missing.stderr

    removed = run(project, "deploy", "remove", "payments", last["sha"][:10], "--at", wrong["at"])
    assert removed.returncode == 0, removed.stderr
    assert "removed the deploy of payments/" in removed.stdout and "2026-10-30 12:00" in removed.stdout
    listed = run(project, "deploy", "correlate", "payments", "--at", "2026-10-31T00:00:00Z", "--since", "3d", "--json")
    times = [d["deploy"]["at"] for d in json.loads(listed.stdout)["deploys"]]
    assert not any(t.startswith("2026-10-30T12:00") for t in times) and times
    # The rest of the history is intact: the right deploy is still there.
    assert len(times) == len([d for d in deploys if d["at"] >= "2026-10-28"])
