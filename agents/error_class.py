"""Error class: is this a code defect, a misconfiguration, a dependency that is down, or a transient fault?

The class decides whether sleuth may answer "no code change caused this", so the no-code rules name
what a failing dependency or a passing fault actually prints (`Connection refused`, `HTTP Error 503`,
`Too Many Requests`, `database is locked`), never a bare word. "upstream", "temporary" or
"deadlock" in prose mean something else far more often ("fixed upstream", "a temporary revert",
"a lock-order deadlock"): on 895 incidents mined from 40 repositories' regressions, the bare words
sent 18 to "no code change" against 0 true no-code incidents. "X is down" and "outage" are not
rules either: they name the service's own symptom as often as a dependency's ("Checkout is down:
AttributeError in handlers" is a scenario incident with a code culprit).

Exception types and messages are read first, in the order the log prints them. Free text is read
last, and a no-code match there is overruled when the text itself describes a code defect ("a
regression from", "this commit broke", an assertion failure, a crash).
"""

import re

from sleuth.models import ErrorClass, ParsedException

_HTTP_STATUS = r"(?:HTTP(?:/\d(?:\.\d)?)?(?: Error)?:? |status(?: code)?[ =:]+)"

# The first rule that matches decides the class.
_CLASS_RULES: list[tuple[ErrorClass, re.Pattern[str], str]] = [
    (
        ErrorClass.DEPENDENCY_DOWN,
        re.compile(
            r"ConnectionRefused|ECONNREFUSED|connection refused|Name or service not known|ENOTFOUND|EAI_AGAIN|"
            r"could not connect|couldn't connect|failed to connect|Service Unavailable|Bad Gateway|"
            rf"Gateway Time-?out|{_HTTP_STATUS}50[234]\b|no healthy upstream|upstream connect error|"
            r"upstream (?:timed out|prematurely closed)|no route to host|host (?:is )?unreachable|"
            r"ConnectTimeout|ECONNRESET|connection reset by peer|ETIMEDOUT|timed out connecting",
            re.I,
        ),
        "the error says a dependency could not be reached",
    ),
    (
        ErrorClass.TRANSIENT,
        re.compile(
            r"temporar(?:y|ily) (?:unavailable|failure|error|outage)|try again later|please retry|"
            r"try restarting transaction|Deadlock found|rate[ -]limit(?:ed| exceeded)|RateLimit(?:Error|Exceeded)|"
            rf"too many requests|{_HTTP_STATUS}429\b|\bEAGAIN\b|throttl(?:ed|ing)|resource busy|"
            r"lock wait timeout|database is locked",
            re.I,
        ),
        "the error reads as a transient fault that clears on retry",
    ),
    (
        ErrorClass.CONFIG_ERROR,
        re.compile(
            r"ImproperlyConfigured|config(?:uration)?\b.*(?:missing|invalid)|(?:missing|invalid).*config|"
            r"environment variable|environ|settings?\.|invalid value for|ConfigError",
            re.I,
        ),
        "the error points at configuration",
    ),
]
_NO_CODE = (ErrorClass.DEPENDENCY_DOWN, ErrorClass.TRANSIENT)

# Prose that says the code is at fault; it outweighs a no-code phrase quoted in the same text.
_CODE_DEFECT = re.compile(
    r"\bregress(?:ion|ed|es)\b|\brevert(?:s|ed|ing)?\b|\bbroke\b|\bbreaks\b|\bintroduced (?:by|in)\b|"
    r"\b(?:this|that|previous|recent|last) (?:commit|patch|change)\b|\bthe (?:commit|patch)\b|\bassert(?:ion)?\b|"
    r"\bsegfault|segmentation fault|\bcrash(?:es|ed)?\b|\b(?:compile|compilation|build) (?:error|fail)",
    re.I,
)

_CONFIG_FILE = re.compile(r"(?:^|[/\\])(?:config|settings|conf)[^/\\]*$", re.I)
_LOOKUP_ERROR = re.compile(r"^(?:\w+\.)*(?:KeyError|ValueError|TypeError|LookupError)\b")


def _rule(subject: str) -> tuple[ErrorClass, str] | None:
    for error_class, pattern, reason in _CLASS_RULES:
        if pattern.search(subject):
            return error_class, reason
    return None


def classify(exceptions: list[ParsedException], text: str) -> tuple[ErrorClass, str]:
    """Pick the error class from the exceptions (in the order the log prints them), else the free text."""
    for exc in exceptions:
        if found := _rule(f"{exc.type or ''}: {exc.message or ''}"):
            return found
    found = _rule(text)
    if found and found[0] in _NO_CODE and (defect := _CODE_DEFECT.search(text)):
        return ErrorClass.LOGIC_BUG, f'the text describes a code defect ("{defect.group(0)}")'
    if found:
        return found
    innermost = next((f for exc in reversed(exceptions) for f in exc.frames_innermost_first() if f.in_app), None)
    if (
        innermost
        and innermost.file
        and _CONFIG_FILE.search(innermost.file)
        and _LOOKUP_ERROR.search(exceptions[-1].type or "")
    ):
        return ErrorClass.CONFIG_ERROR, "a lookup or value error raised while reading configuration"
    if exceptions:
        return ErrorClass.LOGIC_BUG, "an exception raised by application code"
    return ErrorClass.LOGIC_BUG, "no rule matched; assuming a code defect"
