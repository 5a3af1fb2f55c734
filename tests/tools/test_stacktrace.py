import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sleuth.evals.trace_corpus import parsed_labels
from sleuth.tools.stacktrace import parse_exceptions

# The corpus ships inside the repository so a fresh clone's `make test` needs nothing beside it.
CORPUS = Path(__file__).parents[1] / "data" / "stacktraces" / "visible.jsonl"


def _records() -> list[dict]:
    if not CORPUS.is_file():
        pytest.fail(f"stack-trace corpus not found at {CORPUS}")
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("record", _records() if CORPUS.is_file() else [], ids=lambda r: r["id"])
def test_parses_real_trace_exactly(record: dict) -> None:
    assert {"exceptions": parsed_labels(record["text"])} == record["expected"]


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
                "github.com/a/b.(*T).F(0x1,",
                "\t0x2)",
                "System.Net.Sockets.SocketException (111): refused",
                "E: m\\n   at A.B()\\n   at C.D() in C:\\\\new\\\\x.cs:line 2\\n--- End",
                "X: y at a.B.c(B.java:1) at a.B.d(B.java:2) at f (/a.js:1:2)",
                "T.M (System.String s) (at Assets/A.cs:1) T.N () (at Assets/A.cs:2)",
                "### Stacktrace ###",
                "### Reason ###",
                "     Failure/Error: x",
                "     # ./spec/a_spec.rb:5:in `block (2 levels) in <top (required)>'",
                "ActionView::MissingTemplate (Missing x",
                "):",
            ]
        ),
        max_size=40,
    ),
    st.lists(st.sampled_from(["", "api_1    | ", "0|app  | ", "E/AndroidRuntime( 12): ", "Mar 03 12:00:00 h a[1]: "])),
)
def test_never_crashes_on_trace_like_fragments(lines: list[str], prefixes: list[str]) -> None:
    """Stacked log-shipper prefixes over any trace-like fragments parse, and plan() classifies them."""
    from datetime import UTC, datetime

    from sleuth.agents.plan import plan
    from sleuth.models import Incident

    prefix = "".join(prefixes)
    text = "\n".join(prefix + line for line in lines)
    parse_exceptions(text)
    plan(Incident(logs=text, started_at=datetime(2026, 1, 1, tzinfo=UTC)))


def test_error_class_survives_app_frame_without_file() -> None:
    """A .NET app frame prints no file; classifying it once raised TypeError out of `sleuth signals`."""
    from datetime import UTC, datetime

    from sleuth.agents.plan import plan
    from sleuth.models import Incident

    text = "System.InvalidOperationException: bad state\n   at Acme.Orders.Service.Place()\n"
    found = plan(Incident(logs=text, started_at=datetime(2026, 1, 1, tzinfo=UTC)))
    assert found.exceptions[0].frames[0].file is None and found.exceptions[0].frames[0].in_app


def test_python_traceback_pasted_without_header() -> None:
    text = (
        "I got this:\n"
        '  File "/app/main.py", line 3, in <module>\n    main()\n'
        '  File "/usr/lib/python3.10/json/__init__.py", line 346, in loads\n    return d(s)\n'
        "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)\n"
    )
    _, [exc] = parse_exceptions(text)
    assert exc.type == "json.decoder.JSONDecodeError"
    assert [(f.file, f.line, f.in_app) for f in exc.frames] == [
        ("/app/main.py", 3, True),
        ("/usr/lib/python3.10/json/__init__.py", 346, False),
    ]


def test_go_call_with_argument_list_wrapped_over_lines() -> None:
    text = (
        "panic: runtime error: invalid memory address or nil pointer dereference\n"
        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a5b3c]\n\n"
        "goroutine 1 [running]:\n"
        "github.com/foo/bar/pkg.(*Server).Handle(0xc000010000,\n\t0x0, 0x0)\n"
        "\t/home/u/go/src/github.com/foo/bar/pkg/server.go:42 +0x1c\n"
        "main.main()\n\t/home/u/go/src/github.com/foo/bar/main.go:10 +0x25\nexit status 2\n"
    )
    _, [exc] = parse_exceptions(text)
    assert [(f.function, f.line) for f in exc.frames] == [
        ("github.com/foo/bar/pkg.(*Server).Handle", 42),
        ("main.main", 10),
    ]


def test_node_error_behind_compose_and_pm2_prefixes() -> None:
    text = (
        "api_1    | 0|user.ser | Error [ERR_MODULE_NOT_FOUND]: Cannot find module '/app/db' imported from /app/i.js\n"
        "api_1    | 0|user.ser |     at new NodeError (node:internal/errors:405:5)\n"
        "api_1    | 0|user.ser |     at main (/app/dist/index.js:3:1)\n"
    )
    _, [exc] = parse_exceptions(text)
    assert exc.type == "Error [ERR_MODULE_NOT_FOUND]"
    assert [(f.file, f.in_app) for f in exc.frames] == [("node:internal/errors", False), ("/app/dist/index.js", True)]


def test_android_logcat_caused_by_and_proguard_source_file() -> None:
    text = (
        "E/AndroidRuntime( 1234): FATAL EXCEPTION: main\n"
        "E/AndroidRuntime( 1234): java.lang.RuntimeException: Unable to start activity\n"
        "E/AndroidRuntime( 1234): \tat android.app.ActivityThread.performLaunchActivity(ActivityThread.java:2416)\n"
        "E/AndroidRuntime( 1234): Caused by: java.lang.NullPointerException: boom\n"
        "E/AndroidRuntime( 1234): \tat com.x.Main.onCreate(SourceFile:394)\n"
        "E/AndroidRuntime( 1234): \t... 11 more\n"
    )
    _, excs = parse_exceptions(text)
    assert [e.type for e in excs] == ["java.lang.RuntimeException", "java.lang.NullPointerException"]
    assert (excs[1].frames[0].file, excs[1].frames[0].line, excs[1].frames[0].in_app) == ("SourceFile", 394, True)


def test_dotnet_inner_exceptions_after_a_multi_line_message() -> None:
    text = (
        "Unhandled exception. System.AggregateException: One or more errors occurred. (refused\n"
        "second line of message)\n"
        " ---> System.Net.Http.HttpRequestException: Connection refused (localhost:5000)\n"
        " ---> System.Net.Sockets.SocketException (111): Connection refused\n"
        "   at System.Net.Sockets.Socket.Connect(EndPoint remoteEP)\n"
        "   --- End of inner exception stack trace ---\n"
        "   at System.Net.Http.HttpConnectionPool.ConnectAsync(HttpRequestMessage request)\n"
        "   --- End of inner exception stack trace ---\n"
        "   at App.Program.Main(String[] args) in /src/App/Program.cs:line 12\n"
    )
    _, excs = parse_exceptions(text)
    assert [(e.type, [f.function for f in e.frames]) for e in excs] == [
        ("System.AggregateException", ["App.Program.Main"]),
        ("System.Net.Http.HttpRequestException", ["System.Net.Http.HttpConnectionPool.ConnectAsync"]),
        ("System.Net.Sockets.SocketException", ["System.Net.Sockets.Socket.Connect"]),
    ]


def test_rspec_failure_gives_type_message_and_hash_frames() -> None:
    text = """  1) Person validates
     Failure/Error: attribute_setter = result.attribute_setter

     NoMethodError:
       undefined method `attribute_setter' for nil:NilClass
     # ./lib/matcher.rb:405:in `failure_message'
     # ./spec/person_spec.rb:12:in `block (2 levels) in <top (required)>'
"""
    language, [exc] = parse_exceptions(text)
    assert (language, exc.type, exc.message) == (
        "ruby",
        "NoMethodError",
        "undefined method `attribute_setter' for nil:NilClass",
    )
    assert [(f.file, f.line, f.function) for f in exc.frames] == [
        ("./lib/matcher.rb", 405, "failure_message"),
        ("./spec/person_spec.rb", 12, "block (2 levels) in <top (required)>"),
    ]


def test_trace_with_escaped_newlines_is_unescaped_once() -> None:
    text = r"Npgsql.PostgresException (0x80004005): P0001: bad\n   at Npgsql.NpgsqlDataReader.NextResult(Boolean async)\n   at App.Repo.Load() in C:\\new\\Repo.cs:line 7"
    _, [exc] = parse_exceptions(text)
    assert exc.type == "Npgsql.PostgresException"
    assert [(f.function, f.file, f.line) for f in exc.frames] == [
        ("Npgsql.NpgsqlDataReader.NextResult", None, None),
        ("App.Repo.Load", "C:\\new\\Repo.cs", 7),
    ]


def test_windows_path_with_backslash_n_is_not_an_escaped_newline() -> None:
    text = "Error: boom\n    at f (C:\\Users\\me\\AppData\\Roaming\\npm\\node_modules\\x\\index.js:4:12)"
    _, [exc] = parse_exceptions(text)
    assert exc.frames[0].file == "C:\\Users\\me\\AppData\\Roaming\\npm\\node_modules\\x\\index.js"


def test_event_log_trace_flattened_onto_one_line() -> None:
    text = (
        "The process was terminated due to an unhandled exception. Exception Info: App.Net.UvException "
        "at App.Net.Libuv.Check(Int32) at App.Net.Listener+<>c.<StartAsync>b__6_0(System.Object) "
        "Exception Info: System.AggregateException at System.Threading.Tasks.Task.Wait(Int32, System.Threading.CancellationToken)"
    )
    language, excs = parse_exceptions(text)
    assert language == "dotnet"
    assert [(e.type, [f.function for f in e.frames]) for e in excs] == [
        ("App.Net.UvException", ["App.Net.Libuv.Check", "App.Net.Listener+<>c.<StartAsync>b__6_0"]),
        ("System.AggregateException", ["System.Threading.Tasks.Task.Wait"]),
    ]


def test_app_center_report_takes_its_type_from_the_reason() -> None:
    text = """### Stacktrace ###

App.Views.Confirm.<.ctor>b__1_1 (System.Object sender, System.EventArgs arg) [0x00011] in <b7cbd9ee9adf41a3>:0;App.Views.Confirm

### Reason ###

System.InvalidOperationException"""
    _, [exc] = parse_exceptions(text)
    assert (exc.type, [f.function for f in exc.frames]) == (
        "System.InvalidOperationException",
        ["App.Views.Confirm.<.ctor>b__1_1"],
    )


def test_traceback_at_the_end_of_a_huge_log_is_found() -> None:
    noise = "2026-01-01 INFO request served in 3 ms\n" * 80_000  # ~3 MB
    trace = "Traceback (most recent call last):\n  File \"/app/main.py\", line 9, in run\n    go()\nKeyError: 'x'\n"
    language, [exc] = parse_exceptions(noise + trace)
    assert (language, exc.type, exc.frames[0].file) == ("python", "KeyError", "/app/main.py")


def test_firefox_and_safari_frames() -> None:
    text = """TypeError: e.map is not a function
render@http://localhost:3000/static/js/main.chunk.js:120:18
@http://localhost:3000/static/js/main.chunk.js:88:3
runEffect@http://localhost:3000/static/js/node_modules/redux-saga.js:11:4"""
    language, [exc] = parse_exceptions(text)
    assert (language, exc.type) == ("javascript", "TypeError")
    assert [(f.function, f.line, f.in_app) for f in exc.frames] == [
        ("render", 120, True),
        (None, 88, True),
        ("runEffect", 11, False),
    ]


@pytest.mark.parametrize("unit", [" ", "a.", "at ", "---> ", "System.Exception: ", "   at A.B() in C:\\x.cs:line 1"])
def test_a_two_megabyte_line_parses_in_linear_time(unit: str) -> None:
    # A regex that backtracks over a long line (200k spaces once took .NET's header pattern 390 s)
    # would stall every investigation of a log holding one; the bound is 20x what linear takes here.
    import time

    started = time.monotonic()
    parse_exceptions(unit * (2_000_000 // len(unit)))
    assert time.monotonic() - started < 20


_JAVA_TRACE = [
    "java.lang.IllegalStateException: boom",
    "\tat com.acme.App.run(App.java:10)",
    "\tat com.acme.App.main(App.java:3)",
]


@pytest.mark.parametrize(
    "prefix",
    [
        "[0] ",
        "ShareS > ",
        "03-28 16:45:29.450: W/System.err(17251): ",
        "[xUnit.net 00:00:06.9116690] ",
        "web-ui | ",
        "14:32:25 web.1 | ",
    ],
)
def test_any_consistent_line_prefix_is_detected_and_stripped(prefix: str) -> None:
    """A prefix that no known pattern lists is found from the frame lines it precedes."""
    text = "\n".join(prefix + line for line in _JAVA_TRACE)
    _, [exc] = parse_exceptions(text)
    assert (exc.type, exc.message) == ("java.lang.IllegalStateException", "boom")
    assert [(f.function, f.file, f.line) for f in exc.frames] == [
        ("com.acme.App.run", "App.java", 10),
        ("com.acme.App.main", "App.java", 3),
    ]


def test_prefix_detection_generalises_digits_and_leaves_other_lines() -> None:
    from sleuth.tools.stacktrace.prefixes import strip_common_prefix

    lines = [
        "[12:00:01.5] Error: x",
        "[12:00:01.6]     at f (/a.js:1:2)",
        "[12:00:01.75]     at g (/a.js:3:4)",
        "unprefixed line",
    ]
    assert strip_common_prefix(lines) == ["Error: x", "    at f (/a.js:1:2)", "    at g (/a.js:3:4)", "unprefixed line"]


@pytest.mark.parametrize(
    "lines",
    [
        # JRuby's right-aligned labels sit in front of `at`, and are part of the frame.
        [
            "E: m",
            "  initialize at org/jruby/RubyFile.java:441",
            "  initialize at E:/x/a.rb:532",
            "  initialize at E:/b.rb:1",
        ],
        # An MSBuild location in front of a .NET frame names the frame's file.
        ["C:\\src\\T.cs(60,0): at A.B.C()", "C:\\src\\T.cs(61,0): at A.B.D()"],
        # ExceptionGroup boxes draw a gutter, which is syntax, not a prefix.
        [
            "  | Traceback (most recent call last):",
            '  |   File "/a.py", line 1, in f',
            '  |   File "/a.py", line 2, in g',
        ],
        # A single frame line whose prefix starts no other line.
        ["see this: at a.B.c(B.java:1)", "nothing else"],
    ],
)
def test_prefix_detection_keeps_what_belongs_to_the_trace(lines: list[str]) -> None:
    from sleuth.tools.stacktrace.prefixes import strip_common_prefix

    assert strip_common_prefix(lines) == lines


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(max_size=120), max_size=30),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20),
)
def test_prefix_detection_only_removes_a_leading_part_of_lines(lines: list[str], prefix: str) -> None:
    from sleuth.tools.stacktrace.prefixes import strip_common_prefix

    framed = [*lines, prefix + "    at f (/a.js:1:2)", prefix + "\tat a.B.c(B.java:1)"]
    for source in (lines, framed):
        result = strip_common_prefix(source)
        assert len(result) == len(source)
        assert all(line.endswith(out) for line, out in zip(source, result, strict=True))


@settings(max_examples=100, deadline=None)
@given(st.from_regex(r"(?a)\A[A-Za-z][\w.-]{0,12}(?: [\w.:-]{1,12})? ?[|>:\]] \Z"))  # shippers' prefixes: ASCII
def test_a_prefixed_trace_parses_as_the_unprefixed_one(prefix: str) -> None:
    plain = parsed_labels("\n".join(_JAVA_TRACE))
    assert parsed_labels("\n".join(prefix + line for line in _JAVA_TRACE)) == plain


def test_truncated_dotnet_frames_and_trimmed_parameters() -> None:
    text = (
        "System.InvalidOperationException: failed\n"
        "   at Acme.Db.Open(String connectionString, Boolean pool, Action`1 callb\n"
        "   at System.Net.Sockets.Socket.ThrowException(SocketError , CancellationToken )\n"
        "   Exception_EndOfInnerExceptionStack\n"
    )
    _, [exc] = parse_exceptions(text)
    assert [f.function for f in exc.frames] == ["Acme.Db.Open", "System.Net.Sockets.Socket.ThrowException"]


def test_visual_studio_exception_detail_and_unqualified_mono_type() -> None:
    vs = (
        "System.TypeInitializationException was unhandled\n  HResult=-2146233036\n"
        "  Message=The type initializer threw.\n  StackTrace:\n       at Acme.Program.Main(String[] args)\n"
    )
    _, [exc] = parse_exceptions(vs)
    assert (exc.type, exc.message, exc.frames[0].function) == (
        "System.TypeInitializationException",
        "The type initializer threw.",
        "Acme.Program.Main",
    )
    mono = "NullReferenceException: gone\n  at Game.Update () [0x00000] in <filename unknown>:0 \n  at Game.Tick () [0x0] in <filename unknown>:0"
    language, [exc] = parse_exceptions(mono)
    assert (language, exc.type, [f.file for f in exc.frames]) == ("dotnet", "NullReferenceException", [None, None])


def test_lambda_tagged_error_klog_observed_panic_and_split_ruby_frame() -> None:
    _, [lam] = parse_exceptions("[ERROR] Runtime.ImportModuleError: no module 'x'\nTraceback (most recent call last)\n")
    assert (lam.type, lam.message, lam.frames) == ("Runtime.ImportModuleError", "no module 'x'", [])
    klog = (
        'E0623 15:24:30.674204 1 runtime.go:78] Observed a panic: "boom" (runtime error: boom)\n'
        "goroutine 5 [running]:\nmain.f()\n\t/src/app/main.go:10 +0x1d\n"
    )
    _, [panic] = parse_exceptions(klog)
    assert (panic.type, panic.message, panic.frames[0].function) == (None, '"boom" (runtime error: boom)', "main.f")
    wrapped = "NoMethodError (undefined method `x'):\n  app/controllers/base_contr\noller.rb:137:in `index'\n"
    _, [rb] = parse_exceptions(wrapped)
    assert [(f.file, f.line, f.function) for f in rb.frames] == [("app/controllers/base_controller.rb", 137, "index")]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "NoMethodError: x for nil",
                '1 File "/app/vendor/bundle/ruby/2.1.0/gems/a-1/lib/a.rb" line 10 in call',
                '  File "/usr/local/bundle/gems/pg-1/lib/pg.rb", line 58, in new',
                "    line 109 of [PROJECT_ROOT]/app/views/x.html.erb: _app_views_x",
                "rake aborted!",
                "ExecJS::RuntimeError:",
                "(execjs):1",
                "C:/Ruby30-x64/lib/ruby/gems/3.0.0/gems/bootsnap-1.9.3/lib/bootsnap/load_path_cac",
                "        from C:/Ruby30-x64/lib/ruby/gems/3.0.0/gems/zeitwerk-2.5.3/lib/zeitwerk/",
                "kernel.rb:35:in `require'",
                "<internal:/usr/lib/ruby/3.4.0/x.rb>:136:in 'Kernel#require': no (LoadError)",
                "x.targets(14,9): error :    at A.B() [C:\\x\\a.csproj]",
                "  at at System.X.Y(Object o)",
                "   at A.B() in C:\\a\\B.cs: line 876.",
                "##[error]System.Exception: boom",
                "Main.cs:38 @ void Main.OnTick(): System.NullReferenceException: gone",
                "                 Main.cs:38 @ void Main.OnTick()",
                "  HResult=0x80072EE7",
                "  Message=An error occurred.",
                "      at org.gradle.A.b(Execute",
                "  ActionsTaskExecuter.java:69)",
                "Module._load @ module.js:282",
                "    at f (/usr/lib/node_modules/x/lib/ne",
                "    ... 3 lines matching cause stack trace ...",
                "    at Function.keys (native)",
                "SystemStackError in *",
                "",
            ]
        ),
        max_size=40,
    )
)
def test_never_crashes_on_mixed_report_formats(lines: list[str]) -> None:
    parse_exceptions("\n".join(lines))


def test_error_tracker_renderings_of_ruby_traces() -> None:
    rollbar = (
        "PG::ConnectionBad: FATAL:  starting up\nFATAL:  starting up\n\n"
        '  File "/usr/local/bundle/gems/pg-1.2.3/lib/pg.rb", line 58, in initialize\n'
        '  File "/app/lib/db.rb", line 7, in connect\n'
    )
    language, [exc] = parse_exceptions(rollbar)
    assert (language, exc.type, exc.message) == ("ruby", "PG::ConnectionBad", "FATAL:  starting up")
    assert [(f.file, f.line, f.function, f.in_app) for f in exc.frames] == [
        ("/usr/local/bundle/gems/pg-1.2.3/lib/pg.rb", 58, "initialize", False),
        ("/app/lib/db.rb", 7, "connect", True),
    ]
    numbered = 'NoMethodError: boom\n1 File "/app/a.rb" line 10 in call\n2 File "/app/b.rb" line 2 in block in run\n'
    language, [exc] = parse_exceptions(numbered)
    assert (language, [(f.file, f.function) for f in exc.frames]) == (
        "ruby",
        [("/app/a.rb", "call"), ("/app/b.rb", "block in run")],
    )
    honeybadger = "## Backtrace\n\n    line 109 of [PROJECT_ROOT]/app/views/r.html.erb: _app_views_r_erb\n"
    language, [exc] = parse_exceptions(honeybadger)
    assert (language, exc.frames[0].file, exc.frames[0].line) == ("ruby", "[PROJECT_ROOT]/app/views/r.html.erb", 109)


def test_ruby_internal_files_eaten_backtick_space_and_level_words() -> None:
    text = (
        "irb(main):001> require 'fake'\n"
        "<internal:/usr/lib/ruby/3.4.0/rubygems/core_ext/kernel_require.rb>:136:in 'Kernel#require': no (LoadError)\n"
        "\tfrom (irb):1:in '<main>'\n\tfrom /usr/local/bundle/bin/puma:23:in`load'\n"
    )
    _, [exc] = parse_exceptions(text)
    assert (exc.type, exc.message) == ("LoadError", "no")
    assert [(f.file, f.function, f.in_app) for f in exc.frames] == [
        ("<internal:/usr/lib/ruby/3.4.0/rubygems/core_ext/kernel_require.rb>", "Kernel#require", False),
        ("(irb)", "<main>", True),
        ("/usr/local/bundle/bin/puma", "load", False),
    ]
    _, [brew] = parse_exceptions("Error: undefined method `x'\n/opt/brew/a.rb:3:in `f'\n/opt/brew/b.rb:4:in `g'\n")
    assert (brew.type, brew.message, len(brew.frames)) == (None, "undefined method `x'", 2)


def test_ruby_hard_wrap_inside_paths_at_column_zero() -> None:
    head = "C:/Ruby30-x64/lib/ruby/gems/3.0.0/gems/bootsnap-1.9.3/lib/bootsnap/load_path_cac"
    first = "        from C:/Ruby30-x64/lib/ruby/gems/3.0.0/gems/zeitwerk-2.5.3/lib/zeitwerk/"
    second = "        from C:/Ruby30-x64/lib/ruby/gems/3.0.0/gems/libxml-ruby-3.2.1-x64-mingw3"
    assert len(head) == len(first) == len(second) == 80
    cut_header = "he/core_ext/kernel_require.rb:34:in `require': gone (LoadError)"
    lines = [head, cut_header, first, "kernel.rb:35:in `require'", second, "2/lib/libxml-ruby.rb:8:in `<main>'"]
    text = "\n".join(lines)
    _, [exc] = parse_exceptions(text)
    assert [f.file for f in exc.frames] == [
        "C:/Ruby30-x64/lib/ruby/gems/3.0.0/gems/bootsnap-1.9.3/lib/bootsnap/load_path_cache/core_ext/kernel_require.rb",
        "C:/Ruby30-x64/lib/ruby/gems/3.0.0/gems/zeitwerk-2.5.3/lib/zeitwerk/kernel.rb",
        "C:/Ruby30-x64/lib/ruby/gems/3.0.0/gems/libxml-ruby-3.2.1-x64-mingw32/lib/libxml-ruby.rb",
    ]


def test_rspec_without_backtrace_rake_type_alone_and_rails_error_page() -> None:
    rspec = (
        "  1) Todos creates\n     Failure/Error: expect(x).to eq(1)\n     \n     NoMethodError:\n"
        "       undefined method `[]' for nil\n\nFinished in 1.1 seconds\n\n"
        "rspec ./spec/requests/todos_spec.rb:60 # Todos creates\n"
    )
    _, [exc] = parse_exceptions(rspec)
    assert (exc.type, exc.message, exc.frames) == ("NoMethodError", "undefined method `[]' for nil", [])
    rake = "rake aborted!\nExecJS::RuntimeError:\n(execjs):1\n/app/gems/x-1/lib/x.rb:2:in`exec'\n"
    _, [exc] = parse_exceptions(rake)
    assert (exc.type, exc.message, [f.function for f in exc.frames]) == ("ExecJS::RuntimeError", "(execjs):1", ["exec"])
    page = "SystemStackError in *\nstack level too deep\nactionpack (4.1.10) lib/action_dispatch/reloader.rb:79\n"
    _, [exc] = parse_exceptions(page)
    assert (exc.type, exc.message, exc.frames[0].line, exc.frames[0].in_app) == (
        "SystemStackError",
        "stack level too deep",
        79,
        False,
    )


def test_dotnet_relayed_and_tool_specific_frames() -> None:
    msbuild = (
        "C:\\b\\x.targets(14,9): error :    at Acme.Jobs.Run() in c:\\src\\Jobs.cs:line 305 [C:\\src\\Acme.csproj]\n"
        "C:\\b\\x.targets(14,9): error :    at Acme.Jobs.Main() [C:\\src\\Acme.csproj]\n"
    )
    _, [exc] = parse_exceptions(msbuild)
    assert [(f.file, f.line) for f in exc.frames] == [("c:\\src\\Jobs.cs", 305), (None, None)]
    doubled = "System.Exception: boom\n  at at System.Activator.CreateInstance(Type type)\n  at at Acme.A.B()\n"
    _, [exc] = parse_exceptions(doubled)
    assert [f.function for f in exc.frames] == ["System.Activator.CreateInstance", "Acme.A.B"]
    spaced = "System.Exception: boom\n   at Acme.A.B() in C:\\a\\B.cs: line 876\n   at Acme.A.C() in C:\\a\\B.cs: line 854.\n"
    _, [exc] = parse_exceptions(spaced)
    assert [(f.file, f.line) for f in exc.frames] == [("C:\\a\\B.cs", 876), ("C:\\a\\B.cs", 854)]
    pipeline = (
        "2024-08-27T12:25:05.5858700Z ##[error]System.Net.Http.HttpRequestException: 404\n   at Acme.Http.Put()\n"
    )
    _, [exc] = parse_exceptions(pipeline)
    assert (exc.type, exc.message) == ("System.Net.Http.HttpRequestException", "404")
    godot = (
        "Main.cs:38 @ void Main.OnTick(): System.NullReferenceException: gone\n"
        "                 System.NullReferenceException\n"
        "                 Main.cs:38 @ void Main.OnTick()\n"
        "                 Bridge.cs:24 @ Godot.NativeInterop.godot_bool Godot.Bridge.Call(IntPtr , Godot.Variant* )\n"
    )
    language, [exc] = parse_exceptions(godot)
    assert (language, exc.type, exc.message) == ("dotnet", "System.NullReferenceException", "gone")
    assert [(f.file, f.line, f.function, f.in_app) for f in exc.frames] == [
        ("Main.cs", 38, "Main.OnTick", True),
        ("Bridge.cs", 24, "Godot.Bridge.Call", False),
    ]
    details = "> System.Net.Http.HttpRequestException\n  HResult=0x80072EE7\n  Message=Sending failed.\n  StackTrace:\n   at Acme.A.B()\n"
    _, [exc] = parse_exceptions(details)
    assert (exc.type, exc.message) == ("System.Net.Http.HttpRequestException", "Sending failed.")


def test_jvm_wrap_inside_location_long_message_and_jenkins_roots() -> None:
    gradle = (
        "  org.gradle.api.tasks.TaskExecutionException: failed\n"
        "      at org.gradle.api.internal.Execute.run(Execute\n  ActionsTaskExecuter.java:69)\n"
        "      at hudson.plugins.acme.Step.perform(Step.java:3)\n      at hudson.model.Run.execute(Run.java:1)\n"
    )
    _, [exc] = parse_exceptions(gradle)
    assert [(f.file, f.line, f.in_app) for f in exc.frames] == [
        ("ExecuteActionsTaskExecuter.java", 69, False),
        ("Step.java", 3, True),
        ("Run.java", 1, False),
    ]
    message_lines = ["org.acme.ProcessExitException: exited with 1.", "", "Stdout:", "", "Stderr:", "usage", ""]
    long_message = "\n".join(
        [*message_lines, "Usage: x", "", "Options:", "", "\tat org.acme.Runner.run(Runner.java:96)"]
    )
    _, [exc] = parse_exceptions(long_message)
    assert (exc.type, exc.message, len(exc.frames)) == ("org.acme.ProcessExitException", "exited with 1.", 1)


def test_node_devtools_native_cut_locations_and_elided_cause_frames() -> None:
    devtools = (
        "Uncaught Error: Cannot find module 'x'\nModule._load @ module.js:282\n(anonymous function) @ main.js:29702\n"
    )
    language, [exc] = parse_exceptions(devtools)
    assert (language, exc.type) == ("javascript", "Error")
    assert [(f.file, f.line, f.function, f.in_app) for f in exc.frames] == [
        ("module.js", 282, "Module._load", False),
        ("main.js", 29702, "(anonymous function)", True),
    ]
    text = (
        "TypeError: x is undefined\n    at Function.keys (native)\n    at A.b (/usr/lib/node_modules/p/lib/nest-dev\n"
        "    ... 3 lines matching cause stack trace ...\n    at Module._load (node:internal/modules/cjs/loader:1065:12)\n"
    )
    _, [exc] = parse_exceptions(text)
    assert [(f.file, f.line, f.function) for f in exc.frames] == [
        ("native", None, "Function.keys"),
        ("/usr/lib/node_modules/p/lib/nest-dev", None, "A.b"),
        ("node:internal/modules/cjs/loader", 1065, "Module._load"),
    ]
