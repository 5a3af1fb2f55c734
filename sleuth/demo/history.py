"""The changes the demo teams merge: everyday fillers and the payments storyline with its bug."""

from collections.abc import Callable
from dataclasses import dataclass

from sleuth.demo.gitwriter import HistoryWriter

Edit = Callable[[HistoryWriter], None]


@dataclass
class PlannedChange:
    """A change to land: its PR text and the edit it makes."""

    title: str
    body: str
    edit: Edit
    day: float
    author: int
    squash: bool = False
    key: str = ""


def replace(writer: HistoryWriter, path: str, old: str, new: str) -> None:
    """Replace one exact snippet in a file (the demo's edits are precise, like a real diff)."""
    text = writer.read(path)
    if old not in text:
        raise ValueError(f"demo edit: {old!r} not found in {path}")
    writer.write({path: text.replace(old, new, 1)})


def append(writer: HistoryWriter, path: str, text: str) -> None:
    """Append text to a file."""
    writer.write({path: writer.read(path) + text})


_HELPERS = [
    (
        "slugify",
        'def slugify(text: str) -> str:\n    """Lowercase words joined by dashes."""\n    return "-".join(text.lower().split())\n',
        'assert util.slugify("Hello World") == "hello-world"',
    ),
    (
        "clamp",
        'def clamp(value: float, low: float, high: float) -> float:\n    """Limit value to [low, high]."""\n    return max(low, min(high, value))\n',
        "assert util.clamp(5, 0, 3) == 3",
    ),
    (
        "parse_bool",
        'def parse_bool(text: str) -> bool:\n    """Read yes/no style flags from the environment."""\n    return text.strip().lower() in {"1", "true", "yes", "on"}\n',
        'assert util.parse_bool("Yes") is True',
    ),
    (
        "mask_email",
        'def mask_email(address: str) -> str:\n    """Hide the local part of an e-mail address in logs."""\n    local, _, domain = address.partition("@")\n    return f"{local[:1]}***@{domain}"\n',
        'assert util.mask_email("ada@example.com") == "a***@example.com"',
    ),
    (
        "chunked",
        'def chunked(items: list, size: int) -> list[list]:\n    """Split a list into batches of at most size items."""\n    return [items[i : i + size] for i in range(0, len(items), size)]\n',
        "assert util.chunked([1, 2, 3], 2) == [[1, 2], [3]]",
    ),
    (
        "retry_delay",
        'def retry_delay(attempt: int, base: float = 0.2, cap: float = 5.0) -> float:\n    """Exponential backoff for calls to other services."""\n    return min(cap, base * 2**attempt)\n',
        "assert util.retry_delay(10) == 5.0",
    ),
    (
        "truncate",
        'def truncate(text: str, limit: int = 80) -> str:\n    """Shorten text for log lines."""\n    return text if len(text) <= limit else text[: limit - 1] + "…"\n',
        'assert util.truncate("abcdef", 4) == "abc…"',
    ),
    (
        "safe_int",
        'def safe_int(text: str, default: int = 0) -> int:\n    """Parse an int from a header, falling back to a default."""\n    try:\n        return int(text)\n    except (TypeError, ValueError):\n        return default\n',
        'assert util.safe_int("x", 7) == 7',
    ),
    (
        "percent",
        'def percent(part: float, whole: float) -> float:\n    """Share of whole, in percent, 0 when whole is 0."""\n    return 0.0 if whole == 0 else 100.0 * part / whole\n',
        "assert util.percent(1, 4) == 25.0",
    ),
    (
        "dedupe",
        'def dedupe(items: list) -> list:\n    """Drop repeated items, keeping the first of each."""\n    return list(dict.fromkeys(items))\n',
        "assert util.dedupe([1, 1, 2]) == [1, 2]",
    ),
]
_DOC_TOPICS = [
    (
        "Describe the dashboards",
        "## Dashboards\n\nLatency and error-rate panels live on the service board.\n",
    ),
    (
        "Document the paging policy",
        "## Paging\n\nPage the primary on-call for error rates above 2% for 5 minutes.\n",
    ),
    (
        "Add a rollback procedure",
        "## Rolling back\n\nRedeploy the previous release tag from the deploy pipeline.\n",
    ),
    ("Explain log fields", "## Logs\n\nEvery line carries a request id; search by it first.\n"),
    (
        "Note the maintenance window",
        "## Maintenance\n\nDatabase maintenance runs Sundays 02:00-03:00 UTC.\n",
    ),
]
_DEPENDENCIES = [("requests", "2.31.0"), ("structlog", "24.1.0"), ("prometheus-client", "0.20.0")]
_SETTINGS = [
    ("metrics_port", "9102", "Expose metrics on a dedicated port"),
    ("cache_ttl_seconds", "300", "Make the cache TTL configurable"),
    ("max_batch_size", "50", "Cap batch sizes in one place"),
    ("feature_new_dashboard", "False", "Add a flag for the new dashboard"),
    ("graceful_shutdown_seconds", "20", "Configure graceful shutdown"),
]


# Real releases, so the repository's own test environment builds from the package registry.
_RELEASES = {
    "requests": ["2.31.0", "2.32.2", "2.32.3", "2.32.4", "2.32.5"],
    "structlog": ["24.1.0", "24.2.0", "24.4.0", "25.1.0", "25.4.0"],
    "prometheus-client": ["0.20.0", "0.21.0", "0.21.1", "0.22.0", "0.22.1"],
}


def _bump(version: str, step: int) -> str:
    releases = _RELEASES.get(next((d for d, v in _DEPENDENCIES if v == version), ""), [])
    if version in releases:
        return releases[min(releases.index(version) + step, len(releases) - 1)]
    major, minor, patch = version.split(".")
    return f"{major}.{minor}.{int(patch) + step}"


def filler_changes(package: str, count: int, days: float, seed: int) -> list[PlannedChange]:
    """Everyday changes: small features with tests, docs, dependency bumps, config knobs."""
    changes: list[PlannedChange] = []
    kinds = ["feature", "docs", "deps", "config", "feature", "test-docs"]
    counters = {"feature": 0, "docs": 0, "deps": 0, "config": 0}
    for index in range(count):
        kind = kinds[(index + seed) % len(kinds)]
        day = (index + 0.5) * days / count
        author = (index * 5 + seed) % 6
        if kind == "feature":
            name, code, test = _HELPERS[counters["feature"] % len(_HELPERS)]
            counters["feature"] += 1

            def edit(w: HistoryWriter, code: str = code, test: str = test, name: str = name) -> None:
                append(w, f"{package}/util.py", "\n\n" + code)
                append(w, "tests/unit/test_util.py", f"\n\ndef test_{name}():\n    {test}\n")

            changes.append(
                PlannedChange(
                    f"Add util.{name} helper",
                    f"Adds `{name}` for {package} and a unit test.",
                    edit,
                    day,
                    author,
                )
            )
        elif kind in ("docs", "test-docs"):
            title, section = _DOC_TOPICS[counters["docs"] % len(_DOC_TOPICS)]
            counters["docs"] += 1
            suffix = f" ({counters['docs']})" if counters["docs"] > len(_DOC_TOPICS) else ""

            def edit(w: HistoryWriter, section: str = section) -> None:
                append(w, "docs/runbook.md", "\n" + section)

            changes.append(PlannedChange(f"docs: {title}{suffix}", "Runbook update.", edit, day, author, squash=True))
        elif kind == "deps":
            dep, version = _DEPENDENCIES[counters["deps"] % len(_DEPENDENCIES)]
            step = counters["deps"] // len(_DEPENDENCIES) + 1
            counters["deps"] += 1

            def edit(w: HistoryWriter, dep: str = dep, version: str = version, step: int = step) -> None:
                text = w.read("requirements.txt")
                current = next(line for line in text.splitlines() if line.startswith(dep + "=="))
                w.write({"requirements.txt": text.replace(current, f"{dep}=={_bump(version, step)}")})

            changes.append(
                PlannedChange(
                    f"Bump {dep} to {_bump(version, step)}",
                    "Dependency update from the weekly bot run.",
                    edit,
                    day,
                    5,
                    squash=True,
                )
            )
        else:
            key, value, title = _SETTINGS[counters["config"] % len(_SETTINGS)]
            counters["config"] += 1
            if counters["config"] > len(_SETTINGS):
                key = f"{key}_{counters['config']}"

            def edit(w: HistoryWriter, key: str = key, value: str = value) -> None:
                replace(w, f"{package}/config.py", "\n}\n", f'\n    "{key}": {value},\n}}\n')

            changes.append(PlannedChange(title, f"Adds the `{key}` setting (default {value}).", edit, day, author))
    return changes


def _rates_gbp_jpy(w: HistoryWriter) -> None:
    replace(
        w,
        "payments/currency.py",
        '    "EUR": Decimal("0.92"),\n',
        '    "EUR": Decimal("0.92"),\n    "GBP": Decimal("0.79"),\n    "JPY": Decimal("151.20"),\n',
    )
    append(
        w,
        "tests/unit/test_currency.py",
        '\n\ndef test_supported_currencies():\n    from payments.currency import supported_currencies\n\n    assert supported_currencies() == ["EUR", "GBP", "JPY", "USD"]\n',
    )


def _round_half_up(w: HistoryWriter) -> None:
    replace(
        w,
        "payments/currency.py",
        "from decimal import Decimal\n",
        "from decimal import ROUND_HALF_UP, Decimal\n",
    )
    replace(
        w,
        "payments/currency.py",
        '.quantize(Decimal("0.01"))',
        '.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)',
    )


def _discounts(w: HistoryWriter) -> None:
    replace(
        w,
        "payments/checkout.py",
        "def checkout(",
        'DISCOUNTS = {"WELCOME10": Decimal("0.90")}\n\n\ndef apply_discount(amount: Decimal, code: str | None) -> Decimal:\n    """Apply a discount code to a USD amount."""\n    return amount * DISCOUNTS.get((code or "").upper(), Decimal("1"))\n\n\ndef checkout(',
    )
    append(
        w,
        "tests/unit/test_checkout.py",
        '\n\ndef test_apply_discount():\n    from decimal import Decimal\n\n    from payments.checkout import apply_discount\n\n    assert apply_discount(Decimal("10"), "welcome10") == Decimal("9.00")\n',
    )


def _culprit(w: HistoryWriter) -> None:
    # Three separate hunks: a constant, the rate lookup (the bug), and convert's quantize call.
    replace(
        w,
        "payments/currency.py",
        "from decimal import ROUND_HALF_UP, Decimal\n",
        'from decimal import ROUND_HALF_UP, Decimal\n\nCENT = Decimal("0.01")\n',
    )
    replace(
        w,
        "payments/currency.py",
        "    code = normalize_code(currency)\n    return RATES[code]\n",
        "    # Codes are validated at the API edge; skip re-normalising on this hot path.\n    return RATES[currency]\n",
    )
    replace(
        w,
        "payments/currency.py",
        '.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)',
        ".quantize(CENT, rounding=ROUND_HALF_UP)",
    )
    append(
        w,
        "tests/unit/test_currency.py",
        '\n\ndef test_convert_rounds_to_cents():\n    from payments.currency import CENT\n\n    assert convert(Decimal("1.005"), "USD").as_tuple().exponent == CENT.as_tuple().exponent\n',
    )


def _validate_codes(w: HistoryWriter) -> None:
    w.write(
        {
            "payments/api.py": '"""The v2 HTTP API: request validation."""\n\nfrom payments.currency import RATES, normalize_code\n\n\ndef validate_currency(code: str) -> str:\n    """Reject unknown currency codes with a clear message (v2 API only)."""\n    normalised = normalize_code(code)\n    if normalised not in RATES:\n        raise ValueError(f"unsupported currency code: {code!r}")\n    return normalised\n'
        }
    )
    w.write(
        {
            "tests/unit/test_api.py": 'import pytest\n\nfrom payments.api import validate_currency\n\n\ndef test_validate_currency_rejects_unknown():\n    with pytest.raises(ValueError):\n        validate_currency("xyz")\n'
        }
    )


def _debug_logging(w: HistoryWriter) -> None:
    replace(
        w,
        "payments/currency.py",
        '"""Currency conversion for checkout totals."""\n\n',
        '"""Currency conversion for checkout totals."""\n\nimport logging\n',
    )
    replace(
        w,
        "payments/currency.py",
        "    rate = rate_for(currency)\n",
        '    rate = rate_for(currency)\n    logging.getLogger(__name__).debug("converting at %s %s/USD", rate, currency)\n',
    )


def _receipts(w: HistoryWriter) -> None:
    replace(
        w,
        "payments/checkout.py",
        "from payments.currency import convert, normalize_code\n",
        "from payments.currency import convert, format_amount, normalize_code\n",
    )
    append(
        w,
        "payments/checkout.py",
        '\n\ndef receipt_line(items: dict[str, int], currency: str) -> str:\n    """One line for the e-mail receipt."""\n    return f"Total: {format_amount(convert(subtotal(items), currency), currency)}"\n',
    )


def _chf(w: HistoryWriter) -> None:
    replace(
        w,
        "payments/currency.py",
        '    "GBP": Decimal("0.79"),\n',
        '    "CHF": Decimal("0.88"),\n    "GBP": Decimal("0.79"),\n',
    )
    replace(
        w,
        "tests/unit/test_currency.py",
        '["EUR", "GBP", "JPY", "USD"]',
        '["CHF", "EUR", "GBP", "JPY", "USD"]',
    )


CULPRIT_KEY = "culprit"


def payments_storyline(incident_day: float) -> list[PlannedChange]:
    """The payments changes that matter to the incident, culprit included (not the newest one)."""
    d = incident_day - 1 - 9 / 24  # midnight of the day before the incident's deploy
    return [
        PlannedChange(
            "Add GBP and JPY exchange rates",
            "UK and Japan storefronts launch next week.",
            _rates_gbp_jpy,
            3.2,
            0,
        ),
        PlannedChange(
            "Round converted totals half-up",
            "Finance asked for half-up rounding to match invoices.",
            _round_half_up,
            8.3,
            2,
        ),
        PlannedChange(
            "Support discount codes at checkout",
            "Adds WELCOME10 for the spring campaign.",
            _discounts,
            12.4,
            1,
        ),
        PlannedChange(
            "Speed up currency conversion on the hot path",
            "Profiling showed convert() in the top 5 of checkout CPU. Precompute the cent quantizer and avoid repeated work in the rate lookup.",
            _culprit,
            d + 10 / 24,
            3,
            key=CULPRIT_KEY,
        ),
        PlannedChange(
            "Validate currency codes in the v2 API",
            "Unknown currency codes now get a 400 with a clear message instead of a 500.",
            _validate_codes,
            d + 11 / 24,
            4,
            squash=True,
        ),
        PlannedChange(
            "Log conversion rates at debug level",
            "Helps reconcile totals with finance.",
            _debug_logging,
            d + 14 / 24,
            0,
        ),
        PlannedChange(
            "Add receipt lines with formatted totals",
            "Receipts show the converted total.",
            _receipts,
            d + 16 / 24,
            2,
            squash=True,
        ),
        PlannedChange("Add CHF exchange rate", "Swiss storefront.", _chf, d + 1 + 9.1 / 24, 1),
    ]
