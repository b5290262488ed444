"""A real OpenSSH sshd for the interop suite (run as root; ``pytest -m interop tests/interop``).

The session fixture :func:`openssh` generates fresh host keys, writes an sshd
configuration, creates two users and starts ``/usr/sbin/sshd -D -e`` on
``127.0.0.1`` on a free port:

* ``semine-user`` (password, or key) with a home folder;
* ``semine-chroot`` (password) jailed with ``ChrootDirectory`` and
  ``ForceCommand internal-sftp``: its ``/`` is root-owned and read-only,
  ``/upload`` is writable.

The server has three host keys, as a stock OpenSSH install does: ed25519
(the one clients negotiate first), ECDSA and RSA.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

SSHD = Path("/usr/sbin/sshd")
USER = "semine-user"
CHROOT_USER = "semine-chroot"
LOCK = Path("/run/semine-plugins-interop.lock")


@attrs.frozen
class OpenSSH:
    """A running sshd and what the tests need to know about it."""

    host: str
    port: int
    host_key_fingerprint: str
    host_public_key: str
    #: Every host key of the server: key type (``ssh-rsa``, ...) → (fingerprint, public key).
    host_keys: dict[str, tuple[str, str]]
    password: str
    user_home: Path
    chroot: Path
    key_file: Path
    key_passphrase: str
    workdir: Path

    def known_hosts_line(self) -> str:
        return f"[{self.host}]:{self.port} {self.host_public_key}"


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def _ensure_user(name: str, *, home: str | None) -> None:
    exists = subprocess.run(["id", name], capture_output=True, check=False).returncode == 0
    if not exists:
        if home is None:
            _run("useradd", "-M", "-d", "/", "-s", "/usr/sbin/nologin", name)
        else:
            _run("useradd", "-m", "-d", home, "-s", "/bin/sh", name)


def _set_password(name: str, password: str) -> None:
    subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    """Connect until sshd sends its banner (bounded; fails with sshd's log)."""
    for _ in range(100):
        if process.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(4).startswith(b"SSH-"):
                    return
        except OSError:
            time.sleep(0.05)  # sshd binds its socket shortly after starting
    pytest.fail(f"sshd did not become ready on port {port}:\n{log.read_text()}")


@pytest.fixture(scope="session")
def openssh() -> Iterator[OpenSSH]:
    """A real OpenSSH server on 127.0.0.1 with a normal and a chrooted user."""
    if not SSHD.exists():
        pytest.fail(
            f"{SSHD} not found: the interop suite needs OpenSSH's server; "
            "install it with `apt-get install openssh-server`"
        )
    if os.geteuid() != 0:
        pytest.fail("the interop suite starts sshd and creates users: run it as root")
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation folder
    # The test users' passwords and home folder are shared by the machine: one
    # interop run at a time (a second one waits here until the first is done).
    lock = LOCK.open("a")
    fcntl.flock(lock, fcntl.LOCK_EX)

    work = Path(tempfile.mkdtemp(prefix="semine-interop-"))
    work.chmod(0o755)  # sshd reads authorized keys with the user's rights
    # ChrootDirectory needs every path component root-owned and not group/other
    # writable, which rules out /tmp.
    jail_parent = Path("/srv") / f"semine-interop-{secrets.token_hex(4)}"
    jail_parent.mkdir(mode=0o755)
    chroot = jail_parent / "chroot"
    chroot.mkdir(mode=0o755)
    password = "Interop-" + secrets.token_hex(8)
    process: subprocess.Popen[bytes] | None = None
    try:
        host_keys: dict[str, tuple[str, str]] = {}
        for kind in ("ed25519", "ecdsa", "rsa"):
            key = work / f"host_{kind}"
            _run("ssh-keygen", "-q", "-t", kind, "-N", "", "-f", str(key))
            algorithm, blob = (work / f"host_{kind}.pub").read_text().split()[:2]
            printed = _run("ssh-keygen", "-lf", f"{key}.pub").split()[1]
            host_keys[algorithm] = (printed, f"{algorithm} {blob}")
        fingerprint, host_public_key = host_keys["ssh-ed25519"]

        _ensure_user(USER, home=f"/home/{USER}")
        _ensure_user(CHROOT_USER, home=None)
        _set_password(USER, password)
        _set_password(CHROOT_USER, password)
        home = Path(f"/home/{USER}")
        for child in home.iterdir():  # a clean home for each session
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
        upload = chroot / "upload"
        upload.mkdir()
        shutil.chown(upload, CHROOT_USER, CHROOT_USER)

        key_passphrase = "interop key " + secrets.token_hex(4)
        key_file = work / "client_ed25519"
        _run("ssh-keygen", "-q", "-t", "ed25519", "-N", key_passphrase, "-f", str(key_file))
        keys = work / "authorized_keys"
        keys.mkdir(mode=0o755)
        (keys / USER).write_text((work / "client_ed25519.pub").read_text())
        (keys / USER).chmod(0o644)

        port = _free_port()
        config = work / "sshd_config"
        config.write_text(
            f"""\
ListenAddress 127.0.0.1
Port {port}
HostKey {work / "host_ed25519"}
HostKey {work / "host_ecdsa"}
HostKey {work / "host_rsa"}
PidFile {work / "sshd.pid"}
AuthorizedKeysFile {keys}/%u
StrictModes no
UsePAM no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin no
AllowUsers {USER} {CHROOT_USER}
Subsystem sftp internal-sftp
LogLevel VERBOSE

Match User {CHROOT_USER}
    ChrootDirectory {chroot}
    ForceCommand internal-sftp
    AllowTcpForwarding no
"""
        )
        log = work / "sshd.log"
        with log.open("wb") as log_file:
            process = subprocess.Popen(
                [str(SSHD), "-D", "-e", "-f", str(config)], stdout=log_file, stderr=log_file
            )
        _wait_ready(process, port, log)
        yield OpenSSH(
            host="127.0.0.1",
            port=port,
            host_key_fingerprint=fingerprint,
            host_public_key=host_public_key,
            host_keys=host_keys,
            password=password,
            user_home=home,
            chroot=chroot,
            key_file=key_file,
            key_passphrase=key_passphrase,
            workdir=work,
        )
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(jail_parent, ignore_errors=True)
        lock.close()  # releases the lock
