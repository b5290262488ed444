"""A large connection pool against OpenSSH's sshd with its default limits."""

from __future__ import annotations

import threading

import pytest

from conftest import USER, OpenSSH
from semine_plugins import Secret
from semine_plugins_ftp._hostkeys import HostKeyPolicy
from semine_plugins_ftp._remote import RemoteFS, SFTPConfig, SFTPPool

pytestmark = pytest.mark.interop


def test_pool_of_24_connections_opened_at_once(openssh: OpenSSH) -> None:
    """sshd drops logins beyond MaxStartups (10); a pool of 24 borrowed at once still works."""
    config = SFTPConfig(
        host=openssh.host,
        port=openssh.port,
        username=USER,
        password=Secret(openssh.password),
        host_keys=HostKeyPolicy(pinned=openssh.host_key_fingerprint),
        connect_timeout=10.0,
        operation_timeout=10.0,
    )
    everyone_in = threading.Barrier(24, timeout=30)
    seen: list[RemoteFS] = []
    errors: list[BaseException] = []
    with SFTPPool(config, size=24) as pool:

        def borrower() -> None:
            try:
                with pool.connection() as fs:
                    seen.append(fs)
                    assert fs.isdir(str(openssh.user_home))
                    everyone_in.wait()  # all 24 connections open at the same time
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=borrower) for _ in range(24)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert len({id(fs) for fs in seen}) == 24
