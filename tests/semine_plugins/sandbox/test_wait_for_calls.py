"""The sandbox tells a test when a call has arrived, before answering it."""

from __future__ import annotations

import threading

import httpx
import pytest

from semine_plugins.sandbox import SandboxAdmin, SandboxServer


def test_wait_for_calls_returns_while_a_delayed_call_is_still_unanswered():
    with SandboxServer() as server, SandboxAdmin(server.url) as admin:
        admin.add_fault(method="GET", path="/api/v1.0/organizations", delay_seconds=3)
        answered = threading.Event()

        def call() -> None:
            httpx.get(server.url + "/api/v1.0/organizations", timeout=30)
            answered.set()

        thread = threading.Thread(target=call)
        thread.start()
        calls = admin.wait_for_calls("GET", "/api/v1.0/organizations", timeout=10)
        # The call has arrived but is still held by its delay: no status yet.
        assert [c["status"] for c in calls if c["path"] == "/api/v1.0/organizations"] == [None]
        assert not answered.is_set()
        thread.join()
        assert answered.is_set()


def test_wait_for_calls_times_out_with_a_clear_error():
    with (
        SandboxServer() as server,
        SandboxAdmin(server.url) as admin,
        pytest.raises(TimeoutError, match="did not arrive"),
    ):
        admin.wait_for_calls("POST", "/api/v1/nothing", timeout=0.2)
