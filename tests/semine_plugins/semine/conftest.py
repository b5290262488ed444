"""Fixtures: the sandbox as a real server on loopback, its admin, a SEMINE client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from semine_plugins.sandbox import SandboxAdmin, SandboxClient, SandboxServer
from semine_plugins.semine import RetryPolicy, SemineClient
from semine_plugins.settings import Secret

EMAIL = "integration@example.no"
PASSWORD = "correct horse battery staple"
PAT = "pat-0123456789abcdef"


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    with SandboxServer(max_document_bytes=200_000) as srv:
        yield srv


@pytest.fixture
def admin(server: SandboxServer) -> Iterator[SandboxAdmin]:
    with SandboxAdmin(server.url) as adm:
        yield adm


@pytest.fixture
def company(admin: SandboxAdmin) -> SandboxClient:
    (client,) = admin.setup(
        users=[{"email": EMAIL, "password": PASSWORD, "personalAccessToken": PAT}],
        organizations=[
            {
                "name": "Regnskap AS",
                "clients": [{"name": "Kjøper AS", "organizationNumber": "123456785"}],
            }
        ],
    )
    return client


class FakeTime:
    """A clock that moves only when the client sleeps: retries without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def retry(fake_time: FakeTime) -> RetryPolicy:
    return RetryPolicy(attempts=4, total_timeout=60, sleep=fake_time.sleep, clock=fake_time.clock)


@pytest.fixture
def semine(
    server: SandboxServer, company: SandboxClient, retry: RetryPolicy
) -> Iterator[SemineClient]:
    with SemineClient(
        server.url, email=EMAIL, password=Secret(PASSWORD), retry=retry, timeout=5.0
    ) as client:
        yield client
