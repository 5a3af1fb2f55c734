"""Leakage rules on real-looking fix messages (EVALS.md): nothing in the symptom points at the answer."""

from sleuth.evals.scrub import is_strict, long_enough, scrub

REVERT_BODY = """This reverts commit 3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f.

Since "Speed up collection by caching conftest lookups" landed, running
`pytest --lf` on a package with nested conftest.py files collects the wrong
directory and reports "no tests ran". See #12345, gh-12346 and
https://github.com/pytest-dev/pytest/pull/12347 for details; changelog/12345.bugfix.rst
describes it. Reported by @someone, thanks Ronny Pfannschmidt.

Revert "Speed up collection by caching conftest lookups"

Co-authored-by: Bruno Oliveira <nicoddemus@gmail.com>
Signed-off-by: Ronny Pfannschmidt <ronny@example.com>"""


def test_revert_message_loses_every_pointer_to_the_culprit() -> None:
    symptom = scrub(
        REVERT_BODY, ["Speed up collection by caching conftest lookups"], ["Ronny Pfannschmidt", "Bruno Oliveira"]
    )
    for leaked in (
        "3f2a9c1d",
        "This reverts",
        "Speed up collection",
        "#12345",
        "12346",
        "12347",
        "pull/",
        "@someone",
        "Ronny",
        "Pfannschmidt",
        "Bruno",
        "Co-authored-by",
        "Signed-off-by",
        "nicoddemus",
        'Revert "',
    ):
        assert leaked not in symptom, leaked
    assert "nested conftest.py files collects the wrong" in symptom
    assert "no tests ran" in symptom
    assert long_enough(symptom)


def test_issue_numbers_in_words_and_short_remainders() -> None:
    symptom = scrub("Fixes issue 4521 and PR 77: regressed in a1b2c3d4e5.", [], [])
    assert "4521" not in symptom and "77" not in symptom and "a1b2c3d" not in symptom
    assert not long_enough(scrub("This reverts commit 0123456789abcdef.\n\nSigned-off-by: A B <a@b.c>", [], []))


def test_sphinx_role_references_are_removed() -> None:
    symptom = scrub(
        "- Address regression introduced in :pull:`9002` that prevented objects returned by "
        "``DataArray.rolling`` from pickling (:issue:`9103`, :pr:`9104`, :gh:`12`).",
        [],
        [],
    )
    for leaked in ("9002", "9103", "9104", "12", ":pull:", ":issue:"):
        assert leaked not in symptom, leaked
    assert "prevented objects returned" in symptom


def test_squash_boilerplate_and_bulleted_reverts_are_not_symptoms() -> None:
    body = (
        '* Revert "Disable the parallel test runner"\n\n* Apply suggestions from code review\n\n'
        "* [pre-commit.ci] auto fixes from pre-commit.com hooks\n\nfor more information, see https://pre-commit.ci\n\n"
        "* Merge branch 'main' into fix-ci\n\n* wip\n\n* Apply suggestions from code review\n\n"
        "* Update whats-new.rst\n\n* Update .pre-commit-config.yaml\n\n* flake8\n\n* Remove trailing whitespaces"
    )
    assert not long_enough(scrub(body, [], []))
    kept = scrub(body + "\n\n* the nightly job hangs forever on Windows runners", [], [])
    assert kept.strip() == "* the nightly job hangs forever on Windows runners"


def test_strict_means_no_content_word_of_the_culprit_title_survives() -> None:
    title = "Cache conftest lookups during collection"
    assert not is_strict("collection now picks the wrong directory", title)
    assert is_strict("running --lf reports that no tests ran on nested packages", title)


def test_curl_style_closing_lines_and_name_trailers_are_trailers() -> None:
    body = (
        "Regression since the resolver rewrite, which moved the buffer into a more narrow\n"
        "scope, but the data in that buffer was used outside of that scope.\n\n"
        "Reported-by: Kamil Dudka\n"
        "Fixes #10123\n"
        "Closes #10124"
    )
    symptom = scrub(body, [], [])
    for leaked in ("Kamil", "Dudka", "Reported-by", "Fixes", "Closes"):
        assert leaked not in symptom, leaked
    assert symptom.endswith("used outside of that scope.")
    # A closing line in mid-text is not a trailer block, but a person's name line still goes.
    kept = scrub("Tested-by: Ada Lovelace\nthe nightly job hangs on Windows\nnote: see the runner logs", [], [])
    assert "Ada" not in kept and "note: see the runner logs" in kept


def test_svn_era_headers_and_git_svn_ids_are_not_symptoms() -> None:
    # Twisted's svn-era messages: reviewer headers on top, a git-svn-id trailer; a revert whose only
    # other line is "Reopens: #N" has no symptom left at all.
    body = (
        "Author: awclin\nReviewer:\nFixes: #4902\n\nFix some mistaken `assertTrue` uses introduced in #2618.\n\n\n"
        "git-svn-id: svn://svn.twistedmatrix.com/svn/Twisted/trunk@30808 bbbe8e31-12d6-0310-92fd-ac37d47ddeeb"
    )
    symptom = scrub(body, ["Add xmlstream observers"], ["exarkun"])
    assert "awclin" not in symptom and "Reviewer" not in symptom and "svn" not in symptom and "30808" not in symptom
    assert symptom.startswith("Fix some mistaken `assertTrue` uses")  # no "Fixes:" stub left above it
    reopen = "Reopens: #5683.\n\n\ngit-svn-id: svn://svn.twistedmatrix.com/svn/Twisted/trunk@35278 bbbe8e31-12d6"
    assert not long_enough(scrub(reopen, ["Require zope.interface 3.6"], []))
