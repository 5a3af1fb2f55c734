"""Log-shipper prefixes in front of trace lines: a list of known ones, and detection of any other.

Known prefixes are stripped line by line. Any other prefix is found from the lines that hold a frame
further right (`[0] \tat …`, `ShareS >     at …`, `03-28 16:45:29.450: W/System.err(1): \tat …`): when
several frame lines start with the same text (digit runs may differ), that text is removed wherever a
line starts with it, so the trace's header and message lines lose it too.
"""

import re
from collections import Counter

# Prefixes that log shippers put in front of every line; stripping them leaves the trace's own
# indentation intact (exactly one separating space is removed).
_LINE_PREFIXES = [
    # RFC 3339 timestamps from docker / kubectl / Render (`2025-07-05T12:18:55.608069088Z `).
    re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})? "),
    # A raw GitHub Actions log numbers each line before its timestamp (`618284 2021-09-15T07:40:15Z `).
    re.compile(r"^\d+ (?=\d{4}-\d{2}-\d{2}T\d{2}:)"),
    # `grep -C` output over log files (`production.log-` context, `production.log:` match).
    re.compile(r"^[\w./-]+\.log[-:]"),
    # kubectl logs --prefix.
    re.compile(r"^\[pod/[^\]]+\] "),
    # docker compose (`web-1  | `, `api_1  | `).
    re.compile(r"^[A-Za-z][\w.-]*[-_]\d+\s+\| "),
    # docker compose with a container_name (`wekan-app  | `): two or more spaces before the bar.
    re.compile(r"^[A-Za-z][\w.-]*\s{2,}\| "),
    # Heroku's router/dyno tag after the timestamp (`app[web.1]: `).
    re.compile(r"^(?:app|heroku)\[[\w.-]+\]: "),
    # A Markdown quote of a pasted log (`> `), as issue comments quote each other.
    re.compile(r"^> ?(?=\S|\s+\S)"),
    # npm's own error log (`npm ERR! `) and Cloud Foundry (`<timestamp> [App/0]      ERR `).
    re.compile(r"^npm ERR! "),
    re.compile(r"^\S+ \[[\w/.-]+\]\s+(?:OUT|ERR) "),
    # Dropwizard's `! ` before each exception line; Bukkit/Paper consoles (`[17:17:10 WARN]: `);
    # Jenkins Timestamper (`02:32:52  `); GitHub Actions web-UI copies (`[443](https://…#step:5:444)`).
    re.compile(r"^! "),
    re.compile(r"^\[\d{2}:\d{2}:\d{2} [A-Z]+\]: "),
    re.compile(r"^\d{2}:\d{2}:\d{2}  (?=\s*\S)"),
    re.compile(r"^\[\d+\]\(https?://[^)\s]+\) ?"),
    # pm2 logs (`0|user.ser | `, `PM2      | `).
    re.compile(r"^(?:\d+\|[\w.@-]+|PM2)\s*\| "),
    # journald / syslog (`Mar 03 12:00:00 host app[123]: `).
    re.compile(r"^[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \S+ [\w.@/-]+(?:\[\d+\])?: "),
    # Android logcat, brief (`E/AndroidRuntime( 1234): `) and threadtime
    # (`01-02 12:34:56.789  1234  1234 E AndroidRuntime: `).
    re.compile(r"^[VDIWEF]/[\w.$-]+(?:\(\s*\d+\))?: "),
    re.compile(r"^\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d+\s+\d+\s+\d+ [VDIWEF] [\w.$-]+\s*: "),
    # Azure Pipelines / GitHub Actions logging commands (`##[error]`, `::error::`, `::error file=x::`).
    re.compile(r"^##\[(?:error|warning|debug|info|command|section)\]"),
    re.compile(r"^::(?:error|warning|notice|debug)(?: [^:]*)?::"),
    # CloudWatch / Lambda (`2024-01-01T00:00:00.000Z\t<request id>\tERROR\t`).
    re.compile(r"^\d{4}-\d{2}-\d{2}T[\d:.]+Z\t[\w-]+\t[A-Z]+\t"),
]
_MAX_PREFIXES = 3  # shippers stack: compose in front of pm2 in front of the program's own line


# MSBuild relays a tool's output as diagnostics: `C:\build\x.targets(14,9): error : <line> [C:\src\x.csproj]`.
_MSBUILD_PREFIX = re.compile(r"^\S[^()]*\(\d+(?:,\d+)*\): (?:error|warning)(?: [A-Z]+\d+)? ?: ")
_MSBUILD_SUFFIX = re.compile(r" \[[^\[\]]*\.\w*proj\]\s*$")


def strip_line_prefix(line: str) -> str:
    """Remove the log-shipper prefixes in front of a line (stacked ones too)."""
    if match := _MSBUILD_PREFIX.match(line):
        line = _MSBUILD_SUFFIX.sub("", line[match.end() :])
    for _ in range(_MAX_PREFIXES):
        match = next((m for pattern in _LINE_PREFIXES if (m := pattern.match(line))), None)
        if match is None:
            break
        line = line[match.end() :]
    return line


# Where a frame starts inside a line, for Java/.NET/Node (`at x.y(`, `at fn (`, `at /file.js:1:2`),
# Python (`File "…", line N`), Ruby (`from f.rb:1`, `f.rb:1:in`) and Go (`/src/x.go:12`).
_FRAME_MARK = re.compile(
    r"(?<![\w.$])at (?:async )?(?:[^\s()]+ ?\(|(?:[A-Za-z]:[\\/]|/|file:|node:)\S*:\d+)"
    r'|(?<!\S)File "[^"]+", line \d+'
    r"|(?<!\S)from \S+:\d+"
    r"|(?<!\S)\S+\.(?:rb|go):\d+"
)
# How far into a line a prefix may reach, and how many different prefixes one text may have.
_MAX_PREFIX = 120
_MAX_SHAPES = 4
# A compiler location in front of a frame (`C:\src\Tests.cs(60,0): at X()`) is part of the frame.
_LOCATION_PREFIX = re.compile(r"\.(?:cs|vb|fs|cshtml|razor|xaml)\(\d+(?:,\d+)?\):$", re.IGNORECASE)
_LABEL = re.compile(r"<[\w.$()#]+>|[\w.$()#]+")
# A prefix ending like this is a separator a shipper adds, trusted on a single frame line.
_SEPARATOR_END = re.compile(r"[|:>\]]$")


def _shape(prefix: str) -> str:
    """A regex for the prefix with digit runs and blank runs generalised."""
    parts = re.split(r"(\d+|[ \t]+)", prefix)
    return "".join(
        r"\d+" if part.isdigit() else r"[ \t]+" if part and not part.strip() else re.escape(part) for part in parts
    )


def _prefix_of(line: str) -> str | None:
    """The text in front of the frame on a frame line (without the blanks before the frame), if any."""
    match = _FRAME_MARK.search(line, 0, _MAX_PREFIX + 200)
    if match is None or match.start() > _MAX_PREFIX:
        return None
    return line[: match.start()].rstrip()


def strip_common_prefix(lines: list[str]) -> list[str]:
    """Remove a prefix that several frame lines share (and every other line starting with it)."""
    shapes: Counter[str] = Counter()
    trusted_single: set[str] = set()
    frame_lines = 0
    for line in lines:
        prefix = _prefix_of(line)
        if prefix is None:
            continue
        frame_lines += 1
        # A prefix must hold a letter or digit: a bare gutter (`| `, ExceptionGroup boxes) is syntax.
        if not prefix or not any(char.isalnum() for char in prefix) or _LOCATION_PREFIX.search(prefix):
            continue
        if _LABEL.fullmatch(prefix.strip()):
            continue  # a frame's own label in front of `at` (JRuby's `initialize at file.rb:1`)
        shape = _shape(prefix)
        shapes[shape] += 1
        if _SEPARATOR_END.search(prefix):
            trusted_single.add(shape)
    chosen = [
        shape
        for shape, count in shapes.most_common(_MAX_SHAPES)
        if (count >= 2 and count * 4 >= frame_lines) or shape in trusted_single
    ]
    if not chosen:
        return lines
    pattern = re.compile(rf"^(?:{'|'.join(f'(?:{shape})' for shape in chosen)})(?=[ \t]|$) ?")
    stripped = [pattern.sub("", line, count=1) for line in lines]
    # One frame line is enough only when the same prefix starts other lines too.
    single = len(chosen) == 1 and shapes[chosen[0]] == 1
    if single and sum(a != b for a, b in zip(lines, stripped, strict=True)) < 2:
        return lines
    return stripped


# Ruby's private log prefixes, stripped by its parser only: Logger (`E, [2023-01-01T10:00:00.1 #12]
# ERROR -- : `), Rails tagged logging's request ids (`[3f1c-…] `), Sidekiq and Passenger.
RUBY_PREFIXES = [
    re.compile(r"^[DIWEFA], \[[^\]]*#\d+\]\s+[A-Z]+ -- [^:]*: ?"),
    re.compile(r"^(?:\[[\w.:-]{6,64}\] )+"),
    re.compile(r"^(?:\d+ TID-\S+(?: \S+)*?|pid=\d+ tid=\S+(?: \w+=\S+)*) (?:DEBUG|INFO|WARN|ERROR|FATAL): "),
    re.compile(r"^App \d+ (?:output|stdout|stderr): "),
]
