"""The Python `checkout` service the scenarios start from: its source, tests, docs and run command."""

CONFIG_JSON = """{
  "currency": "EUR",
  "timeout_ms": 2500,
  "max_items": 50
}
"""

CONFIG = """import json
import os
from pathlib import Path


class ConfigError(Exception):
    pass


def load():
    raw = json.loads((Path(__file__).parent.parent / "config" / "settings.json").read_text())
    timeout = raw["timeout_ms"]
    if not isinstance(timeout, int) or timeout <= 0:
        raise ConfigError(f"invalid value for timeout_ms: {timeout!r}")
    return {
        "currency": raw["currency"],
        "timeout": timeout / 1000,
        "max_items": raw["max_items"],
        "region": os.environ.get("CHECKOUT_REGION", "emea"),
    }
"""

RATES = """REGION_TAX = {
    "emea": 0.20,
    "amer": 0.08,
    "apac": 0.10,
}

DISCOUNTS = {
    "WELCOME": 10,
    "LOYAL": 15,
}
"""

PRICING = """from app.rates import DISCOUNTS, REGION_TAX


def subtotal(items):
    return sum(item["price"] * item["qty"] for item in items)


def discount(total, code):
    percent = DISCOUNTS.get(code, 0)
    return total * (1 - percent / 100)


def tax(total, region):
    rate = REGION_TAX[region]
    return round(total * rate, 2)


def per_item(total, items):
    count = max(1, len(items))
    return round(total / count, 2)
"""

CLIENT = """import json
import os
import urllib.request


def fetch_rates(timeout):
    url = os.environ.get("RATES_URL")
    if not url:
        return {"EUR": 1.0}
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())["rates"]
"""

STORE = """import os
import sqlite3


def save(order, path=":memory:"):
    connection = sqlite3.connect(path, timeout=float(os.environ.get("CHECKOUT_DB_TIMEOUT", "5")))
    with connection:
        connection.execute("CREATE TABLE IF NOT EXISTS orders (id INTEGER, total REAL)")
        connection.execute("INSERT INTO orders VALUES (?, ?)", (order["id"], order["total"]))
    connection.close()
"""

HANDLERS = """from app import client, config, pricing, store


def checkout(order):
    settings = config.load()
    rates = client.fetch_rates(settings["timeout"])
    items = order["items"][: settings["max_items"]]
    total = pricing.subtotal(items)
    total = pricing.discount(total, order.get("code"))
    total = total + pricing.tax(total, settings["region"])
    total = total * rates[settings["currency"]]
    summary = {"id": order["id"], "total": round(total, 2), "each": pricing.per_item(total, items)}
    store.save(summary, order.get("db", ":memory:"))
    return summary
"""

MAIN = """import sys

from app.handlers import checkout

ORDER = {"id": 42, "items": [{"price": 20.0, "qty": 2}, {"price": 5.0, "qty": 1}], "code": "SPRING"}

if __name__ == "__main__":
    print(checkout(ORDER))
    sys.exit(0)
"""

LOCKED_MAIN = """import sqlite3
import sys
import tempfile
from pathlib import Path

from app.handlers import checkout

ORDER = {"id": 42, "items": [{"price": 20.0, "qty": 2}], "code": "WELCOME"}

if __name__ == "__main__":
    # A batch job holds the orders database while the request writes to it.
    db = str(Path(tempfile.mkdtemp()) / "orders.db")
    holder = sqlite3.connect(db)
    holder.execute("CREATE TABLE orders (id INTEGER, total REAL)")
    holder.execute("BEGIN EXCLUSIVE")
    print(checkout({**ORDER, "db": db}))
    sys.exit(0)
"""

TESTS = """from app import pricing


def test_discount_unknown_code():
    assert pricing.discount(100.0, "NOPE") == 100.0


def test_tax_emea():
    assert pricing.tax(100.0, "emea") == 20.0


def test_per_item():
    assert pricing.per_item(10.0, [1, 2]) == 5.0
"""

BASE = {
    "app/__init__.py": "",
    "app/config.py": CONFIG,
    "app/rates.py": RATES,
    "app/pricing.py": PRICING,
    "app/client.py": CLIENT,
    "app/store.py": STORE,
    "app/handlers.py": HANDLERS,
    "app/main.py": MAIN,
    "app/batch.py": LOCKED_MAIN,
    "config/settings.json": CONFIG_JSON,
    "tests/__init__.py": "",
    "tests/test_pricing.py": TESTS,
    "README.md": "# checkout\n\nPrices and stores orders.\n",
    "docs/operations.md": "# Operations\n\nDeploys go out from main.\n",
}
RUN = ["python", "-m", "app.main"]
