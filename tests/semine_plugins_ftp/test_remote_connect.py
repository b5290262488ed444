"""Connecting: authentication, host key verification, timeouts and connection errors."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from semine_plugins import Secret, TransferError
from semine_plugins.testing.sftp import SFTPServer
from semine_plugins_ftp._hostkeys import (
    HostKeyError,
    HostKeyPolicy,
    HostKeyTrust,
    InMemoryPinStore,
)
from semine_plugins_ftp._remote import (
    ConnectError,
    Connector,
    LoginError,
    SFTPConfig,
    SFTPPool,
    TransferTimeoutError,
    connect,
)

Config = Callable[..., SFTPConfig]


def test_password_login_trusts_first_key_and_records_it(
    make_config: Config, sftp_server: SFTPServer, pin_store: InMemoryPinStore
) -> None:
    """The first connection trusts the host key and records its fingerprint."""
    with connect(make_config()) as fs:
        assert fs.host_key_trust is HostKeyTrust.FIRST_USE
        assert fs.host_key_fingerprint == sftp_server.host_key_fingerprint
    assert pin_store.get(sftp_server.host, sftp_server.port) == sftp_server.host_key_fingerprint
    with connect(make_config()) as fs:
        assert fs.host_key_trust is HostKeyTrust.RECORDED


def test_key_login_with_passphrase(
    make_config: Config, client_key: tuple[Path, str], key_passphrase: str
) -> None:
    """A passphrase-protected private key logs in without any password."""
    config = make_config(
        username="keyuser",
        password=None,
        private_key_file=client_key[0],
        private_key_passphrase=Secret(key_passphrase),
    )
    with connect(config) as fs:
        assert fs.exists("/inbox")


def test_key_without_passphrase_is_explained(
    make_config: Config, client_key: tuple[Path, str]
) -> None:
    """An encrypted key without a passphrase says which setting is missing."""
    config = make_config(username="keyuser", password=None, private_key_file=client_key[0])
    with pytest.raises(LoginError, match="private_key_passphrase"):
        connect(config)


def test_wrong_password_names_user_not_password(make_config: Config, sftp_password: str) -> None:
    """A refused login names the user and never shows the password."""
    with pytest.raises(LoginError) as info:
        connect(make_config(password=Secret("wrong-password-123")))
    text = str(info.value) + repr(info.value)
    assert "'alice'" in text
    assert "wrong-password-123" not in text
    assert sftp_password not in text


def test_changed_host_key_is_refused_with_both_fingerprints(
    make_config: Config, sftp_server: SFTPServer
) -> None:
    """After trust on first use, a new host key is refused, showing old and new."""
    old = sftp_server.host_key_fingerprint
    connect(make_config()).close()
    new = sftp_server.replace_host_key()
    with pytest.raises(HostKeyError) as info:
        connect(make_config())
    assert old in str(info.value)
    assert new in str(info.value)
    assert "host_key_fingerprint" in str(info.value)


def test_pinned_fingerprint(make_config: Config, sftp_server: SFTPServer) -> None:
    """A pinned fingerprint is accepted when it matches and refused otherwise."""
    pinned = HostKeyPolicy(pinned=sftp_server.host_key_fingerprint)
    with connect(make_config(host_keys=pinned)) as fs:
        assert fs.host_key_trust is HostKeyTrust.PINNED
    with SFTPServer() as other_server:
        other = other_server.host_key_fingerprint
    with pytest.raises(HostKeyError, match="does not match the pinned") as info:
        connect(make_config(host_keys=HostKeyPolicy(pinned=other)))
    assert sftp_server.host_key_fingerprint in str(info.value)
    assert other in str(info.value)


def test_malformed_pin_is_refused() -> None:
    """A fingerprint that is not SHA256 is refused when the policy is built."""
    with pytest.raises(HostKeyError, match="SHA256"):
        HostKeyPolicy(pinned="aa:bb:cc")


def test_no_way_to_verify_is_refused(make_config: Config, sftp_server: SFTPServer) -> None:
    """Without pin, known_hosts or pin store the key is refused, showing its fingerprint."""
    with pytest.raises(HostKeyError, match="cannot verify") as info:
        connect(make_config(host_keys=HostKeyPolicy()))
    assert sftp_server.host_key_fingerprint in str(info.value)


def test_known_hosts(make_config: Config, sftp_server: SFTPServer, tmp_path: Path) -> None:
    """A known_hosts file accepts its listed key, and refuses a missing host or another key."""
    known = tmp_path / "known_hosts"
    known.write_text(sftp_server.known_hosts_line() + "\n")
    policy = HostKeyPolicy(known_hosts_file=known)
    with connect(make_config(host_keys=policy)) as fs:
        assert fs.host_key_trust is HostKeyTrust.KNOWN_HOSTS

    known.write_text(f"[{sftp_server.host}]:1 {sftp_server.host_public_key}\n")
    with pytest.raises(HostKeyError, match="has no entry") as info:
        connect(make_config(host_keys=policy))
    assert "ssh-keyscan" in str(info.value)

    old_line = sftp_server.known_hosts_line()
    sftp_server.replace_host_key()
    known.write_text(old_line + "\n")
    with pytest.raises(HostKeyError, match="does not match the known_hosts") as info:
        connect(make_config(host_keys=policy))
    assert sftp_server.host_key_fingerprint in str(info.value)


def test_connection_refused(make_config: Config) -> None:
    """A port where nothing listens gives a clear ConnectError."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: connections are refused
        with pytest.raises(ConnectError, match="refused the connection"):
            connect(make_config(port=port))


def test_unknown_host_name(make_config: Config) -> None:
    """A host name that does not resolve says so and names the setting."""
    with pytest.raises(ConnectError, match="'host' setting"):
        connect(make_config(host="no-such-host.invalid"))


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections (kernel backlog) and never says a word."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield s.getsockname()[1]


def test_silent_server_times_out(make_config: Config, silent_port: int) -> None:
    """A server that accepts TCP but never speaks SSH gives a timeout, not a hang."""
    with pytest.raises(TransferTimeoutError, match="did not complete the SSH handshake"):
        connect(make_config(port=silent_port, connect_timeout=0.5))


def test_errors_are_transfer_errors() -> None:
    """Every mapped error is catchable as TransferError and as the matching builtin."""
    assert issubclass(ConnectError, ConnectionError)
    assert issubclass(TransferTimeoutError, TimeoutError)
    assert issubclass(LoginError, TransferError)
    assert issubclass(HostKeyError, OSError)


def test_config_repr_hides_secrets(make_config: Config, sftp_password: str) -> None:
    """The configuration's repr shows no password."""
    assert sftp_password not in repr(make_config())


def test_pool_gives_each_thread_its_own_connection(
    make_config: Config, sftp_server: SFTPServer
) -> None:
    """Parallel borrowers get distinct connections, reused afterwards, closed at the end."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    barrier = Barrier(3, timeout=10)
    with SFTPPool(make_config(), size=3) as pool:

        def work(i: int) -> int:
            with pool.connection() as fs:
                barrier.wait()
                fs.upload_atomic("/inbox", f"{i}.xml", b"<x/>")
                return id(fs)

        with ThreadPoolExecutor(3) as executor:
            ids = set(executor.map(work, range(3)))
        assert len(ids) == 3
        with pool.connection() as fs:
            assert id(fs) in ids
    assert sorted(p.name for p in sftp_server.path("inbox").iterdir()) == [
        "0.xml",
        "1.xml",
        "2.xml",
    ]


# ---------------------------------------------------------------- several host keys

KEY_TYPES = ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256")


@pytest.fixture(scope="module")
def many_keys() -> Iterator[SFTPServer]:
    """A server with an ed25519, an RSA and an ECDSA host key, as most servers have."""
    with SFTPServer(
        users={"alice": "pw"}, extra_host_key_algorithms=["ssh-rsa", "ecdsa-sha2-nistp256"]
    ) as server:
        server.mkdir("inbox")
        yield server


def many_config(server: SFTPServer, policy: HostKeyPolicy) -> SFTPConfig:
    return SFTPConfig(
        host=server.host,
        port=server.port,
        username="alice",
        password=Secret("pw"),
        host_keys=policy,
        connect_timeout=5.0,
        operation_timeout=5.0,
    )


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_pin_may_name_any_of_the_servers_host_keys(many_keys: SFTPServer, key_type: str) -> None:
    """A pin of the RSA or ECDSA key works although ed25519 is negotiated first."""
    pinned = many_keys.host_key_fingerprints[key_type]
    config = many_config(many_keys, HostKeyPolicy(pinned=pinned))
    for _ in range(2):  # the second connection goes straight to the matching key
        with connect(config) as fs:
            assert fs.host_key_trust is HostKeyTrust.PINNED
            assert fs.host_key_fingerprint == pinned
            assert fs.exists("/inbox")


def test_pin_naming_none_of_the_keys_is_refused_showing_every_key(many_keys: SFTPServer) -> None:
    """No host key matches the pin: refused, and the message lists all of the server's keys."""
    with SFTPServer() as other_server:
        other = other_server.host_key_fingerprint
    with pytest.raises(HostKeyError, match="does not match the pinned") as info:
        connect(many_config(many_keys, HostKeyPolicy(pinned=other)))
    text = str(info.value)
    assert other in text
    assert all(fp in text for fp in many_keys.host_key_fingerprints.values())


def test_recorded_key_of_another_type_is_found(many_keys: SFTPServer) -> None:
    """A key recorded on first use is found among the host keys, whatever its type."""
    store = InMemoryPinStore()
    rsa = many_keys.host_key_fingerprints["ssh-rsa"]
    store.set(many_keys.host, many_keys.port, rsa)
    with connect(many_config(many_keys, HostKeyPolicy(pin_store=store))) as fs:
        assert fs.host_key_trust is HostKeyTrust.RECORDED
        assert fs.host_key_fingerprint == rsa


def test_known_hosts_key_type_is_negotiated_first(tmp_path: Path) -> None:
    """known_hosts lists only the RSA key of a server that also has ed25519: RSA is asked for."""
    with SFTPServer(
        users={"alice": "pw"},
        host_key_algorithm="ssh-rsa",
        extra_host_key_algorithms=["ssh-ed25519"],
    ) as server:
        known = tmp_path / "known_hosts"
        known.write_text(server.known_hosts_line() + "\n")
        with connect(many_config(server, HostKeyPolicy(known_hosts_file=known))) as fs:
            assert fs.host_key_trust is HostKeyTrust.KNOWN_HOSTS
            assert fs.host_key_fingerprint == server.host_key_fingerprints["ssh-rsa"]


def test_connector_steps_run_in_order(make_config: Config, sftp_server: SFTPServer) -> None:
    """The public steps connect one at a time; a step without its predecessor is refused."""
    with Connector(make_config()) as steps:
        with pytest.raises(TransferError, match="handshake"):
            steps.login()
        assert steps.resolve() == ["127.0.0.1"]
        steps.open_socket()
        assert steps.handshake() is HostKeyTrust.FIRST_USE
        assert steps.host_key_fingerprint == sftp_server.host_key_fingerprint
        steps.login()
        with steps.open_sftp() as fs:
            assert fs.exists("/inbox")


def test_requests_leave_at_once_without_waiting_for_acks(make_config: Config) -> None:
    """The connection's socket has TCP_NODELAY.

    With Nagle's algorithm, a read request written right after a window
    adjustment waited for the server's delayed ACK: about 1 read in 50 of a
    8-32 KB file took 40 ms instead of 0.3 ms on loopback.
    """
    with connect(make_config()) as fs:
        transport = fs._sftp.get_channel().get_transport()  # type: ignore[union-attr]
        sock = transport.sock
        assert isinstance(sock, socket.socket)
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
