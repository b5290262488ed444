"""Fault injection and the call log: an ASGI middleware around the sandbox app."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

import anyio
import attrs
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Paths that faults never touch and the call log does not record.
_EXEMPT = ("/sandbox/", "/openapi.json")


@attrs.define(kw_only=True)
class Fault:
    """The next ``count`` calls matching ``method`` and ``path`` (a prefix) fail.

    :ivar status: answer with this status (problem details) instead.
    :ivar delay_seconds: wait this long before answering (or failing).
    :ivar drop: close the connection without answering.
    :ivar when: ``"before"`` the call is handled (nothing is stored) or
        ``"after"`` (the call took effect, but its answer is lost or replaced).
        The default is ``"after"`` for ``drop``, ``"before"`` otherwise.
    :ivar retry_after: a ``Retry-After`` header (seconds) to send with ``status``.
    """

    method: str | None = None
    path: str | None = None
    status: int | None = None
    delay_seconds: float = 0.0
    drop: bool = False
    when: str = "before"
    retry_after: int | None = None
    count: int = 1

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> Fault:
        """Build a fault from the ``POST /sandbox/v1/faults`` body.

        :raises ValueError: with a message for the client.
        """
        drop = bool(body.get("drop", False))
        status = body.get("status")
        when = body.get("when", "after" if drop else "before")
        if when not in ("before", "after"):
            raise ValueError('"when" must be "before" or "after"')
        if status is not None and not (isinstance(status, int) and 100 <= status <= 599):
            raise ValueError('"status" must be an HTTP status code')
        count = body.get("count", 1)
        if not isinstance(count, int) or count < 1:
            raise ValueError('"count" must be a positive whole number')
        delay = body.get("delaySeconds", 0)
        if not isinstance(delay, int | float) or delay < 0:
            raise ValueError('"delaySeconds" must be a number of seconds')
        if not (drop or status or delay):
            raise ValueError('a fault needs "status", "drop" or "delaySeconds"')
        method = body.get("method")
        return cls(
            method=method.upper() if isinstance(method, str) else None,
            path=body.get("path"),
            status=status,
            delay_seconds=float(delay),
            drop=drop,
            when=when,
            retry_after=body.get("retryAfter"),
            count=count,
        )

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "delaySeconds": self.delay_seconds,
            "drop": self.drop,
            "when": self.when,
            "retryAfter": self.retry_after,
            "count": self.count,
        }

    def matches(self, method: str, path: str) -> bool:
        """Whether a call is one this fault applies to."""
        return (self.method is None or self.method == method) and (
            self.path is None or path.startswith(self.path)
        )


class Faults:
    """The pending faults and the calls received so far (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._faults: list[Fault] = []
        self._calls: list[dict[str, Any]] = []

    def add(self, fault: Fault) -> None:
        """Queue a fault."""
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        """Forget every pending fault and the call log."""
        with self._lock:
            self._faults.clear()
            self._calls.clear()

    def pending(self) -> list[dict[str, Any]]:
        """Return the pending faults."""
        with self._lock:
            return [f.to_json() for f in self._faults]

    def take(self, method: str, path: str) -> Fault | None:
        """Return the first fault matching a call, counting it down."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def record(self, call: dict[str, Any]) -> None:
        """Append to the call log."""
        with self._lock:
            self._calls.append(call)
            self._arrived.notify_all()

    def wait_for(self, method: str, path: str, count: int, timeout: float) -> bool:
        """Block until ``count`` calls matching ``method`` and ``path`` (a prefix) arrived.

        :returns: False when ``timeout`` seconds passed first.
        """

        def enough() -> bool:
            return (
                sum(1 for c in self._calls if c["method"] == method and c["path"].startswith(path))
                >= count
            )

        with self._lock:
            return self._arrived.wait_for(enough, timeout)

    def calls(self) -> list[dict[str, Any]]:
        """Return the call log."""
        with self._lock:
            return [dict(c) for c in self._calls]


class ConnectionDroppedError(ConnectionResetError):
    """Raised in-process, where there is no connection to drop."""


async def _drop(receive: Receive, send: Send) -> None:
    """Close the client's connection without answering.

    Under uvicorn the ASGI ``send`` is a bound method of the request cycle,
    which holds the transport; closing it is what a lost answer looks like.
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise ConnectionDroppedError("the sandbox dropped the connection (fault injection)")
    transport.close()
    with anyio.move_on_after(5):
        while (await receive())["type"] != "http.disconnect":
            pass


async def _problem(send: Send, status: int, retry_after: int | None) -> None:
    body = json.dumps(
        {
            "title": "Injected fault",
            "status": status,
            "detail": f"The sandbox answers {status} because a fault was injected.",
        }
    ).encode()
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class FaultMiddleware:
    """Apply pending faults to contract calls and record every contract call."""

    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(_EXEMPT):
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        call: dict[str, Any] = {
            "method": method,
            "path": path,
            "query": scope.get("query_string", b"").decode("latin-1"),
            "status": None,
            "idempotencyKey": headers.get("idempotency-key"),
            "fault": None,
        }
        fault = self.faults.take(method, path)
        if fault is not None:
            call["fault"] = fault.to_json()
        self.faults.record(call)  # in arrival order; the status is filled in later
        await self._handle(scope, receive, send, call, fault)

    async def _handle(
        self, scope: Scope, receive: Receive, send: Send, call: dict[str, Any], fault: Fault | None
    ) -> None:
        async def send_recording(message: Message) -> None:
            if message["type"] == "http.response.start":
                call["status"] = message["status"]
            await send(message)

        if fault is None:
            await self.app(scope, receive, send_recording)
            return
        if fault.delay_seconds:
            await anyio.sleep(fault.delay_seconds)
        if not (fault.drop or fault.status):
            await self.app(scope, receive, send_recording)
            return
        if fault.when == "after":

            async def swallow(message: Message) -> None:
                if message["type"] == "http.response.start":
                    call["handledStatus"] = message["status"]

            await self.app(scope, receive, swallow)
        if fault.drop:
            await _drop(receive, send)
        else:
            assert fault.status is not None  # noqa: S101 - checked above
            call["status"] = fault.status
            await _problem(send, fault.status, fault.retry_after)
