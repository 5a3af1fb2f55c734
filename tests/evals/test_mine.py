"""`sleuth eval mine` on histories built in the test: squash and merge-commit, bare or not."""

import json
from pathlib import Path

import pytest

from sleuth.evals.cases import load_cases
from sleuth.evals.mine import mine_repository
from tests.conftest import commit_files, git, merge_feature, new_repo

EXPLAINED = (
    "The uploader now hangs when the server closes the connection before the body is sent;\n"
    "uploads stall for thirty minutes and then time out in production."
)


def day(n: int) -> str:
    return f"2026-03-{n:02d}T10:00:00+00:00"


def land(repo: Path, files: dict[str, str], title: str, body: str, when: str, merge: bool, number: int) -> str:
    """Land one PR: a squash commit `title (#N)`, or a merge commit of a one-commit branch."""
    if merge:
        merge_feature(
            repo,
            [(files, f"{title}\n\n{body}", when)],
            f"Merge pull request #{number} from ada/pr-{number}\n\n{title}",
            when,
            branch=f"pr-{number}",
        )
    else:
        commit_files(repo, files, f"{title} (#{number})\n\n{body}", when=when)
    return git(repo, "rev-parse", "HEAD")


def build_history(root: Path, merge: bool) -> dict[str, str]:
    repo = new_repo(root / ("merged" if merge else "squashed"))
    upload = "def upload(data):\n    send(data)\n    return True\n"
    commit_files(
        repo,
        {
            "upload.py": upload,
            "config.py": "SECTIONS = {}\n",
            "tpl.py": "def render(t):\n    return t\n",
            "version.py": "V = '1.1'\n",
        },
        "init",
        when=day(1),
    )
    shas = {}
    shas["retry"] = land(
        repo,
        {"upload.py": upload.replace("    send(data)\n", "    while not send(data):\n        pass\n")},
        "Retry uploads until they succeed",
        "Keeps trying.",
        day(10),
        merge,
        101,
    )
    retry_commit = git(repo, "rev-list", "-1", "--no-merges", "HEAD")
    shas["parse"] = land(
        repo,
        {"config.py": "SECTIONS = {}\n\ndef section(name):\n    return SECTIONS[name]\n"},
        "Speed up config parsing",
        "Faster.",
        day(11),
        merge,
        102,
    )
    shas["cache"] = land(
        repo,
        {"tpl.py": "CACHE = {}\n\ndef render(t):\n    return CACHE.setdefault(t, t)\n"},
        "Cache compiled templates",
        "Faster.",
        day(12),
        merge,
        103,
    )
    shas["bump"] = land(repo, {"version.py": "V = '1.2'\n"}, "Bump version to 1.2", "", day(12), merge, 104)
    # The fixes.
    land(
        repo,
        {"upload.py": upload},
        'Revert "Retry uploads until they succeed"',
        f"This reverts commit {retry_commit}.\n\n{EXPLAINED}\n\nSigned-off-by: Ada <ada@example.com>",
        day(14),
        merge,
        105,
    )
    land(
        repo,
        {"config.py": "SECTIONS = {}\n\ndef section(name):\n    return SECTIONS.get(name, {})\n"},
        "Handle empty sections",
        "Regressed in #102: an empty settings section now raises KeyError while loading the project settings file.",
        "2026-03-15T10:00:00-08:00",  # committed in California: the case must start at 18:00 UTC, not 10:00
        merge,
        106,
    )
    land(
        repo,
        {"tpl.py": "def render(t):\n    return t\n"},
        'Revert "Cache compiled templates"',
        "Rendering shows stale pages after an edit: the same template text is served to every tenant until restart.",
        day(15),
        merge,
        107,
    )
    land(
        repo,
        {"version.py": "V = '1.1'\n"},
        'Revert "Bump version to 1.2"',
        "Not ready to release yet; the release tooling needs another round of changes first.",
        day(16),
        merge,
        108,
    )
    land(
        repo,
        {"upload.py": upload.replace("    send(data)\n", "    while not send(data):\n        pass\n")},
        'Revert "Revert "Retry uploads until they succeed""',
        "Bring it back now that the server side is fixed for everyone.",
        day(17),
        merge,
        109,
    )
    land(
        repo,
        {"tpl.py": "def render(t):\n    return t.strip()\n"},
        'Revert "Cache compiled templates"',
        "This reverts commit 0123456.",
        day(18),
        merge,
        110,
    )
    return {"repo": str(repo), **shas}


@pytest.mark.parametrize("merge", [False, True], ids=["squash", "merge"])
def test_mine_resolves_culprits_and_applies_the_leakage_rules(tmp_path: Path, merge: bool) -> None:
    history = build_history(tmp_path, merge)
    out = tmp_path / "cases.jsonl"
    result = mine_repository(Path(history["repo"]), out, window_days=14)
    cases = {c.truth.culprit: c for c in load_cases(out)}
    assert set(cases) == {history["retry"], history["parse"], history["cache"]}, result.summary()
    assert "revert" in cases[history["retry"]].tags and "by_sha" in cases[history["retry"]].tags
    assert "fix_reference" in cases[history["parse"]].tags and "by_pr" in cases[history["parse"]].tags
    assert "by_title" in cases[history["cache"]].tags
    assert result.skipped["revert_of_revert"] >= 1 and result.skipped["mechanical"] == 1
    for case in cases.values():
        text = case.incident.description + case.incident.title
        assert case.incident.title == ""  # the subject line is dropped
        for leaked in (
            "#10",
            "This reverts",
            "Retry uploads",
            "Cache compiled",
            "Speed up config",
            "Signed-off-by",
            "Ada",
        ):
            assert leaked not in text
        assert case.incident.started_at.isoformat().startswith("2026-03-1")
    assert cases[history["parse"]].incident.started_at.isoformat() == "2026-03-15T17:59:59+00:00"
    assert "uploader now hangs" in cases[history["retry"]].incident.description
    assert "strict" not in cases[history["retry"]].tags  # "uploads" is in the culprit's title and the symptom
    assert "strict" in cases[history["cache"]].tags  # no word of "Cache compiled templates" survives
    assert ("merge" if merge else "squash") in cases[history["retry"]].tags


def test_mine_reads_bare_clones_and_skips_intra_pr_reverts(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "work")
    commit_files(repo, {"a.py": "x = 1\n"}, "init", when=day(1))
    merge_feature(
        repo,
        [
            ({"a.py": "x = 2\n"}, "Try x = 2", day(5)),
            ({"a.py": "x = 1\n"}, 'Revert "Try x = 2"\n\nThis reverts commit HEAD~.\n\n' + EXPLAINED, day(5)),
        ],
        "Merge pull request #7 from ada/x\n\nExperiment with x",
        day(5),
        branch="x",
    )
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    out = tmp_path / "cases.jsonl"
    result = mine_repository(bare, out)
    assert result.cases == 0
    assert result.skipped["intra_pr"] == 1  # blame of the removed line leads back into the same merge
    assert json.loads(out.read_text() or "null") is None


def test_mine_reads_fixes_trailers_sphinx_roles_and_each_fixs_own_release_note(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "notes")
    commit_files(
        repo, {"io.py": "def read(p):\n    return open(p).read()\n", "CHANGES.rst": "Changes\n"}, "init", day(1)
    )
    commit_files(
        repo, {"io.py": "def read(p):\n    return open(p, 'rb').read()\n"}, "Read files as bytes (#21)", day(8)
    )
    culprit = git(repo, "rev-parse", "HEAD")
    commit_files(repo, {"db.py": "POOL = 4\n"}, "Pool database connections (#22)", day(9))
    pool = git(repo, "rev-parse", "HEAD")
    # A fix named by the kernel-style trailer, with its own release-note entry, lands in a merge that
    # also brings a release's worth of other entries: those must not become the symptom.
    entry = "Changes\n- Reading a settings file now returns text, not bytes, again.\n"
    release = "".join(f"- Improved unrelated thing number {n} in the scheduler.\n" for n in range(5))
    fixed = {"io.py": "def read(p):\n    return open(p).read()\n", "CHANGES.rst": entry}
    merge_feature(
        repo,
        [
            (fixed, f"Read text again\n\nFixes: {culprit[:12]}", day(12)),
            ({"CHANGES.rst": entry + release}, "rel", day(12)),
        ],
        "Merge branch 'release-2.0'",
        day(12),
        branch="release-2.0",
    )
    # A fix whose only reference is a Sphinx role in the release note: it must resolve, and not leak.
    commit_files(
        repo,
        {
            "db.py": "POOL = 1\n",
            "CHANGES.rst": "- Fix a regression introduced in :pull:`22` where every worker opened its own "
            "connections until the server refused more (:issue:`30`).\n",
        },
        "Use one connection (#31)",
        day(13),
    )
    out = tmp_path / "cases.jsonl"
    result = mine_repository(repo, out)
    cases = {c.truth.culprit: c for c in load_cases(out)}
    assert set(cases) == {culprit, pool}, result.summary()
    text = cases[culprit].incident.description
    assert "returns text, not bytes" in text and "unrelated thing" not in text and "Fixes" not in text
    pool_text = cases[pool].incident.description
    assert "every worker opened its own connections" in pool_text
    assert "22" not in pool_text and "30" not in pool_text and ":pull:" not in pool_text


def test_putting_back_what_a_revert_button_merge_took_out_is_a_revert_of_a_revert(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "button")
    commit_files(repo, {"meta.py": "def load(d):\n    return d\n"}, "init", when=day(1))
    skip = {"meta.py": "def load(d):\n    if not d.valid:\n        return None\n    return d\n"}
    land(repo, skip, "Skip candidates with invalid metadata", "Discard them.", day(3), True, 201)
    merge_feature(  # GitHub's Revert button: a revert commit on a revert-<N>-<branch> branch, merged
        repo,
        [({"meta.py": "def load(d):\n    return d\n"}, 'Revert "Skip candidates with invalid metadata"', day(4))],
        "Merge pull request #202 from ada/revert-201-skip-invalid",  # no PR title in the body, as in pip's
        day(4),
        branch="revert-201-skip-invalid",
    )
    revert = git(repo, "rev-parse", "HEAD^2")
    why = "The resolver quits outright on one broken distribution instead of trying the next candidate."
    for number, subject in ((203, "Re-apply the invalid metadata skip"), (204, "Bring back the metadata skip")):
        files = {"meta.py": skip["meta.py"] + f"# {number}\n"}
        land(repo, files, subject, f"{why}\n\nThis reverts commit {revert}.", day(number - 197), True, number)
    result = mine_repository(repo, tmp_path / "cases.jsonl", window_days=14)
    assert result.cases == 0 and result.skipped["revert_of_revert"] == 2, result.summary()


def test_a_release_commit_whose_changelog_names_a_culprit_is_not_a_fix(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "r")
    commit_files(repo, {"cache.c": "int cache(void) { return 0; }\n"}, "cache: add a fast path", when=day(2))
    culprit = git(repo, "rev-parse", "HEAD")
    changelog = (
        "Changes since version 1.1.0:\n\n"
        f"* cache: fix a crash introduced in {culprit} when the cache is empty at start-up (Ada Lovelace)\n\n"
        "* build: stop warning about unused variables on every platform (Grace Hopper)\n"
    )
    commit_files(repo, {"ChangeLog": changelog}, f"2026.03.05, Version 1.2.0 (Stable)\n\n{changelog}", when=day(5))
    result = mine_repository(repo, tmp_path / "cases.jsonl", window_days=14)
    assert result.cases == 0 and result.skipped["release"] == 1, result.summary()


def test_a_changelog_assembled_for_a_release_is_not_one_fixs_note(tmp_path: Path) -> None:
    # libevent's style: "Add a changelog for 2.0.5-beta", a whole release's ` o ` entries, one of
    # which names a regression. Those entries describe other fixes, not an incident.
    repo = new_repo(tmp_path / "r")
    commit_files(repo, {"http.c": "int reason(void) { return 0; }\n"}, "Allow empty reason line", when=day(2))
    culprit = git(repo, "rev-parse", "HEAD")
    entries = "".join(f" o Tidy up corner {n} of the event loop (abc{n}def)\n" for n in range(4))
    changelog = f"Changes in 2.0.5-beta:\n o Fix a regression introduced in {culprit[:9]}\n{entries}"
    commit_files(repo, {"ChangeLog": changelog}, "Add a changelog for 2.0.5-beta", when=day(5))
    result = mine_repository(repo, tmp_path / "cases.jsonl", window_days=14)
    assert result.cases == 0, result.summary()


def test_a_regression_due_to_a_ticket_resolves_to_the_change_that_closed_it(tmp_path: Path) -> None:
    # SQLAlchemy's and Alembic's style: Gerrit merges, "Fixes: #N" trailers naming the issue closed,
    # and fixes that cite the culprit by ticket ("regression in 1.2.0 due to :ticket:`17`").
    repo = new_repo(tmp_path / "gerrit")
    commit_files(repo, {"reflect.py": "def tables(names):\n    return load(names)\n"}, "init", when=day(1))

    def gerrit(files: dict[str, str], title: str, trailers: str, when: str) -> str:
        message = f'Merge "{title}" into main'
        merge_feature(repo, [(files, f"{title}\n\n{trailers}", when)], message, when, branch=title.replace(" ", "-"))
        return git(repo, "rev-parse", "HEAD")

    culprit = gerrit(
        {"reflect.py": "def tables(names):\n    return load(n for n in names if n in WANTED)\n"},
        "skip reflection of unrequested tables",
        "Fixes: #17\nChange-Id: I0b2c9a1e",
        day(5),
    )
    gerrit({"render.py": "QUOTE = '\"'\n"}, "quote reserved words", "Fixes: #18\nChange-Id: I77aa0d3c", day(6))
    why = (
        "Fixed regression in version 1.2.0 due to :ticket:`17` where autogenerate would raise\n"
        "NoReferencedTableError when a foreign key referred to a table outside the reflection run."
    )
    only_in_note = "Placeholder tables may be visible to include_object hooks."
    fragment = ".. change::\n    :tags: bug, autogenerate\n    :tickets: 19\n\n" + "".join(
        f"    {line}\n" for line in [*why.splitlines(), only_in_note]
    )  # the changelog fragment repeats the message, as SQLAlchemy's and Alembic's do
    # A first step towards the same fix: the incident was known by then, so it starts there.
    gerrit(
        {"docs/reflection.rst": "Remote tables are not reflected.\n"}, "document remotes", "Works around #19", day(8)
    )
    gerrit(
        {"reflect.py": "def tables(names):\n    return load(names)\n", "docs/build/unreleased/19.rst": fragment},
        "create placeholder tables for non-reflected remotes",
        f"{why}\n\nFixes: #19\nChange-Id: I93ea9a41",
        day(9),
    )
    unresolved = "Fixed regression caused by :ticket:`12` where rendering dropped the schema of every index."
    gerrit({"render.py": "QUOTE = '`'\n"}, "keep index schema", f"{unresolved}\n\nFixes: #20", day(10))
    out = tmp_path / "cases.jsonl"
    result = mine_repository(repo, out)
    (case,) = load_cases(out)
    assert case.truth.culprit == culprit and "by_issue" in case.tags, result.summary()
    assert case.incident.started_at.isoformat() == "2026-03-08T09:59:59+00:00"
    assert result.skipped["culprit_unresolved"] == 1, result.summary()
    text = case.incident.description
    assert text.count("NoReferencedTableError") == 1 and only_in_note in text
    assert "change::" not in text and "tags:" not in text
    assert "17" not in text and ":ticket:" not in text and "Change-Id" not in text and "Fixes" not in text
