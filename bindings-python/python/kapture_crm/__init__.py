"""Push customers into Kapture CRM. The work happens in a Rust core:
validation before any I/O, pooled HTTPS, retries that never create a
duplicate customer.

    import kapture_crm
    client = kapture_crm.Client()   # KAPTURE_TOKEN + KAPTURE_SUBDOMAIN
    client.add_customer({"customer_info": {"customer_name": "ABC", "phone": "9380491387"}})
"""

from __future__ import annotations

from typing import Any, Mapping, Union

from . import _native
from ._bulk import AsyncBulkResults, BulkResults
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
    RateLimitError,
    ServerError,
    TimeoutError,
    UnexpectedResponseError,
    ValidationError,
)
from ._rows import from_row
from ._sandbox import Sandbox
from .types import AddCustomerRequest, AddCustomerResponse, Customer

__version__: str = _native.__version__

__all__ = [
    "Client",
    "AsyncClient",
    "Sandbox",
    "BulkResults",
    "AsyncBulkResults",
    "validate",
    "to_wire",
    "from_row",
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
