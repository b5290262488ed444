"""The Ftp plugin's SFTP layer against a real OpenSSH server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import CHROOT_USER, USER, OpenSSH
from semine_plugins import Secret
from semine_plugins_ftp._hostkeys import HostKeyError, HostKeyPolicy, HostKeyTrust, InMemoryPinStore
from semine_plugins_ftp._remote import (
    LoginError,
    RemoteFileExistsError,
    RemotePermissionError,
    SFTPConfig,
    connect,
)

pytestmark = pytest.mark.interop


def config(server: OpenSSH, **overrides: Any) -> SFTPConfig:
    values: dict[str, Any] = {
        "host": server.host,
        "port": server.port,
        "username": USER,
        "password": Secret(server.password),
        "host_keys": HostKeyPolicy(pinned=server.host_key_fingerprint),
        "connect_timeout": 10.0,
        "operation_timeout": 10.0,
    }
    values.update(overrides)
    return SFTPConfig(**values)


def test_pinned_fingerprint_as_ssh_keygen_prints_it(openssh: OpenSSH) -> None:
    """The fingerprint ssh-keygen -lf prints is the one the plugin pins and reports."""
    with connect(config(openssh)) as fs:
        assert fs.host_key_trust is HostKeyTrust.PINNED
        assert fs.host_key_fingerprint == openssh.host_key_fingerprint


def test_tofu_then_changed_key_refused(openssh: OpenSSH) -> None:
    """First use records the key; a different recorded key is refused with both fingerprints."""
    store = InMemoryPinStore()
    policy = HostKeyPolicy(pin_store=store)
    with connect(config(openssh, host_keys=policy)) as fs:
        assert fs.host_key_trust is HostKeyTrust.FIRST_USE
    assert store.get(openssh.host, openssh.port) == openssh.host_key_fingerprint
    old = "SHA256:" + "A" * 43
    store.set(openssh.host, openssh.port, old)
    with pytest.raises(HostKeyError, match="has changed") as info:
        connect(config(openssh, host_keys=policy))
    assert old in str(info.value)
    assert openssh.host_key_fingerprint in str(info.value)


def test_known_hosts(openssh: OpenSSH, tmp_path: Path) -> None:
    """A known_hosts line in OpenSSH's [host]:port form is honoured."""
    known = tmp_path / "known_hosts"
    known.write_text(openssh.known_hosts_line() + "\n")
    with connect(config(openssh, host_keys=HostKeyPolicy(known_hosts_file=known))) as fs:
        assert fs.host_key_trust is HostKeyTrust.KNOWN_HOSTS


@pytest.mark.parametrize("key_type", ["ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"])
def test_pin_may_name_any_of_sshds_host_keys(openssh: OpenSSH, key_type: str) -> None:
    """sshd has ed25519, ECDSA and RSA keys: a pin of any of them connects, to that key."""
    pinned, _ = openssh.host_keys[key_type]
    cfg = config(openssh, host_keys=HostKeyPolicy(pinned=pinned))
    for _ in range(2):
        with connect(cfg) as fs:
            assert fs.host_key_trust is HostKeyTrust.PINNED
            assert fs.host_key_fingerprint == pinned
            assert fs.isdir(str(openssh.user_home))


def test_pin_naming_none_of_sshds_keys_is_refused_listing_them(openssh: OpenSSH) -> None:
    """A pin that is none of the server's keys is refused; the message lists every key."""
    wrong = "SHA256:" + "B" * 43
    with pytest.raises(HostKeyError, match="does not match the pinned") as info:
        connect(config(openssh, host_keys=HostKeyPolicy(pinned=wrong)))
    text = str(info.value)
    assert wrong in text
    assert all(printed in text for printed, _ in openssh.host_keys.values())


@pytest.mark.parametrize("key_type", ["ecdsa-sha2-nistp256", "ssh-rsa"])
def test_known_hosts_listing_another_key_type(
    openssh: OpenSSH, tmp_path: Path, key_type: str
) -> None:
    """known_hosts lists only the server's ECDSA (or RSA) key: that key type is negotiated."""
    printed, public = openssh.host_keys[key_type]
    known = tmp_path / "known_hosts"
    known.write_text(f"[{openssh.host}]:{openssh.port} {public}\n")
    with connect(config(openssh, host_keys=HostKeyPolicy(known_hosts_file=known))) as fs:
        assert fs.host_key_trust is HostKeyTrust.KNOWN_HOSTS
        assert fs.host_key_fingerprint == printed


def test_key_login(openssh: OpenSSH) -> None:
    """An ssh-keygen key (OpenSSH format, with passphrase) logs in."""
    cfg = config(
        openssh,
        password=None,
        private_key_file=openssh.key_file,
        private_key_passphrase=Secret(openssh.key_passphrase),
    )
    with connect(cfg) as fs:
        assert fs.isdir(str(openssh.user_home))


def test_wrong_password(openssh: OpenSSH) -> None:
    """OpenSSH's refusal is reported naming the user."""
    with pytest.raises(LoginError, match=USER):
        connect(config(openssh, password=Secret("not-the-password")))


def test_atomic_upload_and_posix_rename(openssh: OpenSSH) -> None:
    """Uploads land complete under their final name; OpenSSH has posix-rename."""
    folder = str(openssh.user_home / "out")
    with connect(config(openssh)) as fs:
        fs.makedirs(folder)
        fs.upload_atomic(folder, "1.xml", b"<Invoice/>")
        with pytest.raises(RemoteFileExistsError):
            fs.upload_atomic(folder, "1.xml", b"<Other/>")
        fs.upload_atomic(folder, "1.xml", b"<New/>", overwrite=True)
        assert fs.has_posix_rename is True
        assert [e.name for e in fs.listdir(folder)] == ["1.xml"]
    assert (openssh.user_home / "out" / "1.xml").read_bytes() == b"<New/>"


def test_move_unique(openssh: OpenSSH) -> None:
    """Moving into a folder with a clash picks a free name and keeps both files."""
    base = openssh.user_home / "move"
    with connect(config(openssh)) as fs:
        fs.makedirs(f"{base}/in")
        fs.upload_atomic(f"{base}/in", "7.xml", b"first")
        assert fs.move_unique(f"{base}/in/7.xml", f"{base}/done") == f"{base}/done/7.xml"
        fs.upload_atomic(f"{base}/in", "7.xml", b"second")
        assert fs.move_unique(f"{base}/in/7.xml", f"{base}/done") == f"{base}/done/7 (1).xml"
    assert (base / "done" / "7.xml").read_bytes() == b"first"
    assert (base / "done" / "7 (1).xml").read_bytes() == b"second"


def test_chrooted_user(openssh: OpenSSH) -> None:
    """A chrooted user sees '/' read-only and writes into /upload."""
    with connect(config(openssh, username=CHROOT_USER)) as fs:
        assert {e.name for e in fs.listdir("/")} == {"upload"}
        with pytest.raises(RemotePermissionError, match=CHROOT_USER):
            fs.write_probe("/")
        fs.write_probe("/upload")
        fs.upload_atomic("/upload", "9.xml", b"x")
        assert fs.move_unique("/upload/9.xml", "/upload/done") == "/upload/done/9.xml"
        assert fs.read_capped("/upload/done/9.xml", 10) == b"x"
    assert (openssh.chroot / "upload" / "done" / "9.xml").read_bytes() == b"x"
    assert sorted(p.name for p in (openssh.chroot / "upload").iterdir()) == ["done"]


@pytest.mark.parametrize(
    ("size", "listed"),
    [(0, 0), (1, 1), (20_000, 20_000), (20_000, 19_000), (20_000, 21_000), (40_000, 40_000)],
)
def test_read_at_listed_size(openssh: OpenSSH, size: int, listed: int) -> None:
    """OpenSSH answers the read, the read at the end and the close sent together; a file
    that changed since the listing is still read whole."""
    data = bytes(i % 251 for i in range(size))
    folder = str(openssh.user_home / "reads")
    with connect(config(openssh)) as fs:
        fs.makedirs(folder)
        fs.upload_atomic(folder, "a.xml", data, overwrite=True)
        assert fs.read_capped(f"{folder}/a.xml", 10**6, size=listed) == data
        assert fs.read_capped(f"{folder}/a.xml", 10**6, size=listed) == data  # same connection
        assert fs.exists(f"{folder}/a.xml")


def test_openssh_plain_rename_never_replaces(openssh: OpenSSH) -> None:
    """The rename probe finds OpenSSH keeping to the protocol, and leaves nothing behind;
    a move then skips asking first and still never overwrites."""
    base = openssh.user_home / "probe"
    with connect(config(openssh)) as fs:
        fs.makedirs(f"{base}/done")
        assert fs.rename_replaces(f"{base}/done") is False
        assert list((base / "done").iterdir()) == []
        fs.makedirs(f"{base}/in")
        for content in (b"first", b"second"):
            fs.upload_atomic(f"{base}/in", "7.xml", content)
            fs.move_unique(f"{base}/in/7.xml", f"{base}/done", look_first=False)
    assert (base / "done" / "7.xml").read_bytes() == b"first"
    assert (base / "done" / "7 (1).xml").read_bytes() == b"second"
