"""Test outcomes read from JUnit XML and go test -json; a run that cannot judge says so; ids kept exactly."""

from sleuth.agents.plan import failing_tests_in, pytest_node_id
from sleuth.tools.test_results import match_wanted, parse_go_json, parse_junit, pytest_unjudged

JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="1" failures="1">
<testcase classname="tests.test_time" name="test_naturaldate[test_input4-Jun 17]" file="tests/test_time.py" line="3"/>
<testcase classname="tests.test_time" name="test_naturaldate[a, b [c] – ü]" file="tests/test_time.py" line="3">
  <failure message="assert 1 == 2">boom</failure></testcase>
<testcase classname="tests.test_api.TestClient" name="test_get" file="tests/test_api.py" line="9">
  <error message="fixture failed">x</error></testcase>
<testcase classname="tests.test_api.TestClient" name="test_skip" file="tests/test_api.py" line="12"><skipped/></testcase>
</testsuite></testsuites>"""


def test_junit_gives_exact_node_ids_with_spaces_commas_brackets_and_unicode() -> None:
    got = parse_junit(JUNIT)
    assert got.unjudged is None
    assert got.passed == {
        "tests/test_time.py::test_naturaldate[test_input4-Jun 17]",
        "tests/test_api.py::TestClient::test_skip",
    }
    assert got.failed == {
        "tests/test_time.py::test_naturaldate[a, b [c] – ü]",
        "tests/test_api.py::TestClient::test_get",
    }


def test_unreadable_or_entity_bomb_results_cannot_judge() -> None:
    assert parse_junit("<testsuite><testcase").unjudged
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        + '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
        + '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
        + '<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>'
        + '<testsuite><testcase name="&h;" classname="x"/></testsuite>'
    )
    result = parse_junit(bomb)
    assert result.unjudged or all(len(n) < 10_000 for n in result.passed)


def test_pytest_exit_codes_that_judge_nothing() -> None:
    assert pytest_unjudged(0) is None and pytest_unjudged(1) is None
    assert "INTERNALERROR" in pytest_unjudged(3)
    assert "no tests were collected" in pytest_unjudged(5)
    assert "interrupted" in pytest_unjudged(2)
    assert pytest_unjudged(None)


def test_go_json_events_and_a_package_that_did_not_build() -> None:
    events = "\n".join(
        [
            '{"Action":"run","Package":"m/a","Test":"TestA"}',
            '{"Action":"pass","Package":"m/a","Test":"TestA"}',
            '{"Action":"fail","Package":"m/a","Test":"TestB/case_1"}',
            "not json at all",
        ]
    )
    got = parse_go_json(events)
    assert got.passed == {"TestA"} and got.failed == {"TestB/case_1"} and got.unjudged is None
    broken = parse_go_json(
        '{"Action":"output","Package":"m/a","Output":"FAIL\\tm/a [build failed]\\n"}\n{"Action":"fail","Package":"m/a"}'
    )
    assert broken.unjudged and "did not build" in broken.unjudged


def test_wanted_ids_match_exactly_or_by_a_unique_path_suffix_else_are_said_missing() -> None:
    ran = {"tests/test_checkout.py::test_eu_total", "tests/test_checkout.py::test_us_total"}
    found = match_wanted(["test_checkout.py::test_eu_total", "tests/test_checkout.py::test_us_total", "test_gone"], ran)
    assert found == {
        "test_checkout.py::test_eu_total": "tests/test_checkout.py::test_eu_total",
        "tests/test_checkout.py::test_us_total": "tests/test_checkout.py::test_us_total",
        "test_gone": None,
    }


def test_failing_test_ids_are_read_from_logs_whole() -> None:
    logs = (
        "FAILED tests/test_time.py::test_naturaldate[test_input4-Jun 17] - AssertionError: assert 'x'\n"
        "ERROR tests/test_a.py::TestA::test_b[a, b [c]] - fixture\n"
        "FAILED tests/test_c.py::test_cut[never closed\n"
        "    --- FAIL: TestFoo/bar_baz (0.00s)\n"
    )
    assert failing_tests_in(logs) == [
        "tests/test_time.py::test_naturaldate[test_input4-Jun 17]",
        "tests/test_a.py::TestA::test_b[a, b [c]]",
        "TestFoo/bar_baz",
    ]
    assert pytest_node_id("FAILED tests/test_x.py::test_y - boom") == "tests/test_x.py::test_y"
