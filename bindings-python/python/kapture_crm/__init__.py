"""Push customers into Kapture CRM. The work happens in a Rust core:
validation before any I/O, pooled HTTPS, retries that never create a
duplicate customer.

    import kapture_crm
    client = kapture_crm.Client()   # KAPTURE_TOKEN + KAPTURE_SUBDOMAIN
    client.add_customer({"customer_info": {"customer_name": "ABC", "phone": "9380491387"}})
"""

from __future__ import annotations

import logging as _logging
import warnings as _warnings
from typing import Any, Mapping, Union

from . import _native
from ._bulk import AsyncBulkResults, BulkResults, FromJournal
from ._client import AsyncClient, Client
from ._errors import (
    AbortedError,
    APIError,
    AuthenticationError,
    ClosedError,
    ConfigError,
    ConnectionError,
    InternalError,
    KaptureError,
    OutcomeUnknownError,
    RateLimitError,
    ServerError,
    TimeoutError,
    UnexpectedResponseError,
    ValidationError,
)
from ._read import CellError, ReadRows, Row, read_rows
from ._rows import from_row
from ._sandbox import Sandbox
from .types import AddCustomerRequest, AddCustomerResponse, Customer

# A bulk run's outcome for a blank row (every cell empty): nothing was sent.
BLANK = _native.BLANK
BlankRow = _native.BlankRow

__version__: str = _native.__version__

# A library prints nothing unless asked: records of the loggers under
# "kapture_crm" ("kapture_crm.http", ".bulk", ".lookup", ".reconcile") go
# where the application's logging config sends them. KAPTURE_LOG=debug (or
# info, warn, error) attaches a stderr handler at that level, like OPENAI_LOG.
_logger = _logging.getLogger("kapture_crm")
_logger.addHandler(_logging.NullHandler())


def _log_from_env() -> None:
    # The core reads and checks KAPTURE_LOG (the same words and message in
    # every front end); a bad value is a warning here, never an error at
    # import.
    try:
        level = _native._log_level_from_env()
    except KaptureError as error:
        _warnings.warn(f"{error}; ignored", stacklevel=2)
        return
    if level is None:
        return
    handler = _logging.StreamHandler()
    handler.setFormatter(_logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    _logger.addHandler(handler)
    _logger.setLevel(level)


_log_from_env()

__all__ = [
    "Client",
    "AsyncClient",
    "Sandbox",
    "BulkResults",
    "AsyncBulkResults",
    "validate",
    "to_wire",
    "from_row",
    "read_rows",
    "Row",
    "ReadRows",
    "CellError",
    "BLANK",
    "BlankRow",
    "FromJournal",
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
    "AddCustomerRequest",
    "AddCustomerResponse",
    "Customer",
]


def validate(request: Union[AddCustomerRequest, Mapping[str, Any]]) -> None:
    """Checks a request without sending it; raises ValidationError listing
    every problem."""
    _native.validate(request)


def to_wire(request: Union[AddCustomerRequest, Mapping[str, Any]]) -> AddCustomerRequest:
    """The request exactly as it would be sent: every documented field, with
    the vendor's defaults for what you left out."""
    return _native.to_wire(request)  # type: ignore[no-any-return]
