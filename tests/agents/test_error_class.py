"""Error classes: no-code faults are named by what they print, not by a word that prose also uses."""

import pytest

from sleuth.agents.error_class import classify
from sleuth.agents.plan import plan
from sleuth.models import ErrorClass, Incident


def _class_of(description: str = "", logs: str = "") -> ErrorClass:
    incident = Incident(description=description, logs=logs, started_at="2026-01-01T00:00:00Z")
    return plan(incident).error_class


@pytest.mark.parametrize(
    ("logs", "expected"),
    [
        ("urllib.error.URLError: <urlopen error [Errno 111] Connection refused>", ErrorClass.DEPENDENCY_DOWN),
        ("urllib.error.HTTPError: HTTP Error 503: Service Unavailable", ErrorClass.DEPENDENCY_DOWN),
        ("Error: connect ECONNREFUSED 127.0.0.1:48831", ErrorClass.DEPENDENCY_DOWN),
        ("upstream connect error or disconnect/reset before headers", ErrorClass.DEPENDENCY_DOWN),
        ("requests.exceptions.HTTPError: 502 Server Error: Bad Gateway for url: /rates", ErrorClass.DEPENDENCY_DOWN),
        ("urllib.error.HTTPError: HTTP Error 429: Too Many Requests", ErrorClass.TRANSIENT),
        ("sqlite3.OperationalError: database is locked", ErrorClass.TRANSIENT),
        ("Deadlock found when trying to get lock; try restarting transaction", ErrorClass.TRANSIENT),
        ("socket.gaierror: [Errno -3] Temporary failure in name resolution", ErrorClass.TRANSIENT),
        ("django.core.exceptions.ImproperlyConfigured: SECRET_KEY must not be empty", ErrorClass.CONFIG_ERROR),
        ("KeyError: 'currency'", ErrorClass.LOGIC_BUG),
    ],
)
def test_what_a_fault_prints_decides_its_class(logs: str, expected: ErrorClass) -> None:
    assert _class_of(logs=logs) == expected


@pytest.mark.parametrize(
    "description",
    [
        # Real fix and revert messages whose bare words ("upstream", "temporary", "try again",
        # "deadlock", "connection reset", "503") once sent them to "no code change".
        "This broke screensaver inhibition with KDE. This seems unlikely to get fixed upstream this year.",
        "It's a temporary revert: the compression was broken two commits before.",
        "The pager cleanup escaped `~`. I fully expect that we'll try again, but master stays working.",
        "Thread isolation does not work well for this: code paths already hold the lock, a deadlock.",
        "Instead, take a stack copy of the relevant struct. Avoids leaving temporary state dangling.",
        "Fixes http: assert that evbuffer_drain() succeeds on connection reset\n"
        " FAIL test/regress_http.c:3775: assert(code == HTTP_ENTITYTOOLARGE): 501 vs 413",
        "Without this patch (haproxy is using setlocale):\n$ curl -i localhost:9000\nHTTP/1.0 503 Service Unavailable",
        "BIO_read returns negative numbers on retryable errors (EAGAIN). A regression from the rewrite.",
    ],
)
def test_prose_about_code_is_not_a_no_code_fault(description: str) -> None:
    assert _class_of(description=description) == ErrorClass.LOGIC_BUG


def test_a_service_that_is_down_is_not_by_itself_a_dependency() -> None:
    assert _class_of(description="Workers timed out connecting to the queue broker all night.") == (
        ErrorClass.DEPENDENCY_DOWN
    )
    logs = "Checkout is down: AttributeError in handlers\nAttributeError: module 'app.pricing' has no attribute 'x'"
    assert _class_of(logs=logs) == ErrorClass.LOGIC_BUG


def test_an_exception_outranks_the_prose_around_it() -> None:
    logs = (
        'File "app/rates.py", line 9, in fetch\nurllib.error.URLError: <urlopen error [Errno 111] Connection refused>'
    )
    assert _class_of(description="Started right after the last change to rates.py", logs=logs) == (
        ErrorClass.DEPENDENCY_DOWN
    )


def test_the_reason_quotes_what_overruled_a_no_code_phrase() -> None:
    error_class, reason = classify([], "Service Unavailable since this commit broke the pool")
    assert error_class == ErrorClass.LOGIC_BUG
    assert '"this commit"' in reason or '"broke"' in reason
