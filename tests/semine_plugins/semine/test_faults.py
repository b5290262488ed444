"""Authentication failures and every injected fault, against the sandbox on loopback."""

from __future__ import annotations

import pytest

from semine_plugins.sandbox import (
    SandboxAdmin,
    SandboxClient,
    SandboxServer,
    sample_detail,
    sample_document,
)
from semine_plugins.semine import (
    AuthenticationError,
    RetryPolicy,
    SemineClient,
    TransientError,
)
from semine_plugins.settings import Secret

from .conftest import EMAIL, PASSWORD, FakeTime

INVOICES = "/api/v1.0/organizations/1/clients/1/invoices"


def test_wrong_password_names_the_email(server: SandboxServer, company: SandboxClient) -> None:
    """Wrong credentials: an AuthenticationError naming the email, never the password."""
    with (
        SemineClient(server.url, email=EMAIL, password=Secret("wrong-pass-123")) as c,
        pytest.raises(AuthenticationError) as info,
    ):
        c.authenticate()
    message = str(info.value)
    assert EMAIL in message
    assert "wrong-pass-123" not in message
    assert "Semine Password" in message


def test_wrong_token(server: SandboxServer, company: SandboxClient) -> None:
    """A personal access token SEMINE does not know is an AuthenticationError."""
    with (
        SemineClient(server.url, token=Secret("not-a-token")) as c,
        pytest.raises(AuthenticationError, match="personal access token") as info,
    ):
        c.resolve_client()
    assert "not-a-token" not in str(info.value)


def test_expired_token_reauthenticates_once(
    semine: SemineClient, admin: SandboxAdmin, company: SandboxClient
) -> None:
    """A 401 (the token expired) is answered by one new token request and a retry."""
    invoice_id = admin.seed_invoice(company, sample_detail())
    semine.get_invoice(invoice_id)
    admin.revoke_tokens()
    assert semine.get_invoice(invoice_id).id == invoice_id
    calls = [(c["method"], c["status"]) for c in admin.calls()]
    assert calls[-3:] == [("GET", 401), ("POST", 200), ("GET", 200)]


def test_persistent_401_is_an_authentication_error(
    semine: SemineClient, admin: SandboxAdmin
) -> None:
    """Two 401s in a row: re-authenticated once, then an AuthenticationError."""
    semine.resolve_client()
    admin.add_fault(path="/api/v1.0/organizations/1/clients", status=401, count=2)
    with pytest.raises(AuthenticationError, match=EMAIL):
        list(semine.iter_invoices())
    statuses = [c["status"] for c in admin.calls()]
    assert statuses[-3:] == [401, 200, 401]


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_transient_status_is_retried(
    semine: SemineClient, admin: SandboxAdmin, fake_time: FakeTime, status: int
) -> None:
    """429 and 5xx are retried with backoff until SEMINE answers."""
    semine.resolve_client()
    admin.add_fault(path=INVOICES, status=status, count=2)
    assert list(semine.iter_invoices()) == []
    assert len(fake_time.sleeps) == 2
    assert [c["status"] for c in admin.calls()][-3:] == [status, status, 200]


def test_retry_after_is_honoured(
    semine: SemineClient, admin: SandboxAdmin, fake_time: FakeTime
) -> None:
    """A Retry-After longer than the backoff is waited for."""
    semine.resolve_client()
    admin.add_fault(path=INVOICES, status=503, retry_after=7)
    list(semine.iter_invoices())
    assert fake_time.sleeps == [7.0]


def test_retries_run_out(semine: SemineClient, admin: SandboxAdmin, fake_time: FakeTime) -> None:
    """After the last attempt, a TransientError telling the caller to try later."""
    semine.resolve_client()
    admin.add_fault(path=INVOICES, status=503, count=10)
    with pytest.raises(TransientError, match="try again later") as info:
        list(semine.iter_invoices())
    assert info.value.attempts == 4
    assert info.value.status == 503
    assert len(fake_time.sleeps) == 3
    assert fake_time.sleeps == sorted(fake_time.sleeps)  # jitter never undoes the doubling here


def test_total_time_is_bounded(
    server: SandboxServer, admin: SandboxAdmin, company: SandboxClient, fake_time: FakeTime
) -> None:
    """A Retry-After beyond the total time budget ends the retries at once."""
    policy = RetryPolicy(
        attempts=10, total_timeout=30, sleep=fake_time.sleep, clock=fake_time.clock
    )
    with SemineClient(server.url, email=EMAIL, password=Secret(PASSWORD), retry=policy) as c:
        c.resolve_client()
        admin.add_fault(path=INVOICES, status=429, retry_after=3600, count=10)
        with pytest.raises(TransientError) as info:
            list(c.iter_invoices())
    assert fake_time.sleeps == []
    assert info.value.retry_after == 3600


def test_slow_server_times_out_then_succeeds(
    server: SandboxServer, admin: SandboxAdmin, company: SandboxClient, retry: RetryPolicy
) -> None:
    """An answer slower than the read timeout is a transient failure, retried."""
    with SemineClient(
        server.url, email=EMAIL, password=Secret(PASSWORD), retry=retry, timeout=0.3
    ) as c:
        c.resolve_client()
        admin.add_fault(path=INVOICES, delay_seconds=1.0)
        assert list(c.iter_invoices()) == []
    faulted = [c["fault"] is not None for c in admin.calls() if c["path"] == INVOICES]
    assert faulted[0]
    assert not faulted[-1]


def test_slow_server_retries_run_out(
    server: SandboxServer, admin: SandboxAdmin, company: SandboxClient, fake_time: FakeTime
) -> None:
    """Always too slow: a TransientError that says it got no answer in time."""
    policy = RetryPolicy(attempts=2, sleep=fake_time.sleep, clock=fake_time.clock)
    with SemineClient(
        server.url, email=EMAIL, password=Secret(PASSWORD), retry=policy, timeout=0.2
    ) as c:
        c.resolve_client()
        admin.add_fault(path=INVOICES, delay_seconds=1.0, count=2)
        with pytest.raises(TransientError, match="no answer in time"):
            list(c.iter_invoices())


@pytest.mark.parametrize("when", ["before", "after"])
def test_dropped_get_is_retried(
    semine: SemineClient, admin: SandboxAdmin, company: SandboxClient, when: str
) -> None:
    """A connection closed without an answer is retried."""
    invoice_id = admin.seed_invoice(company, sample_detail())
    admin.add_fault(method="GET", path=INVOICES, drop=True, when=when)
    assert semine.get_invoice(invoice_id).id == invoice_id


@pytest.mark.parametrize("when", ["before", "after"])
def test_dropped_import_then_retry_creates_one_invoice(
    semine: SemineClient, admin: SandboxAdmin, when: str
) -> None:
    """A lost answer to an import, retried with the same key: one invoice, never two."""
    semine.resolve_client()
    admin.add_fault(method="POST", path=INVOICES, drop=True, when=when)
    result = semine.import_document(sample_document(), idempotency_key="file-7")
    invoices = admin.invoices()
    assert [i["id"] for i in invoices] == [result.id]
    assert invoices[0]["idempotencyKey"] == "file-7"
    posts = [c for c in admin.calls() if c["method"] == "POST" and c["path"] == INVOICES]
    assert [c["idempotencyKey"] for c in posts] == ["file-7", "file-7"]
    assert [c["status"] for c in posts] == [None, 200 if when == "after" else 201]
    assert result.created is True  # this call created it, whether or not its first answer was lost


def test_import_answered_503_after_storing(semine: SemineClient, admin: SandboxAdmin) -> None:
    """A 5xx after the invoice was stored: the retry gets 200 and the same id."""
    semine.resolve_client()
    admin.add_fault(method="POST", path=INVOICES, status=503, when="after")
    result = semine.import_document(sample_document(), idempotency_key="k")
    assert len(admin.invoices()) == 1
    assert result.id == admin.invoices()[0]["id"]


def test_dropped_import_every_time(
    semine: SemineClient, admin: SandboxAdmin, fake_time: FakeTime
) -> None:
    """Drops on every attempt: a TransientError, and still at most one invoice stored."""
    semine.resolve_client()
    admin.add_fault(method="POST", path=INVOICES, drop=True, count=10)
    with pytest.raises(TransientError, match="connection failed"):
        semine.import_document(sample_document(), idempotency_key="k")
    assert len(admin.invoices()) == 1


def test_dropped_token_request_is_retried(semine: SemineClient, admin: SandboxAdmin) -> None:
    """Even the token request survives a dropped connection."""
    admin.add_fault(path="/api/v1.0/token", drop=True)
    semine.authenticate()
    assert [c["path"] for c in admin.calls()] == ["/api/v1.0/token"] * 2


def test_put_status_dropped_after_is_safe(
    semine: SemineClient, admin: SandboxAdmin, company: SandboxClient
) -> None:
    """A status update whose answer is lost is repeated; the invoice is Posted once."""
    invoice_id = admin.seed_invoice(company, sample_detail())
    semine.resolve_client()
    admin.add_fault(method="PUT", drop=True)
    semine.set_status(invoice_id, "Posted", voucher_number="V1")
    assert admin.invoice(invoice_id)["invoiceStatus"] == "Posted"


def test_unreachable_server(company: SandboxClient, fake_time: FakeTime) -> None:
    """Nobody listening: bounded retries, then a TransientError."""
    with SandboxServer() as gone:
        url = gone.url
    policy = RetryPolicy(attempts=3, sleep=fake_time.sleep, clock=fake_time.clock)
    with (
        SemineClient(url, email=EMAIL, password=Secret(PASSWORD), retry=policy) as c,
        pytest.raises(TransientError, match="connection failed") as info,
    ):
        c.authenticate()
    assert info.value.attempts == 3
    assert len(fake_time.sleeps) == 2
