"""JVM stack traces (Java, Kotlin, Scala, Android), with Caused by / Suppressed chains."""

import re

from sleuth.models import ParsedException, StackFrame

_FRAME = re.compile(r"^\s*at\s+(?P<func>[\w$.<>/@-]+?)\s?\((?P<loc>[^()]*)\)\s*(?:~?\[[^\]]*\])?\s*$")
_LOCATION = re.compile(r"^(?P<file>[^:]+?)(?::(?P<line>\d+))?$")
_HEADER = re.compile(
    r"^\s*(?:Exception in thread \"[^\"]*\"\s+|Caused by:\s+|Suppressed:\s+)?"
    r"(?P<type>(?:[A-Za-z_$][\w$]*\.)+[A-Za-z_$][\w$]*|[A-Z][\w$]*(?:Exception|Error|Throwable))"
    r"(?::\s?(?P<msg>.*))?$"
)
_OMITTED = re.compile(r"^\s*\.\.\. \d+ (?:more|common frames omitted)\s*$")
# ProGuard/R8 builds print `SourceFile:394`: a pseudo-file kept as printed, like the labels do.
_NO_FILE = {"Native Method", "Unknown Source", "Unknown"}

LIBRARY_PREFIXES = (
    "java.",
    "javax.",
    "jdk.",
    "sun.",
    "com.sun.",
    "android.",
    "androidx.",
    "com.android.internal.",
    "dalvik.",
    "kotlin.",
    "kotlinx.",
    "org.springframework.",
    "org.apache.",
    "com.opensymphony.",
    "org.eclipse.",
    "retrofit2.",
    "okhttp3.",
    "okio.",
    "com.google.",
    "io.netty.",
    "org.hibernate.",
    "com.fasterxml.",
    "org.junit.",
    "junit.",
    "org.gradle.",
    "scala.",
    "akka.",
    "io.reactivex.",
    "reactor.",
    "org.slf4j.",
    "ch.qos.",
    "org.jboss.",
    "com.mysql.",
    "org.postgresql.",
    "groovy.",
    "org.codehaus.",
    "io.grpc.",
    "com.zaxxer.",
    "feign.",
    "io.micrometer.",
    "io.undertow.",
    "org.glassfish.",
    "org.mockito.",
    "net.bytebuddy.",
    "com.squareup.",
    "org.aspectj.",
    "io.vertx.",
    "io.quarkus.",
    "org.h2.",
    "io.micronaut.",
    "org.opentest4j.",
    "org.testcontainers.",
    "org.bukkit.",
    "net.minecraft.",
    "org.jenkinsci.plugins.workflow.",
    "com.cloudbees.groovy.cps.",
)


def is_app_function(function: str) -> bool:
    """Tell application classes from the JDK, Android and well-known third-party libraries."""
    return not function.startswith(LIBRARY_PREFIXES)


def _frame(match: re.Match[str]) -> StackFrame | None:
    function = match["func"].rsplit("/", 1)[-1]
    loc = _LOCATION.match(match["loc"].strip())
    if loc is None:
        return None
    file = None if loc["file"] in _NO_FILE else loc["file"]
    line = int(loc["line"]) if loc["line"] else None
    return StackFrame(file=file, line=line, function=function, in_app=is_app_function(function))


def parse(lines: list[str]) -> list[ParsedException]:
    """Parse every JVM stack trace found in the lines."""
    exceptions: list[ParsedException] = []
    current: ParsedException | None = None
    for index, line in enumerate(lines):
        match = _FRAME.match(line)
        frame = _frame(match) if match else None
        if frame:
            if current is None:
                current = _header_above(lines, index)
                exceptions.append(current)
            current.frames.append(frame)
            continue
        if _OMITTED.match(line):
            continue
        stripped = line.strip()
        if stripped.startswith(("Caused by:", "Suppressed:")):
            current = _exception(_HEADER.match(stripped))
            exceptions.append(current)
        elif current is not None:
            current = None
    return exceptions


def _header_above(lines: list[str], index: int) -> ParsedException:
    """Find the exception line printed just above a block of frames."""
    for back in range(index - 1, max(index - 6, -1), -1):
        match = _HEADER.match(lines[back])
        if match and " " not in match["type"]:
            return _exception(match)
    return ParsedException(language="java")


def _exception(match: re.Match[str] | None) -> ParsedException:
    if match is None:
        return ParsedException(language="java")
    message = (match["msg"] or "").strip()
    return ParsedException(type=match["type"], message=message or None, language="java")
