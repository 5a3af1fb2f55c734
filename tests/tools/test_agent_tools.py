"""The reading agent's tools over a real clone in a real sandbox: typed results, caps that say how to
narrow, one error boundary, parse-tree definitions and callers in six languages, and no way out of
the repository or the window."""

import pytest

from sleuth.tools.agent_tools import READ_ONLY_TOOLS, ToolContext, as_langchain_tool, call_tool
from sleuth.tools.agent_tools.blame_range import blame_range
from sleuth.tools.agent_tools.find_callers import find_callers
from sleuth.tools.agent_tools.find_definition import find_definition
from sleuth.tools.agent_tools.grep import grep
from sleuth.tools.agent_tools.list_dir import list_dir
from sleuth.tools.agent_tools.read_file import read_file
from sleuth.tools.agent_tools.show_change import show_change
from sleuth.tools.git_cli import run_git
from sleuth.tools.sandbox import BubblewrapSandbox
from tests.conftest import commit_files, new_repo

SOURCES = {
    "app/rates.py": "TABLE = {'eu': 1.1}\n\n\ndef convert(region):\n    return lookup(region) * 2\n\n\ndef lookup(r):\n    return TABLE[r]\n",
    "web/app.js": "function convert(r) { return lookup(r) }\nconst lookup = (r) => table[r]\nmodule.exports = { convert }\n",
    "web/types.ts": "export function convert(r: string): number { return api.lookup(r) }\n",
    "src/Rates.java": "class Rates { double convert(String r) { return lookup(r); } double lookup(String r) { return 1; } }\n",
    "rates/rates.go": "package rates\n\nfunc Convert(r string) float64 { return lookup(r) }\n\nfunc lookup(r string) float64 { return 1 }\n",
    "Rates/Rates.cs": "class Rates { double Convert(string r) { return Lookup(r); } double Lookup(string r) { return 1; } }\n",
    "lib/rates.rb": "class Rates\n  def convert(r)\n    lookup(r)\n  end\n\n  def lookup(r)\n    1\n  end\nend\n",
    "docs/convert.md": "convert( is documented here, not defined\n",
}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory):
    repo = new_repo(tmp_path_factory.mktemp("tools") / "r")
    commit_files(repo, SOURCES, "Initial import", when="2026-09-01T10:00:00+00:00")
    commit_files(
        repo,
        {
            "app/rates.py": SOURCES["app/rates.py"].replace("TABLE[r]", "TABLE.get(r)"),
            "big.txt": "x" * 50 + "\n" * 0 + ("row\n" * 4000),
        },
        "Look rates up softly",
        when="2026-10-01T10:00:00+00:00",
    )
    suspect = run_git(repo, "rev-parse", "HEAD").stdout.strip()
    with BubblewrapSandbox() as sandbox:
        sandbox.clone(repo, "HEAD")
        yield ToolContext(sandbox=sandbox, window={suspect: "Look rates up softly"}, max_chars=2000), suspect


def test_definitions_and_callers_come_from_parse_trees_in_six_languages(workspace) -> None:
    context, _ = workspace
    found = call_tool(find_definition, context, name="lookup")
    assert found.status == "ok"
    rows = set(found.data.splitlines())
    assert {
        "app/rates.py:8-9 function_definition lookup",
        "web/app.js:2-2 function lookup",
        "src/Rates.java:1-1 method_declaration lookup",
        "rates/rates.go:5-5 function_declaration lookup",
        "lib/rates.rb:6-8 method lookup",
    } <= rows
    assert call_tool(find_definition, context, name="Lookup").data == "Rates/Rates.cs:1-1 method_declaration Lookup"
    none = call_tool(find_callers, context, name="convert")  # defined everywhere, called nowhere
    assert none.status == "empty" and none.data == "no call of convert in a parsed file"  # docs' "convert(" is no call
    callers = set(call_tool(find_callers, context, name="lookup").data.splitlines())
    assert {
        "app/rates.py:5",
        "web/app.js:1",
        "web/types.ts:1",
        "src/Rates.java:1",
        "rates/rates.go:3",
        "lib/rates.rb:3",
    } <= callers
    assert found.evidence is not None and found.evidence.role == "callee"


def test_read_file_marks_lines_the_window_changed_and_caps_big_reads(workspace) -> None:
    context, suspect = workspace
    read = call_tool(read_file, context, path="./app/rates.py", start_line=8, end_line=9)
    assert read.status == "ok" and read.data.splitlines()[2] == f"    9 [{suspect[:10]}]|     return TABLE.get(r)"
    assert read.evidence is not None and read.evidence.excerpt and read.evidence.excerpt.blame[9] == suspect
    big = call_tool(read_file, context, path="big.txt", start_line=1, end_line=4000)
    assert big.truncated and len(big.data) <= 2000
    assert "ask for a smaller start_line..end_line range" in big.text()


def test_grep_list_blame_and_show_change(workspace) -> None:
    context, suspect = workspace
    hits = call_tool(grep, context, pattern="TABLE", path="app")
    assert hits.data.splitlines() == ["app/rates.py:1:TABLE = {'eu': 1.1}", "app/rates.py:9:    return TABLE.get(r)"]
    many = call_tool(grep, context, pattern="row")
    assert many.truncated and "give a path or a more specific pattern" in many.text()
    assert call_tool(grep, context, pattern="no such text anywhere").status == "empty"
    assert set(call_tool(list_dir, context, path="").data.splitlines()) >= {"app", "web", "big.txt"}
    blamed = call_tool(blame_range, context, path="app/rates.py", start_line=8, end_line=9)
    assert f"app/rates.py:9-9 {suspect[:10]} 'Look rates up softly' (in the window)" in blamed.data
    assert blamed.evidence is not None and blamed.evidence.sha == suspect
    shown = call_tool(show_change, context, sha=suspect[:8], path="app/rates.py")
    assert "+    return TABLE.get(r)" in shown.data and shown.evidence and shown.evidence.sha == suspect


def test_the_error_boundary_refuses_escapes_and_shas_outside_the_window(workspace) -> None:
    context, _ = workspace
    for tool, args in [
        (read_file, {"path": "../../etc/passwd"}),
        (read_file, {"path": "/etc/passwd"}),
        (list_dir, {"path": "app/../.."}),
        (read_file, {"path": "no/such/file.py"}),
        (show_change, {"sha": "HEAD~1"}),
        (show_change, {"sha": "0000000"}),
        (find_definition, {"name": "os.system('x')"}),
        (grep, {"pattern": "(", "regex": True}),
    ]:
        result = call_tool(tool, context, **args)
        assert result.status == "error" and result.evidence is None, (tool.__name__, args, result)
    assert "outside the repository" in call_tool(read_file, context, path="../x").data
    assert "not a change in the incident's window" in call_tool(show_change, context, sha="HEAD").data


def test_the_schema_the_model_sees_is_the_signature_and_docstring() -> None:
    tools = {t.name: t for t in (as_langchain_tool(f) for f in READ_ONLY_TOOLS)}
    assert set(tools) == {
        "read_file",
        "grep",
        "list_dir",
        "find_definition",
        "find_callers",
        "blame_range",
        "show_change",
    }
    schema = tools["read_file"].tool_call_schema.model_json_schema()
    assert set(schema["properties"]) == {"path", "start_line", "end_line"} and schema["required"] == ["path"]
    assert "relative to the repository root" in schema["properties"]["path"]["description"]
    assert "context" not in str(schema) and "runtime" not in str(schema)
