"""Fixtures: the project's sandbox, and a scripted loopback HTTP server that
records every request and answers from a script."""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

import kapture_crm

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"
TOKEN = "py-test-token-7d1e"


@pytest.fixture(autouse=True)
def no_kapture_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KAPTURE_TOKEN", "KAPTURE_SUBDOMAIN", "KAPTURE_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def vendor_request() -> Dict[str, Any]:
    return json.loads((FIXTURES / "vendor_request.json").read_text())  # type: ignore[no-any-return]


@pytest.fixture
def vendor_response_text() -> str:
    return (FIXTURES / "vendor_response.json").read_text()


class Step:
    """One scripted answer."""

    def __init__(
        self,
        status: int = 200,
        body: str = "",
        headers: Optional[Dict[str, str]] = None,
        *,
        reset: bool = False,
        delay: float = 0.0,
        content_type: str = "application/json",
    ) -> None:
        self.status, self.body, self.reset, self.delay = status, body, reset, delay
        self.headers = {"Content-Type": content_type, **(headers or {})}

    @classmethod
    def success(cls, **kw: Any) -> "Step":
        return cls(200, (FIXTURES / "vendor_response.json").read_text(), **kw)


class Recorded:
    def __init__(self, method: str, path: str, headers: Dict[str, str], body: bytes) -> None:
        self.method, self.path, self.headers, self.body = method, path, headers, body

    def json(self) -> Any:
        return json.loads(self.body)


class Scripted:
    """Steps are used in order; the last one repeats."""

    def __init__(self, steps: List[Step]) -> None:
        self.steps = list(steps)
        self.requests: List[Recorded] = []
        self.lock = threading.Lock()
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                with scripted.lock:
                    scripted.requests.append(Recorded("POST", self.path, headers, body))
                    step = scripted.steps.pop(0) if len(scripted.steps) > 1 else scripted.steps[0]
                if step.delay:
                    time.sleep(step.delay)
                if step.reset:
                    # RST instead of FIN: the connection dies mid-reply.
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.close_connection = True
                    return
                payload = step.body.encode()
                self.send_response(step.status)
                for name, value in step.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def count(self) -> int:
        with self.lock:
            return len(self.requests)

    def client(self, **options: Any) -> kapture_crm.Client:
        options.setdefault("max_retries", 2)
        return kapture_crm.Client(TOKEN, base_url=self.url, **options)

    def async_client(self, **options: Any) -> kapture_crm.AsyncClient:
        return kapture_crm.AsyncClient(TOKEN, base_url=self.url, **options)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def scripted() -> Iterator[Any]:
    servers: List[Scripted] = []

    def start(*steps: Step) -> Scripted:
        server = Scripted(list(steps))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def sandbox() -> Iterator[kapture_crm.Sandbox]:
    with kapture_crm.Sandbox() as sandbox:
        yield sandbox


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def timed(fn: Any) -> Tuple[Any, float]:
    started = time.monotonic()
    result = fn()
    return result, time.monotonic() - started


class Ticker:
    """A task that counts how often the event loop lets it run:
    ``async with Ticker(interval) as ticker: ...`` then ``ticker.ticks``."""

    def __init__(self, interval: float = 0.0) -> None:
        self.ticks = 0
        self._interval = interval
        self._stop = False
        self._task: Optional["asyncio.Task[None]"] = None

    async def _run(self) -> None:
        while not self._stop:
            self.ticks += 1
            await asyncio.sleep(self._interval)

    async def __aenter__(self) -> "Ticker":
        self._task = asyncio.ensure_future(self._run())
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self._stop = True
        if self._task is not None:
            await self._task
