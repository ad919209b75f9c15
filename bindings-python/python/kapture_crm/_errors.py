"""The exceptions of kapture_crm.

Every class is picklable (so errors cross process pools intact), and none of
them ever holds the API token: the Rust core scrubs it before an error exists.
"""

from __future__ import annotations

import builtins
from typing import Any, Dict, List, Optional, Tuple, Type

from .types import FieldProblem

__all__ = [
    "KaptureError",
    "ValidationError",
    "ConfigError",
    "APIError",
    "AuthenticationError",
    "RateLimitError",
    "ServerError",
    "TimeoutError",
    "ConnectionError",
    "UnexpectedResponseError",
    "AbortedError",
    "ClosedError",
    "InternalError",
]


def _restore(cls: Type["KaptureError"], text: str, attrs: Dict[str, Any]) -> "KaptureError":
    return cls(text, **attrs)


class KaptureError(Exception):
    """Base of every error raised by kapture_crm.

    ``str(error)`` is the full explanation; ``code`` a stable name of the kind
    (``"validation"``, ``"rate_limited"``, ...); ``outcome_unknown`` is True
    when the request may have reached Kapture although the call failed (check
    the CRM before sending it again).
    """

    code: str = "kapture"

    def __init__(
        self,
        text: str,
        *,
        message: Optional[str] = None,
        code: Optional[str] = None,
        outcome_unknown: bool = False,
        **extra: Any,
    ) -> None:
        super().__init__(text)
        self.message: str = message if message is not None else text
        if code is not None:
            self.code = code
        self.outcome_unknown: bool = outcome_unknown
        self._attrs: Dict[str, Any] = {
            "message": message,
            "code": code,
            "outcome_unknown": outcome_unknown,
            **extra,
        }

    def __reduce__(self) -> Tuple[Any, ...]:
        return (_restore, (type(self), str(self), self._attrs))


class ValidationError(KaptureError, ValueError):
    """The request broke one or more rules; nothing was sent.

    ``errors`` lists every problem as ``{"path": ..., "message": ...}``, with
    dotted paths such as ``contact_info[0].contact_person_email``.
    """

    code = "validation"

    def __init__(self, text: str, *, errors: Optional[List[FieldProblem]] = None, **kw: Any) -> None:
        super().__init__(text, errors=errors, **kw)
        self.errors: List[FieldProblem] = list(errors or [])


class ConfigError(KaptureError):
    """The client or sandbox was set up wrongly (token, subdomain, base_url...)."""

    code = "config"


class APIError(KaptureError):
    """Kapture answered with a refusal. ``message`` is Kapture's own message,
    ``status_code`` the HTTP status, ``body`` the reply (cut to 4 KiB).
    A refusal saying the record already exists ("Lead already exists,
    Customer ID :N, ...") names its ids in ``existing_customer_id`` and
    ``existing_contact_id`` (None otherwise)."""

    code = "api"

    def __init__(
        self,
        text: str,
        *,
        status_code: int = 0,
        body: str = "",
        existing_customer_id: Optional[int] = None,
        existing_contact_id: Optional[int] = None,
        **kw: Any,
    ) -> None:
        super().__init__(
            text,
            status_code=status_code,
            body=body,
            existing_customer_id=existing_customer_id,
            existing_contact_id=existing_contact_id,
            **kw,
        )
        self.status_code: int = status_code
        self.body: str = body
        self.existing_customer_id: Optional[int] = existing_customer_id
        self.existing_contact_id: Optional[int] = existing_contact_id


class AuthenticationError(APIError):
    """401/403, or a reply saying the auth key is invalid."""

    code = "authentication"


class RateLimitError(APIError):
    """429: not processed. ``retry_after`` is the server's wait in seconds."""

    code = "rate_limited"

    def __init__(self, text: str, *, retry_after: Optional[float] = None, **kw: Any) -> None:
        super().__init__(text, retry_after=retry_after, **kw)
        self.retry_after: Optional[float] = retry_after


class ServerError(APIError):
    """5xx. 503 means not processed; after 500/502/504 ``outcome_unknown``."""

    code = "server"


class TimeoutError(KaptureError, builtins.TimeoutError):
    """No reply in time. ``outcome_unknown`` unless connecting timed out."""

    code = "timeout"


class ConnectionError(KaptureError, builtins.ConnectionError):
    """The connection failed: before sending (refused, DNS, TLS) or after
    (``outcome_unknown``: reset while waiting for the reply)."""

    code = "connection"


class UnexpectedResponseError(KaptureError):
    """The reply was not the JSON the API sends (an HTML page from a proxy, a
    redirect, a body over 1 MiB)."""

    code = "unexpected_response"

    def __init__(self, text: str, *, status_code: int = 0, body: str = "", **kw: Any) -> None:
        super().__init__(text, status_code=status_code, body=body, **kw)
        self.status_code: int = status_code
        self.body: str = body


class AbortedError(KaptureError):
    """The call was stopped before its reply (its run was cancelled, or
    stopped sending). ``outcome_unknown`` once the request may have left."""

    code = "aborted"


class ClosedError(ConfigError):
    """The client was closed; nothing was sent."""

    code = "closed"


class InternalError(KaptureError):
    """A defect of this SDK, caught instead of crashing (please report it).
    ``outcome_unknown`` when the request may have been sent."""

    code = "internal"


#: The class of each core error code (``Error::code()`` in the Rust core);
#: the tests check that every code has one.
BY_CODE: Dict[str, Type[KaptureError]] = {
    cls.code: cls
    for cls in (
        ValidationError,
        ConfigError,
        APIError,
        AuthenticationError,
        RateLimitError,
        ServerError,
        TimeoutError,
        ConnectionError,
        UnexpectedResponseError,
        AbortedError,
        ClosedError,
        InternalError,
    )
}
