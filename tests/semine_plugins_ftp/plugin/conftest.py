"""An integration world: SFTP server + SEMINE sandbox + config file, driven through the Runner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from semine_plugins import ConnectionReport, RunReport, get_plugin_host, load_config
from semine_plugins._runner import Runner
from semine_plugins.sandbox import SandboxAdmin, SandboxServer
from semine_plugins.testing.sftp import SFTPServer

EMAIL = "integration@acme.no"
SEMINE_PASSWORD = "semine-pass-9"
FTP_PASSWORD = "ftp-pass-7"


class World:
    """Everything one integration test touches, all real."""

    def __init__(self, tmp: Path, sftp: SFTPServer, sandbox: SandboxServer) -> None:
        self.tmp = tmp
        self.sftp = sftp
        self.sandbox = sandbox
        self.admin = SandboxAdmin(sandbox.url)
        (self.client,) = self.admin.setup(
            users=[{"email": EMAIL, "password": SEMINE_PASSWORD}],
            organizations=[
                {
                    "name": "Acme",
                    "clients": [{"name": "Acme AS", "organizationNumber": "912345678"}],
                }
            ],
        )
        self.config = tmp / "semine-plugins.toml"
        self.settings: dict[str, Any] = {
            "host": sftp.host,
            "port": sftp.port,
            "username": "semine",
            "password": FTP_PASSWORD,
            "folder": "/invoices",
            "success_folder": "/invoices/processed",
            "failure_folder": "/invoices/failed",
            "stable_seconds": 0,
            "connections": 2,
        }
        self.semine: dict[str, Any] = {"semine_email": EMAIL, "semine_password": SEMINE_PASSWORD}
        sftp.mkdir("invoices")

    def configure(self, **changes: Any) -> None:
        """Change plugin settings (None removes a key)."""
        for key, value in changes.items():
            if value is None:
                self.settings.pop(key, None)
            else:
                self.settings[key] = value

    def _write(self) -> None:
        def toml(value: Any) -> str:
            return json.dumps(value) if not isinstance(value, bool) else str(value).lower()

        lines = ["[integrations.acme]", 'plugin = "ftp"', f"semine_url = {toml(self.sandbox.url)}"]
        lines += [f"{k} = {toml(v)}" for k, v in self.semine.items()]
        lines.append("[integrations.acme.settings]")
        lines += [f"{k} = {toml(v)}" for k, v in self.settings.items()]
        self.config.write_text("\n".join(lines) + "\n")

    def runner(self) -> Runner:
        self._write()
        return Runner(get_plugin_host(), load_config(self.config))

    def receive(self) -> RunReport:
        return self.runner().receive("acme")

    def send(self) -> RunReport:
        return self.runner().send("acme")

    def check(self) -> ConnectionReport:
        return self.runner().test_connection("acme")

    def put(self, name: str, data: bytes, folder: str = "invoices") -> Path:
        path = self.sftp.path(f"{folder}/{name}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def files(self, folder: str = "invoices") -> list[str]:
        base = self.sftp.path(folder)
        return sorted(p.name for p in base.iterdir() if p.is_file()) if base.is_dir() else []

    def seed(self, **changes: Any) -> int:
        from semine_plugins.sandbox import sample_detail

        return self.admin.seed_invoice(self.client, sample_detail(**changes))

    def posts(self) -> list[dict[str, Any]]:
        """The import calls SEMINE answered, in order."""
        return [
            c
            for c in self.admin.calls()
            if c["method"] == "POST"
            and c["path"].endswith("/invoices")
            and not c["path"].startswith("/sandbox")
        ]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with (
        SFTPServer(users={"semine": FTP_PASSWORD}) as sftp,
        SandboxServer() as sandbox,
    ):
        w = World(tmp_path, sftp, sandbox)
        try:
            yield w
        finally:
            w.admin.close()
