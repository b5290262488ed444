"""Error paths a real server cannot produce on demand (httpx.MockTransport)."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable

import httpx
import pytest

from semine_plugins.errors import SemineError
from semine_plugins.semine import (
    AuthenticationError,
    NotFoundError,
    RejectedError,
    RetryPolicy,
    SemineClient,
    TransientError,
)
from semine_plugins.settings import Secret

from .conftest import FakeTime

ORGS = [{"id": 1, "name": "O", "clients": [{"id": 2, "name": "C", "organizationNumber": "1"}]}]
TOKEN = {"access_token": "tok-abc", "token_type": "Bearer", "expires_in": 3600}


def client_for(
    handler: Callable[[httpx.Request], httpx.Response], fake_time: FakeTime
) -> SemineClient:
    policy = RetryPolicy(attempts=3, sleep=fake_time.sleep, clock=fake_time.clock)
    return SemineClient(
        "https://semine.test",
        email="a@b.no",
        password=Secret("pw-secret-1"),
        retry=policy,
        transport=httpx.MockTransport(handler),
    )


def routes(**answers: httpx.Response) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json=TOKEN)
        if request.url.path.endswith("/organizations"):
            return httpx.Response(200, json=ORGS)
        return answers["other"]

    return handler


def test_retry_after_as_http_date(fake_time: FakeTime) -> None:
    """A Retry-After given as an HTTP date is honoured too."""
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    answers = iter([httpx.Response(503, headers={"Retry-After": later}), httpx.Response(204)])

    def handler(request: httpx.Request) -> httpx.Response:
        return (
            routes(other=next(answers))(request)
            if "invoices" in request.url.path
            else (routes()(request))
        )

    with client_for(handler, fake_time) as c:
        c.set_status(5, "Posted")
    assert len(fake_time.sleeps) == 1
    assert 20 < fake_time.sleeps[0] <= 30


def test_connect_error_is_transient(fake_time: FakeTime) -> None:
    """A refused connection, every time: TransientError after the bounded attempts."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with client_for(handler, fake_time) as c, pytest.raises(TransientError) as info:
        c.authenticate()
    assert info.value.attempts == 3
    assert "connection failed (ConnectError)" in str(info.value)


@pytest.mark.parametrize(
    ("status", "error"),
    [(403, AuthenticationError), (400, RejectedError), (409, RejectedError), (404, NotFoundError)],
)
def test_status_mapping(fake_time: FakeTime, status: int, error: type[Exception]) -> None:
    """Each permanent status maps to its error class, with the problem's title."""
    problem = httpx.Response(
        status,
        json={"title": "Nope", "status": status, "detail": "Because."},
        headers={"Content-Type": "application/problem+json"},
    )
    with client_for(routes(other=problem), fake_time) as c, pytest.raises(error) as info:
        c.get_invoice(7)
    assert "Nope: Because." in str(info.value)
    assert fake_time.sleeps == []


def test_problem_without_json(fake_time: FakeTime) -> None:
    """A non-JSON error answer still gives a readable message."""
    answer = httpx.Response(422, text="<html>")
    with (
        client_for(routes(other=answer), fake_time) as c,
        pytest.raises(RejectedError, match="422 Unprocessable Entity"),
    ):
        c.get_invoice(7)


def test_token_answer_without_token(fake_time: FakeTime) -> None:
    """A token answer without access_token is a SemineError, not a crash."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"token_type": "Bearer"})

    with client_for(handler, fake_time) as c, pytest.raises(SemineError, match="access token"):
        c.authenticate()


def test_malformed_invoice_names_the_field(fake_time: FakeTime) -> None:
    """Money that is not a decimal string is reported with the field's name."""
    bad = httpx.Response(200, json={"id": 7, "totals": {"payableAmount": "12,50"}})
    with (
        client_for(routes(other=bad), fake_time) as c,
        pytest.raises(SemineError, match=r"totals\.payableAmount"),
    ):
        c.get_invoice(7)


def test_float_money_keeps_its_digits(fake_time: FakeTime) -> None:
    """A JSON number for money is read without going through float."""
    answer = httpx.Response(
        200,
        content=b'{"id": 7, "totals": {"payableAmount": 0.1}}',
        headers={"Content-Type": "application/json"},
    )
    with client_for(routes(other=answer), fake_time) as c:
        detail = c.get_invoice(7)
    assert detail.totals is not None
    assert str(detail.totals.payable_amount) == "0.1"


def test_expired_token_is_renewed_before_use(fake_time: FakeTime) -> None:
    """A token past its expires_in is replaced before the next call (no 401 round trip)."""
    tokens = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            tokens.append(1)
        return routes(other=httpx.Response(204))(request)

    with client_for(handler, fake_time) as c:
        c.set_status(1, "Posted")
        fake_time.now += 3600
        c.set_status(1, "Posted")
    assert len(tokens) == 2


def test_no_retry_policy(fake_time: FakeTime) -> None:
    """attempts=1 means one attempt and no sleeping."""
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503)

    policy = RetryPolicy(attempts=1, sleep=fake_time.sleep, clock=fake_time.clock)
    with (
        SemineClient(
            "https://semine.test",
            token=Secret("t"),
            retry=policy,
            transport=httpx.MockTransport(handler),
        ) as c,
        pytest.raises(TransientError),
    ):
        c.authenticate()
    assert (len(calls), fake_time.sleeps) == (1, [])
