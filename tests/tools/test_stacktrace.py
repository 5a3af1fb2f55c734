import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sleuth.tools.stacktrace import parse_exceptions

# The corpus ships inside the repository so a fresh clone's `make test` needs nothing beside it.
CORPUS = Path(__file__).parents[1] / "data" / "stacktraces" / "visible.jsonl"


def _records() -> list[dict]:
    if not CORPUS.is_file():
        pytest.fail(f"stack-trace corpus not found at {CORPUS}")
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]


def _as_labels(text: str) -> dict:
    _, exceptions = parse_exceptions(text)
    return {
        "exceptions": [
            {
                "type": e.type,
                "message": e.message,
                "frames": [
                    {"file": f.file, "line": f.line, "function": f.function, "in_app": f.in_app} for f in e.frames
                ],
            }
            for e in exceptions
        ]
    }


@pytest.mark.parametrize("record", _records() if CORPUS.is_file() else [], ids=lambda r: r["id"])
def test_parses_real_trace_exactly(record: dict) -> None:
    assert _as_labels(record["text"]) == record["expected"]


def test_corpus_is_present_and_complete() -> None:
    records = _records()
    assert len(records) == 30
    assert {r["language"] for r in records} == {
        "python",
        "java",
        "go",
        "javascript",
        "ruby",
        "dotnet",
    }


def test_detects_language() -> None:
    language, _ = parse_exceptions(
        'Traceback (most recent call last):\n  File "/app/x.py", line 3, in f\n    g()\nValueError: bad\n'
    )
    assert language == "python"


def test_python_syntax_error_frame_without_function() -> None:
    text = 'Traceback (most recent call last):\n  File "/app/mod.py", line 7\n    def f(:\n          ^\nSyntaxError: invalid syntax\n'
    _, [exc] = parse_exceptions(text)
    assert (exc.type, exc.message) == ("SyntaxError", "invalid syntax")
    assert exc.frames[0].function is None and exc.frames[0].line == 7


def test_node_error_code_and_lambda_json_stack() -> None:
    payload = json.dumps(
        {
            "errorType": "TypeError",
            "errorMessage": "x is not a function",
            "stack": [
                "TypeError: x is not a function",
                "    at handler (/var/task/index.js:12:5)",
                "    at Runtime.handleOnceNonStreaming (file:///var/runtime/index.mjs:1173:29)",
            ],
        }
    )
    _, [exc] = parse_exceptions(payload)
    assert exc.type == "TypeError" and exc.frames[0].file == "/var/task/index.js"
    _, [coded] = parse_exceptions(
        "Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'x'\n    at new NodeError (node:internal/errors:405:5)\n"
    )
    assert coded.type == "Error [ERR_MODULE_NOT_FOUND]" and coded.frames[0].function == "new NodeError"


def test_go_created_by_in_goroutine_suffix() -> None:
    text = (
        "panic: boom\n\ngoroutine 7 [running]:\nmain.work()\n\t/src/app/main.go:10 +0x1d\n"
        "created by main.main in goroutine 1\n\t/src/app/main.go:5 +0x25\n"
    )
    _, [exc] = parse_exceptions(text)
    assert [f.function for f in exc.frames] == ["main.work", "main.main"]


def test_java_logback_frame_suffix_and_dotnet_inner_exception() -> None:
    _, [exc] = parse_exceptions(
        "java.lang.IllegalArgumentException: bad id\n\tat com.acme.Orders.find(Orders.java:42) ~[orders.jar:1.2]\n"
    )
    assert exc.frames[0].line == 42 and exc.frames[0].in_app
    _, excs = parse_exceptions(
        "System.InvalidOperationException: outer ---> System.ArgumentNullException: Value cannot be null.\n"
        "   at Acme.Orders.Find(String id) in /src/Orders.cs:line 10\n"
        "   --- End of inner exception stack trace ---\n"
        "   at Acme.Api.Get() in /src/Api.cs:line 5\n"
    )
    assert [e.type for e in excs] == [
        "System.InvalidOperationException",
        "System.ArgumentNullException",
    ]
    assert excs[1].frames[0].file == "/src/Orders.cs" and excs[0].frames[0].function == "Acme.Api.Get"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=2000))
def test_never_crashes_on_arbitrary_text(text: str) -> None:
    parse_exceptions(text)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Traceback (most recent call last):",
                '  File "/a.py", line 1, in f',
                "KeyError: 'x'",
                "\tat a.B.c(B.java:1)",
                "Caused by: x.Y: z",
                "goroutine 1 [running]:",
                "main.f()",
                "\t/x.go:3 +0x1",
                "    at f (/a.js:1:2)",
                "a.rb:1:in `f': m (E)",
                "\tfrom a.rb:2:in `g'",
                "   at A.B() in C.cs:line 1",
                " ---> X.Y: z",
                "panic: p",
                '{"a": "b\\nc"}',
                "",
            ]
        ),
        max_size=40,
    )
)
def test_never_crashes_on_trace_like_fragments(lines: list[str]) -> None:
    parse_exceptions("\n".join(lines))
