"""Fixtures: a SEMINE client on the sandbox (server, admin and company are in ../conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from semine_plugins.sandbox import SandboxClient, SandboxServer
from semine_plugins.semine import RetryPolicy, SemineClient
from semine_plugins.settings import Secret
from semine_plugins.testing import SANDBOX_EMAIL as EMAIL
from semine_plugins.testing import SANDBOX_PASSWORD as PASSWORD
from semine_plugins.testing import SANDBOX_TOKEN as PAT

__all__ = ["EMAIL", "PASSWORD", "PAT"]


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
