"""The one table format every `make bench` script prints: benchmark, result, target, verdict."""


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    """Print rows of (benchmark, result, target, verdict) under a header."""
    width = max(len(row[0]) for row in rows)
    print(f"\n{'benchmark':<{width}}  result  |  target  |  verdict")
    for name, result, target, verdict in rows:
        print(f"{name:<{width}}  {result}  |  {target}  |  {verdict}")
