"""One exception type for domain errors, with messages a user can read.

The API's exception handler turns these into 400/403/404/409 answers, and the
browser views into a GOV.UK error summary.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str | None = None, *, errors: dict[str, list[str]] | None = None):
        self.errors: dict[str, list[str]] = errors or {}
        if message is None:
            message = "; ".join(m for msgs in self.errors.values() for m in msgs) or "Invalid."
        if not self.errors:
            self.errors = {"non_field_errors": [message]}
        self.message = message
        super().__init__(message)

    @classmethod
    def from_validation_error(cls, error: ValidationError) -> DomainError:
        if hasattr(error, "error_dict"):
            errors = {
                ("non_field_errors" if field == "__all__" else field): list(messages)
                for field, messages in error.message_dict.items()
            }
            return cls(errors=errors)
        return cls(errors={"non_field_errors": list(error.messages)})


class NotPermitted(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404

    def __init__(self, message: str = "Not found."):
        super().__init__(message)


class Conflict(DomainError):
    """An update carried a stale version: somebody else saved first."""

    status_code = 409
