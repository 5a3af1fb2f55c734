"""The Python `checkout` service's scenarios: logic bugs, config errors, outages, transient faults."""

from sleuth.evals.scenarios.python_checkout_service import BASE, RUN
from sleuth.evals.scenarios.spec import Edit, spec_maker

# Ordinary PRs: some touch the same files as the faults (distractors), some do not.
DOCS = Edit(
    "Document the deploy process", write={"docs/operations.md": "# Operations\n\nDeploys go out from main after CI.\n"}
)
README = Edit(
    "Describe the service in the README", write={"README.md": "# checkout\n\nPrices, taxes and stores orders.\n"}
)
PRICING_DOC = Edit(
    "Explain subtotal rounding",
    replace={
        "app/pricing.py": ("def subtotal(items):\n", 'def subtotal(items):\n    """Sum of price x quantity."""\n')
    },
)
PRICING_HELPER = Edit(
    "Add a shipping estimate helper",
    replace={
        "app/pricing.py": ("def per_item(", "def shipping(weight):\n    return 4.5 + 0.5 * weight\n\n\ndef per_item(")
    },
)
RATES_NEW_CODE = Edit(
    "Add the SUMMER discount code",
    replace={"app/rates.py": ('    "LOYAL": 15,\n', '    "LOYAL": 15,\n    "SUMMER": 5,\n')},
)
HANDLER_LOG = Edit(
    "Log each checkout",
    replace={
        "app/handlers.py": (
            "def checkout(order):\n",
            "import logging\n\nlog = logging.getLogger(__name__)\n\n\ndef checkout(order):\n    log.info('checkout %s', order['id'])\n",
        )
    },
)
CLIENT_UA = Edit(
    "Send a user agent to the rates service",
    replace={"app/client.py": ("import urllib.request\n", "import urllib.request\n\nUSER_AGENT = 'checkout/1.0'\n")},
)
STORE_INDEX = Edit(
    "Index orders by id",
    replace={
        "app/store.py": (
            '        connection.execute("INSERT',
            '        connection.execute("CREATE INDEX IF NOT EXISTS by_id ON orders (id)")\n        connection.execute("INSERT',
        )
    },
)
CONFIG_COMMENT = Edit(
    "Comment the settings loader",
    replace={
        "app/config.py": ("def load():\n", 'def load():\n    """Read config/settings.json and the environment."""\n')
    },
)
MAX_ITEMS = Edit("Allow 100 items per order", replace={"config/settings.json": ('"max_items": 50', '"max_items": 100')})


_spec = spec_maker("py", service="checkout", language="python", base=BASE, command=RUN)

SPECS = [
    _spec(
        "discount_keyerror",
        "Checkout fails for orders with unknown discount codes",
        "logic_bug",
        Edit(
            "Reject unknown discount codes early",
            replace={"app/pricing.py": ("DISCOUNTS.get(code, 0)", "DISCOUNTS[code]")},
        ),
        before=[PRICING_DOC, DOCS],
        after=[README],
        fault_files=["app/pricing.py"],
        tests=["tests/test_pricing.py"],
        tags=["frame_line"],
    ),
    _spec(
        "region_removed",
        "Checkout 500s for EMEA customers",
        "logic_bug",
        Edit(
            "Move EMEA tax to the tax service",
            replace={"app/rates.py": ('    "emea": 0.20,\n', "")},
            body="EMEA VAT is computed by the tax service from now on.",
        ),
        before=[RATES_NEW_CODE, PRICING_HELPER],
        after=[PRICING_DOC, DOCS],
        fault_files=["app/rates.py"],
        tests=["tests/test_pricing.py::test_tax_emea"],
        tags=["outside_frames", "not_newest", "same_file_distractor"],
    ),
    _spec(
        "per_item_zero",
        "Checkout crashes with ZeroDivisionError",
        "logic_bug",
        Edit(
            "Count only billable items",
            replace={
                "app/pricing.py": ("count = max(1, len(items))", "count = len([i for i in items if i.get('billable')])")
            },
        ),
        before=[DOCS],
        after=[PRICING_HELPER, README, HANDLER_LOG],
        fault_files=["app/pricing.py"],
        tests=["tests/test_pricing.py::test_per_item"],
        tags=["frame_line", "not_newest", "same_file_distractor"],
    ),
    _spec(
        "tax_returns_string",
        "Checkout fails: TypeError adding tax",
        "logic_bug",
        Edit(
            "Format tax for receipts",
            replace={"app/pricing.py": ("return round(total * rate, 2)", 'return f"{total * rate:.2f}"')},
        ),
        before=[HANDLER_LOG],
        after=[CONFIG_COMMENT, DOCS],
        fault_files=["app/pricing.py"],
        tags=["outside_frames", "call_path", "not_newest"],
    ),
    _spec(
        "renamed_function",
        "Checkout is down: AttributeError in handlers",
        "logic_bug",
        Edit(
            "Rename discount() to apply_discount()",
            replace={"app/pricing.py": ("def discount(total, code):", "def apply_discount(total, code):")},
        ),
        before=[HANDLER_LOG, PRICING_HELPER],
        after=[README],
        fault_files=["app/pricing.py"],
        tags=["outside_frames", "not_newest"],
    ),
    _spec(
        "timeout_string",
        "Checkout refuses to start: invalid timeout",
        "config_error",
        Edit(
            "Express the rates timeout in seconds",
            replace={"config/settings.json": ('"timeout_ms": 2500', '"timeout_ms": "2.5s"')},
        ),
        before=[CONFIG_COMMENT, MAX_ITEMS],
        after=[DOCS, README],
        fault_files=["config/settings.json"],
        tags=["outside_frames", "config_key", "not_newest", "same_file_distractor"],
    ),
    _spec(
        "currency_key",
        "Checkout fails reading its settings (KeyError 'currency_code')",
        "config_error",
        Edit(
            "Use ISO currency codes in settings",
            replace={"app/config.py": ('"currency": raw["currency"]', '"currency": raw["currency_code"]')},
        ),
        before=[MAX_ITEMS],
        after=[CONFIG_COMMENT, DOCS],
        fault_files=["app/config.py"],
        tags=["frame_line", "config_key", "not_newest", "same_file_distractor"],
    ),
    _spec(
        "region_env_required",
        "Checkout crashes at start: missing environment variable",
        "config_error",
        Edit(
            "Require the region to be configured",
            replace={"app/config.py": ('os.environ.get("CHECKOUT_REGION", "emea")', 'os.environ["CHECKOUT_REGION"]')},
        ),
        after=[RATES_NEW_CODE, MAX_ITEMS, DOCS],
        fault_files=["app/config.py"],
        tags=["frame_line", "config_key", "not_newest"],
    ),
    _spec(
        "undeployed_newest",
        "Checkout fails for orders with unknown discount codes",
        "logic_bug",
        Edit(
            "Reject unknown discount codes early",
            replace={"app/pricing.py": ("DISCOUNTS.get(code, 0)", "DISCOUNTS[code]")},
        ),
        before=[DOCS],
        after=[README],
        undeployed=[
            Edit(
                "Validate discount codes against the catalogue",
                replace={
                    "app/pricing.py": (
                        "def discount(total, code):\n",
                        "def discount(total, code):\n    code = (code or '').upper()\n",
                    )
                },
            ),
            Edit(
                "Tidy the pricing module",
                replace={
                    "app/pricing.py": ("def tax(total, region):", "def tax(total, region):  # region: emea|amer|apac")
                },
            ),
        ],
        fault_files=["app/pricing.py"],
        tags=["deploy_timing", "not_newest", "same_file_distractor"],
    ),
    _spec(
        "undeployed_config",
        "Checkout refuses to start: invalid timeout",
        "config_error",
        Edit(
            "Express the rates timeout in seconds",
            replace={"config/settings.json": ('"timeout_ms": 2500', '"timeout_ms": "2.5s"')},
        ),
        before=[README],
        after=[DOCS],
        undeployed=[
            Edit(
                "Raise the rates timeout_ms limit",
                replace={
                    "app/config.py": (
                        "if not isinstance(timeout, int) or timeout <= 0:",
                        "if not isinstance(timeout, int) or not 0 < timeout <= 60000:",
                    )
                },
            ),
        ],
        fault_files=["config/settings.json"],
        tags=["deploy_timing", "outside_frames", "config_key", "not_newest"],
    ),
    _spec(
        "merge_commit_culprit",
        "Checkout 500s for EMEA customers",
        "logic_bug",
        Edit("Move EMEA tax to the tax service", replace={"app/rates.py": ('    "emea": 0.20,\n', "")}, merge=True),
        before=[PRICING_DOC],
        after=[
            Edit(
                "Add the SUMMER discount code",
                replace={"app/rates.py": ('    "LOYAL": 15,\n', '    "LOYAL": 15,\n    "SUMMER": 5,\n')},
                merge=True,
            ),
            DOCS,
        ],
        fault_files=["app/rates.py"],
        tags=["outside_frames", "merge_commits", "not_newest", "same_file_distractor"],
    ),
    # No code change caused these: the dependency or the moment failed.
    _spec(
        "rates_refused",
        "Checkout failing: cannot reach the rates service",
        "dependency_down",
        None,
        before=[CLIENT_UA, PRICING_HELPER, DOCS],
        dependency="refused",
        tags=["outage"],
    ),
    _spec(
        "rates_503",
        "Checkout failing: rates service unavailable",
        "dependency_down",
        None,
        before=[HANDLER_LOG, CLIENT_UA, README],
        dependency="503",
        tags=["outage"],
    ),
    _spec(
        "rates_429",
        "Checkout errors spike: rates service throttling",
        "transient",
        None,
        before=[MAX_ITEMS, CLIENT_UA],
        dependency="429",
        tags=["throttled"],
    ),
    _spec(
        "orders_db_locked",
        "Checkout batch fails writing orders",
        "transient",
        None,
        before=[STORE_INDEX, DOCS],
        command=["python", "-m", "app.batch"],
        env={"CHECKOUT_DB_TIMEOUT": "0"},
        tags=["lock"],
    ),
]
