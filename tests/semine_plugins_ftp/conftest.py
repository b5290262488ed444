"""Fixtures for the Ftp plugin's tests: an in-process SFTP server and connection settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from semine_plugins import Secret
from semine_plugins.testing.sftp import SFTPServer
from semine_plugins_ftp._hostkeys import HostKeyPolicy, InMemoryPinStore
from semine_plugins_ftp._remote import RemoteFS, SFTPConfig, connect

PASSWORD = "correct horse battery"
PASSPHRASE = "key passphrase 42"


@pytest.fixture(scope="session")
def sftp_password() -> str:
    """The password of "alice" on :func:`sftp_server`."""
    return PASSWORD


@pytest.fixture(scope="session")
def key_passphrase() -> str:
    """The passphrase of :func:`client_key`."""
    return PASSPHRASE


@pytest.fixture(scope="session")
def client_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A passphrase-protected ed25519 key file for "keyuser", and its public key line."""
    key = asyncssh.generate_private_key("ssh-ed25519")
    path = tmp_path_factory.mktemp("keys") / "id_ed25519"
    key.write_private_key(path, passphrase=PASSPHRASE)
    return path, key.export_public_key().decode()


@pytest.fixture
def sftp_server(client_key: tuple[Path, str]) -> Iterator[SFTPServer]:
    """A running server with "alice" (password) and "keyuser" (key), and an /inbox folder."""
    with SFTPServer(users={"alice": PASSWORD}) as server:
        server.add_user("keyuser", public_key=client_key[1])
        server.mkdir("inbox")
        yield server


@pytest.fixture
def pin_store() -> InMemoryPinStore:
    return InMemoryPinStore()


@pytest.fixture
def make_config(sftp_server: SFTPServer, pin_store: InMemoryPinStore) -> Callable[..., SFTPConfig]:
    """Build an SFTPConfig for the server (TOFU pins in ``pin_store``); overrides as kwargs."""

    def make(**overrides: Any) -> SFTPConfig:
        host_keys = overrides.pop("host_keys", HostKeyPolicy(pin_store=pin_store))
        values: dict[str, Any] = {
            "host": sftp_server.host,
            "port": sftp_server.port,
            "username": "alice",
            "password": Secret(PASSWORD),
            "connect_timeout": 5.0,
            "operation_timeout": 5.0,
        }
        values.update(overrides)
        return SFTPConfig(host_keys=host_keys, **values)

    return make


@pytest.fixture
def remote(make_config: Callable[..., SFTPConfig]) -> Iterator[RemoteFS]:
    """A connection to the server as alice."""
    with connect(make_config()) as fs:
        yield fs
