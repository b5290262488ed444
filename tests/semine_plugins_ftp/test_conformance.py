"""The Ftp plugin passes the plugin-author conformance suite, as a third-party plugin must."""

from __future__ import annotations

import socket

import pytest

from semine_plugins.testing import ConformanceSetup, PluginConformance
from semine_plugins.testing.sftp import SFTPServer


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TestFtpConformance(PluginConformance):
    plugin_name = "ftp"

    @pytest.fixture
    def conformance(self, sftp_server: SFTPServer, sftp_password: str) -> ConformanceSetup:
        sftp_server.mkdir("invoices")

        def outbound() -> dict[str, bytes]:
            folder = sftp_server.path("invoices")
            return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}

        return ConformanceSetup(
            settings={
                "host": sftp_server.host,
                "port": sftp_server.port,
                "username": "alice",
                "password": sftp_password,
                "folder": "/invoices",
                "success_folder": "/invoices/processed",
                "failure_folder": "/invoices/failed",
                "stable_seconds": 0,
                "connect_timeout": 5,
            },
            unreachable={"port": _closed_port()},
            put_inbound=lambda name, data: sftp_server.write(f"invoices/{name}", data),
            outbound=outbound,
            invalid=[
                {"success_folder": "/invoices"},
                {"host": "sftp://sftp.example.no"},
                {"folder": "\\invoices\\in"},
            ],
        )
