"""An integration world: SFTP server + SEMINE sandbox + config file, driven through the Runner.

Built on the testing kit's :class:`~semine_plugins.testing.IntegrationWorld`
and ``semine_sandbox`` fixture, as a third-party plugin's suite would be.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from semine_plugins.testing import IntegrationWorld, SemineSandbox
from semine_plugins.testing.sftp import SFTPServer
from semine_plugins_ftp._session import STATE_FILE

EMAIL = "integration@acme.no"
FTP_PASSWORD = "ftp-pass-7"


class World(IntegrationWorld):
    """Everything one integration test touches, all real."""

    def __init__(self, tmp: Path, sftp: SFTPServer, sandbox: SemineSandbox) -> None:
        super().__init__(
            tmp,
            sandbox,
            plugin="ftp",
            settings={
                "host": sftp.host,
                "port": sftp.port,
                "username": "semine",
                "password": FTP_PASSWORD,
                "folder": "/invoices",
                "success_folder": "/invoices/processed",
                "failure_folder": "/invoices/failed",
                "stable_seconds": 0,
                "connections": 2,
            },
        )
        self.sftp = sftp
        self.admin = sandbox.admin
        self.client = sandbox.client
        sftp.mkdir("invoices")

    def put(self, name: str, data: bytes, folder: str = "invoices") -> Path:
        return self.sftp.write(f"{folder}/{name}", data)

    def files(self, folder: str = "invoices") -> list[str]:
        base = self.sftp.path(folder)
        return sorted(p.name for p in base.iterdir() if p.is_file()) if base.is_dir() else []

    def seed(self, **changes: Any) -> int:
        return self.sandbox.seed(**changes)

    def state(self, sql: str) -> list[tuple[Any, ...]]:
        """Run ``sql`` on the integration's state database (to look, or to age records)."""
        (path,) = self.data_dir.rglob(STATE_FILE)
        db = sqlite3.connect(path, isolation_level=None)
        try:
            return db.execute(sql).fetchall()
        finally:
            db.close()

    def posts(self) -> list[dict[str, Any]]:
        """The import calls SEMINE answered, in order."""
        return self.sandbox.imports()


@pytest.fixture
def semine_sandbox_options() -> dict[str, Any]:
    return {
        "email": EMAIL,
        "organization": "Acme",
        "client_name": "Acme AS",
        "organization_number": "912345678",
    }


@pytest.fixture
def world(tmp_path: Path, semine_sandbox: SemineSandbox) -> Iterator[World]:
    with SFTPServer(users={"semine": FTP_PASSWORD}) as sftp:
        yield World(tmp_path, sftp, semine_sandbox)
