"""Errors raised by services, mapped to HTTP statuses and Slack replies by each surface."""

from __future__ import annotations

from collections.abc import Sequence

from registry_api.domain.recipient_rules import Problem


class ServiceError(Exception):
    status_code = 400

    def __init__(self, detail: str, extra: object = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(ServiceError):
    status_code = 404


class Conflict(ServiceError):
    status_code = 409


class Invalid(ServiceError):
    """A domain rule refused the write; `problems` name the fields (`locations[0].mechanism`)."""

    status_code = 422

    def __init__(self, problems: Sequence[Problem], warnings: Sequence[Problem] = ()) -> None:
        detail = "; ".join(p.message for p in problems) or "invalid"
        super().__init__(detail, {"errors": [p.as_dict() for p in problems]})
        self.problems = tuple(problems)
        self.warnings = tuple(warnings)


class Forbidden(ServiceError):
    status_code = 403
