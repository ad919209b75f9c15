"""The exceptions of kapture_crm.

Every error whose outcome is unknown (the request may have reached Kapture)
is an ``OutcomeUnknownError``, whatever failed: never a builtin
``ConnectionError``/``TimeoutError``/``OSError`` nor an ``APIError``, so
retry idioms that catch those (Celery's ``autoretry_for``, tenacity's
``retry_if_exception_type``) and ``except APIError`` as "the CRM refused"
cannot send a customer twice or call an unknown outcome a refusal. Its
``code`` says what failed (``"timeout"``, ``"connection"``, ``"server"``...).

Every error keeps all its fields in ``args`` (``(text, details)``), so it
survives pickling and ``type(e)(*e.args)`` (Celery's JSON result backend)
whole; ``str(e)`` is the text. None of them ever holds the API token: the
Rust core scrubs it before an error exists.
"""

from __future__ import annotations

import builtins
from typing import Any, Dict, List, Mapping, Optional, Type

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
    "OutcomeUnknownError",
    "UnexpectedResponseError",
    "AbortedError",
    "ClosedError",
    "InternalError",
]


class KaptureError(Exception):
    """Base of every error raised by kapture_crm.

    ``str(error)`` is the full explanation; ``code`` a stable name of the kind
    (``"validation"``, ``"rate_limited"``, ...); ``outcome_unknown`` is True
    only on ``OutcomeUnknownError``: the request may have reached Kapture
    although the call failed (check the CRM before sending it again).
    """

    code: str = "kapture"
    message: str
    outcome_unknown: bool
    # The fields each class carries, with their defaults (merged along the
    # class's bases).
    _fields: Dict[str, Any] = {"message": None, "code": None, "outcome_unknown": False}

    def __init__(self, text: str, details: Optional[Mapping[str, Any]] = None, /, **fields: Any) -> None:
        merged: Dict[str, Any] = {**(details or {}), **fields}
        super().__init__(text, merged)
        if isinstance(self, OSError):
            # Two arguments make OSError read them as (errno, strerror).
            setattr(self, "errno", None)
            setattr(self, "strerror", text)
        defaults: Dict[str, Any] = {}
        for cls in reversed(type(self).__mro__):
            defaults.update(cls.__dict__.get("_fields", {}))
        for name, default in defaults.items():
            value = merged.get(name, default)
            if name == "code" and value is None:
                continue  # the class's own code
            setattr(self, name, value)
        if self.message is None:
            self.message = text

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class ValidationError(KaptureError, ValueError):
    """The request broke one or more rules; nothing was sent.

    ``errors`` lists every problem as ``{"path": ..., "message": ...}``, with
    dotted paths such as ``contact_info[0].contact_person_email``.
    """

    code = "validation"
    errors: List[FieldProblem]
    _fields = {"errors": []}

    def __init__(self, text: str, details: Optional[Mapping[str, Any]] = None, /, **fields: Any) -> None:
        super().__init__(text, details, **fields)
        self.errors = list(self.errors or [])


class ConfigError(KaptureError):
    """The client or sandbox was set up wrongly (token, subdomain, base_url...)."""

    code = "config"


class APIError(KaptureError):
    """Kapture answered with a refusal: the request was not processed.
    ``message`` is Kapture's own message, ``status_code`` the HTTP status,
    ``body`` the reply (cut to 4 KiB). A refusal saying the record already
    exists ("Lead already exists, Customer ID :N, ...") names its ids in
    ``existing_customer_id`` and ``existing_contact_id`` (None otherwise)."""

    code = "api"
    status_code: int
    body: str
    existing_customer_id: Optional[int]
    existing_contact_id: Optional[int]
    _fields = {"status_code": 0, "body": "", "existing_customer_id": None, "existing_contact_id": None}


class AuthenticationError(APIError):
    """401/403, or the vendor's own words for a refused key ("Invalid Auth
    Key", "APIExpired"). A refusal that merely mentions authorisation is an
    ``APIError`` of that request."""

    code = "authentication"


class RateLimitError(APIError):
    """429: not processed. ``retry_after`` is the server's wait in seconds."""

    code = "rate_limited"
    retry_after: Optional[float]
    _fields = {"retry_after": None}


class ServerError(APIError):
    """503 Service Unavailable: not processed. (A 500, 502 or 504 may come
    after the customer was created: that is an ``OutcomeUnknownError`` with
    ``code == "server"``.)"""

    code = "server"


class TimeoutError(KaptureError, builtins.TimeoutError):
    """Connecting timed out: nothing was sent, safe to retry. (No reply in
    time after sending is an ``OutcomeUnknownError`` with ``code ==
    "timeout"``.)"""

    code = "timeout"


class ConnectionError(KaptureError, builtins.ConnectionError):
    """The connection failed before anything was sent (refused, DNS, TLS):
    safe to retry. (A connection lost while waiting for the reply is an
    ``OutcomeUnknownError`` with ``code == "connection"``.)"""

    code = "connection"


class OutcomeUnknownError(KaptureError):
    """The request may have reached Kapture although the call failed: the
    customer may or may not exist. ``code`` says what failed (``"timeout"``,
    ``"connection"``, ``"server"`` for 500/502/504, ``"aborted"``,
    ``"unexpected_response"`` for a 2xx that is not the API's JSON,
    ``"internal"``); ``status_code`` and ``body`` are there when a reply
    came. Do not retry blindly: look the customer up (``find_customer``) and
    send again only when it is not there."""

    code = "outcome_unknown"
    status_code: int
    body: str
    _fields = {"outcome_unknown": True, "status_code": 0, "body": ""}


class UnexpectedResponseError(KaptureError):
    """The reply was not the JSON the API sends (an HTML page from a proxy,
    a redirect, a body over 1 MiB)."""

    code = "unexpected_response"
    status_code: int
    body: str
    _fields = {"status_code": 0, "body": ""}


class AbortedError(KaptureError):
    """The call was stopped before anything was sent (its run was
    cancelled, or stopped sending). Once a request may have left it is an
    ``OutcomeUnknownError`` with ``code == "aborted"``."""

    code = "aborted"


class ClosedError(ConfigError):
    """The client was closed; nothing was sent."""

    code = "closed"


class InternalError(KaptureError):
    """A defect of this SDK, caught instead of crashing (please report it).
    When the request may have been sent it is an ``OutcomeUnknownError``
    with ``code == "internal"``."""

    code = "internal"


#: The class of each value of the core's ``Error::class()``; the tests check
#: that every one has a class.
BY_CLASS: Dict[str, Type[KaptureError]] = {
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
        OutcomeUnknownError,
        UnexpectedResponseError,
        AbortedError,
        ClosedError,
        InternalError,
    )
}
