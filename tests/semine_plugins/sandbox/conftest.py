"""Fixtures: the sandbox as a real server on loopback, its admin, one company."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from semine_plugins.sandbox import SandboxAdmin, SandboxClient, SandboxServer

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
