"""The demo services' code: a payments service (where the incident happens), inventory and notifications.

Each service is real Python with unit tests and post-deploy smoke tests; the history that
`estate.py` writes edits these files the way a team would.
"""

import textwrap

AUTHORS = [
    ("Priya Natarajan", "priya@acme.example"),
    ("Marco Rossi", "marco@acme.example"),
    ("Aisha Bello", "aisha@acme.example"),
    ("Tom Becker", "tom@acme.example"),
    ("Lin Wei", "lin@acme.example"),
    ("Sofia Alvarez", "sofia@acme.example"),
]


def _d(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def common_files(package: str, title: str) -> dict[str, str]:
    """Files every service has: config, util, docs, requirements, pytest setup."""
    return {
        "README.md": f"# {package}\n\n{title}\n\nRun the tests with `python -m pytest`.\n",
        "docs/runbook.md": f"# {package} runbook\n\nOn-call notes for the {package} service.\n",
        "requirements.txt": "requests==2.31.0\nstructlog==24.1.0\nprometheus-client==0.20.0\n",
        "conftest.py": "",
        f"{package}/__init__.py": "",
        f"{package}/config.py": _d(
            '''
            """Service settings, read once at start-up."""

            SETTINGS = {
                "log_level": "INFO",
                "request_timeout_seconds": 5,
            }
            '''
        ),
        f"{package}/util.py": '"""Small helpers shared across the service."""\n',
        "tests/__init__.py": "",
        "tests/unit/__init__.py": "",
        "tests/unit/test_util.py": f"from {package} import util  # noqa: F401\n",
    }


PAYMENTS = {
    **common_files("payments", "Prices carts and converts totals to the shopper's currency."),
    "payments/catalog.py": _d(
        '''
        """Product prices in US dollars."""

        from decimal import Decimal

        PRICES = {
            "sku-espresso": Decimal("3.50"),
            "sku-latte": Decimal("4.25"),
            "sku-beans": Decimal("14.00"),
        }


        def price_of(sku: str) -> Decimal:
            """Return the USD price of a product."""
            return PRICES[sku]
        '''
    ),
    "payments/currency.py": _d(
        '''
        """Currency conversion for checkout totals."""

        from decimal import Decimal

        RATES = {
            "USD": Decimal("1.00"),
            "EUR": Decimal("0.92"),
        }


        def normalize_code(code: str) -> str:
            """Return an ISO 4217 code in canonical form ("eur " -> "EUR")."""
            return code.strip().upper()


        def rate_for(currency: str) -> Decimal:
            """Return how many units of `currency` one US dollar buys."""
            code = normalize_code(currency)
            return RATES[code]


        def supported_currencies() -> list[str]:
            """Return the currencies checkout can price in, sorted."""
            return sorted(RATES)


        def format_amount(amount: Decimal, currency: str) -> str:
            """Format an amount for receipts ("12.50 EUR")."""
            return f"{amount:.2f} {normalize_code(currency)}"


        def convert(amount_usd: Decimal, currency: str) -> Decimal:
            """Convert a USD amount to `currency`, rounded to cents."""
            rate = rate_for(currency)
            return (amount_usd * rate).quantize(Decimal("0.01"))
        '''
    ),
    "payments/checkout.py": _d(
        '''
        """Checkout: price a cart and convert the total to the shopper's currency."""

        from decimal import Decimal

        from payments.catalog import price_of
        from payments.currency import convert, normalize_code


        def subtotal(items: dict[str, int]) -> Decimal:
            """Return the USD subtotal of a cart."""
            return sum((price_of(sku) * quantity for sku, quantity in items.items()), Decimal("0"))


        def checkout(items: dict[str, int], currency: str) -> dict[str, str]:
            """Price a cart in the shopper's currency."""
            total = convert(subtotal(items), currency)
            return {"currency": normalize_code(currency), "total": str(total)}
        '''
    ),
    "payments/cli.py": _d(
        '''
        """Command line entry point used by the HTTP worker and by operators."""

        import argparse
        import json

        from payments.checkout import checkout


        def main(argv: list[str] | None = None) -> int:
            """Price a cart: `python -m payments.cli checkout --currency eur --item sku:2`."""
            parser = argparse.ArgumentParser(prog="payments")
            parser.add_argument("command", choices=["checkout"])
            parser.add_argument("--currency", default="USD")
            parser.add_argument("--item", action="append", default=[])
            args = parser.parse_args(argv)
            items = {sku: int(qty) for sku, qty in (item.split(":") for item in args.item)}
            print(json.dumps(checkout(items, args.currency)))
            return 0


        if __name__ == "__main__":
            raise SystemExit(main())
        '''
    ),
    "tests/unit/test_currency.py": _d(
        """
        from decimal import Decimal

        from payments.currency import convert, normalize_code, rate_for


        def test_normalize_code():
            assert normalize_code(" eur ") == "EUR"


        def test_rate_for_usd_is_one():
            assert rate_for("USD") == Decimal("1.00")


        def test_convert_eur():
            assert convert(Decimal("10.00"), "EUR") == Decimal("9.20")
        """
    ),
    "tests/unit/test_checkout.py": _d(
        """
        from payments.checkout import checkout, subtotal


        def test_subtotal():
            assert str(subtotal({"sku-espresso": 2})) == "7.00"


        def test_checkout_in_dollars():
            assert checkout({"sku-latte": 1}, "USD") == {"currency": "USD", "total": "4.25"}
        """
    ),
    "tests/smoke/__init__.py": "",
    "tests/smoke/test_checkout_smoke.py": _d(
        '''
        """Post-deploy smoke tests: run against each deploy, not in PR CI."""

        from payments.checkout import checkout


        def test_checkout_accepts_lowercase_currency():
            # The storefront sends currency codes as the shopper picked them, often lowercase.
            result = checkout({"sku-espresso": 2}, "eur")
            assert result == {"currency": "EUR", "total": "6.44"}
        '''
    ),
}

INVENTORY = {
    **common_files("inventory", "Tracks stock levels and reservations per warehouse."),
    "inventory/stock.py": _d(
        '''
        """Stock levels and reservations."""


        class OutOfStock(Exception):
            """Raised when a reservation asks for more than is on hand."""


        class Stock:
            """Units on hand per SKU, with reservations held until shipped."""

            def __init__(self, levels: dict[str, int]) -> None:
                self.levels = dict(levels)
                self.reserved: dict[str, int] = {}

            def available(self, sku: str) -> int:
                """Return units on hand minus units reserved."""
                return self.levels.get(sku, 0) - self.reserved.get(sku, 0)

            def reserve(self, sku: str, quantity: int) -> None:
                """Hold units for an order."""
                if quantity > self.available(sku):
                    raise OutOfStock(f"{sku}: wanted {quantity}, have {self.available(sku)}")
                self.reserved[sku] = self.reserved.get(sku, 0) + quantity

            def release(self, sku: str, quantity: int) -> None:
                """Give back held units (order cancelled)."""
                self.reserved[sku] = max(0, self.reserved.get(sku, 0) - quantity)
        '''
    ),
    "tests/unit/test_stock.py": _d(
        """
        import pytest

        from inventory.stock import OutOfStock, Stock


        def test_reserve_and_release():
            stock = Stock({"sku-beans": 5})
            stock.reserve("sku-beans", 3)
            assert stock.available("sku-beans") == 2
            stock.release("sku-beans", 3)
            assert stock.available("sku-beans") == 5


        def test_reserve_too_many():
            with pytest.raises(OutOfStock):
                Stock({"sku-beans": 1}).reserve("sku-beans", 2)
        """
    ),
}

NOTIFICATIONS = {
    **common_files("notifications", "Renders and sends order e-mails."),
    "notifications/templates.py": _d(
        '''
        """E-mail templates for order events."""

        from string import Template

        TEMPLATES = {
            "order_confirmed": Template("Hi $name, your order $order is confirmed."),
            "order_shipped": Template("Hi $name, order $order is on its way."),
        }


        def render(event: str, **fields: str) -> str:
            """Render the template for an order event."""
            return TEMPLATES[event].substitute(**fields)
        '''
    ),
    "tests/unit/test_templates.py": _d(
        """
        from notifications.templates import render


        def test_render_confirmed():
            assert render("order_confirmed", name="Ada", order="A-1") == (
                "Hi Ada, your order A-1 is confirmed."
            )
        """
    ),
}
