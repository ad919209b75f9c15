# Stubs of the Rust extension module. The public API is the Python package
# around it; these types are what its wrappers rely on.
# `python -m mypy.stubtest kapture_crm._native` (in the test command)
# checks them against the built module.
from typing import Any, Callable, Dict, List, Literal, Mapping, Optional, Tuple, Union, final

from typing_extensions import Self

__all__ = ["Client", "BulkRun", "Sandbox", "validate", "to_wire", "_log_level_from_env", "from_row", "__version__", "ERROR_CODES", "ERROR_CLASSES"]

__version__: str

@final
class Client:
    def __new__(
        cls,
        token: Optional[str] = None,
        *,
        subdomain: Optional[str] = None,
        base_url: Optional[str] = None,
        timeout: Optional[float] = None,
        connect_timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        retry_unknown_outcome: Optional[bool] = None,
        user_agent: Optional[str] = None,
        ca_file: Optional[str] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        default_headers: Optional[Mapping[str, str]] = None,
    ) -> Self: ...
    def add_customer(
        self, request: Any, *, timeout: Optional[float] = None, max_retries: Optional[float] = None
    ) -> Any: ...
    def add_customer_async(
        self, request: Any, *, timeout: Optional[float] = None, max_retries: Optional[float] = None
    ) -> Tuple[Any, Callable[[], None]]: ...
    def update_customer(
        self, customer_id: Any, request: Any, *, timeout: Optional[float] = None, max_retries: Optional[float] = None
    ) -> Any: ...
    def update_customer_async(
        self, customer_id: Any, request: Any, *, timeout: Optional[float] = None, max_retries: Optional[float] = None
    ) -> Tuple[Any, Callable[[], None]]: ...
    def find_customer(
        self,
        customer_id: Any = None,
        phone: Optional[str] = None,
        email: Optional[str] = None,
        *,
        timeout: Optional[float] = None,
        max_retries: Optional[float] = None,
    ) -> Any: ...
    def find_customer_async(
        self,
        customer_id: Any = None,
        phone: Optional[str] = None,
        email: Optional[str] = None,
        *,
        timeout: Optional[float] = None,
        max_retries: Optional[float] = None,
    ) -> Tuple[Any, Callable[[], None]]: ...
    def with_options(self, *, timeout: Optional[float] = None, max_retries: Optional[float] = None) -> Client: ...
    def bulk(
        self,
        concurrency: Optional[float] = None,
        ordered: bool = True,
        rate: Optional[float] = None,
        columns: Optional[Mapping[str, str]] = None,
        date_format: Optional[str] = None,
    ) -> BulkRun: ...
    @property
    def timeout(self) -> float: ...
    @property
    def max_retries(self) -> int: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    @property
    def endpoint(self) -> str: ...

@final
class BulkRun:
    def wants_input(self) -> bool: ...
    def feed_nowait(self, input: Any) -> None: ...
    def close_input(self) -> None: ...
    def abort(self) -> None: ...
    def next_blocking(self) -> Union[Tuple[int, Any, bool], None, Literal[False]]: ...
    def next_batch_async(self, max: int) -> Any: ...

@final
class Sandbox:
    def __new__(
        cls, faults: Any = None, *, token: Optional[str] = None, port: int = 0, merge: bool = True
    ) -> Self: ...
    @property
    def url(self) -> str: ...
    @property
    def token(self) -> str: ...
    @property
    def running(self) -> bool: ...
    def customers(self) -> List[Dict[str, Any]]: ...
    def stats(self) -> Dict[str, Any]: ...
    def faults(self) -> Dict[str, Any]: ...
    def set_faults(self, faults: Any) -> None: ...
    def clear(self) -> None: ...
    def stop(self) -> None: ...

ERROR_CODES: List[str]
ERROR_CLASSES: List[str]

def validate(request: Any) -> None: ...
def to_wire(request: Any) -> Any: ...
# Tests only: to_wire through the untyped path (test_typed_fast_path.py).
def from_row(row: Any, columns: Optional[Mapping[str, str]] = None, date_format: Optional[str] = None) -> Any: ...

def _log_level_from_env() -> Optional[int]: ...
