"""Errors casehub raises on purpose; each carries a one-line message for a person.

The CLI prints `CasehubError` messages as a single line and exits non-zero; the
API turns the field-level ones into typed payload errors.
"""

from __future__ import annotations


class CasehubError(Exception):
    """An expected failure with a message meant for the operator, not a traceback."""


class ConfigError(CasehubError):
    """The deployment's configuration is wrong (bad URL, bad setting)."""


class NotMigratedError(CasehubError):
    """The database schema is behind the code's migrations."""


class ValidationError(CasehubError):
    """A value is invalid; `field` names it and `code` says why, machine-readably."""

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.code = code
        self.message = message


class ValidationErrors(CasehubError):
    """Several invalid values in one input, each a `ValidationError`; nothing was recorded.

    Services check a whole input and report every problem at once (a form or a report with
    three bad rows gets three errors), so the person fixing it does not go round three times.
    """

    def __init__(self, errors: list[ValidationError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors
