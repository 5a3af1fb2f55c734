"""The one error type users see: a clear, one-line message that says what to do."""


class SleuthError(Exception):
    """An error caused by input or environment that the user can fix; printed without traceback."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base} ({self.hint})" if self.hint else base
