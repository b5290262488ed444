"""No password or token reaches a log record, a repr or an exception."""

from __future__ import annotations

import logging

import pytest

from semine_plugins.sandbox import SandboxAdmin, SandboxClient, SandboxServer, sample_detail
from semine_plugins.semine import AuthenticationError, RetryPolicy, SemineClient, TransientError
from semine_plugins.settings import Secret

from .conftest import EMAIL, PASSWORD, PAT, FakeTime


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)


def test_debug_logs_carry_urls_only(
    server: SandboxServer,
    admin: SandboxAdmin,
    company: SandboxClient,
    fake_time: FakeTime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """httpx, httpcore and our own logs at DEBUG never show the password or any token."""
    invoice_id = admin.seed_invoice(company, sample_detail())
    policy = RetryPolicy(sleep=fake_time.sleep, clock=fake_time.clock)
    caplog.set_level(logging.DEBUG)
    with SemineClient(server.url, email=EMAIL, password=Secret(PASSWORD), retry=policy) as c:
        c.get_invoice(invoice_id)
        admin.revoke_tokens()  # a 401 and a new token
        admin.add_fault(method="GET", status=503)  # a retry warning
        c.get_invoice(invoice_id)
        token = c._access.reveal() if c._access else ""
    with SemineClient(server.url, token=Secret(PAT), retry=policy) as c:
        c.get_invoice(invoice_id)
    text = _logged(caplog)
    assert "HTTP Request: GET" in text  # httpx did log
    assert "retrying" in text  # and so did we
    assert token
    for secret in (PASSWORD, token, PAT, "Bearer "):
        assert secret not in text


def test_exceptions_carry_no_secret(server: SandboxServer, company: SandboxClient) -> None:
    """Authentication and transport errors name the email, never the secret."""
    with (
        SemineClient(server.url, email=EMAIL, password=Secret("pw-oops-1")) as c,
        pytest.raises(AuthenticationError) as info,
    ):
        c.authenticate()
    chain = [info.value, info.value.__cause__, info.value.__context__]
    assert all("pw-oops-1" not in repr(e) and "pw-oops-1" not in str(e) for e in chain)
    assert "pw-oops-1" not in repr(info.value.problem)


def test_transient_error_has_no_token(fake_time: FakeTime) -> None:
    """A failed call's TransientError names the path, not the Authorization header."""
    with SandboxServer() as gone:
        url = gone.url
    policy = RetryPolicy(attempts=2, sleep=fake_time.sleep, clock=fake_time.clock)
    with (
        SemineClient(url, token=Secret(PAT), retry=policy) as c,
        pytest.raises(TransientError) as info,
    ):
        c.authenticate()
    assert PAT not in str(info.value)
    assert "/api/v1.0/organizations" in str(info.value)
