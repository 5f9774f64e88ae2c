"""Errors with a clear, user-facing message."""


class KodomoError(Exception):
    """Base class for errors shown to the user as one line."""


class IngestError(KodomoError):
    """A file could not be ingested (names the file and the reason)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class InputError(KodomoError):
    """A request or calculation input is invalid (names the field)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class EngineError(KodomoError):
    """An answer engine failed (timeout, bad reply, missing model)."""
