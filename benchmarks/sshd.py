"""A real OpenSSH sshd on loopback for the benchmarks (run as root).

Like the interop suite's server (``tests/interop/conftest.py``), with one user,
``semine-bench``, that logs in with a password (this project, rclone, the
sequential loop) or a key (OpenSSH's ``sftp -b``, which cannot type a
password). sshd's connection limits are left at their defaults.
"""

from __future__ import annotations

import contextlib
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

SSHD = Path("/usr/sbin/sshd")
USER = "semine-bench"
HOME = Path("/home") / USER


@attrs.frozen
class Server:
    """A running sshd and what the clients need to reach it."""

    port: int
    password: str
    key_file: Path
    known_hosts: Path
    host_public_key: str
    home: Path
    workdir: Path

    def trust(self, port: int) -> None:
        """Add the host key for ``127.0.0.1:port`` (a proxy in front) to ``known_hosts``."""
        with self.known_hosts.open("a") as f:
            f.write(f"[127.0.0.1]:{port} {self.host_public_key}\n")


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_banner(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    """Wait (bounded) until something on ``port`` sends an SSH banner."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and process.poll() is None:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), timeout=2) as sock,
        ):
            if sock.recv(4).startswith(b"SSH-"):
                return
        time.sleep(0.05)  # the listener appears shortly after the process starts
    raise RuntimeError(f"{what} did not answer on port {port}")


@contextlib.contextmanager
def running_sshd() -> Iterator[Server]:
    """Start sshd on a free loopback port with a fresh home for ``semine-bench``."""
    if os.geteuid() != 0 or not SSHD.exists():
        raise SystemExit("the benchmarks start sshd and add a user: run them as root with sshd")
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="semine-bench-"))
    work.chmod(0o755)
    password = "Bench-" + secrets.token_hex(8)
    if subprocess.run(["id", USER], capture_output=True, check=False).returncode != 0:
        _run("useradd", "-m", "-d", str(HOME), "-s", "/bin/sh", USER)
    subprocess.run(["chpasswd"], input=f"{USER}:{password}\n", text=True, check=True)
    for child in HOME.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(work / "host_ed25519"))
    kind, blob = (work / "host_ed25519.pub").read_text().split()[:2]
    key = work / "client_ed25519"
    _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key))
    keys = work / "authorized_keys"
    keys.mkdir(mode=0o755)
    (keys / USER).write_text((work / "client_ed25519.pub").read_text())
    (keys / USER).chmod(0o644)
    port = free_port()
    config = work / "sshd_config"
    config.write_text(
        f"""\
ListenAddress 127.0.0.1
Port {port}
HostKey {work / "host_ed25519"}
PidFile {work / "sshd.pid"}
AuthorizedKeysFile {keys}/%u
StrictModes no
UsePAM no
UseDNS no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin no
AllowUsers {USER}
Subsystem sftp internal-sftp
LogLevel ERROR
"""
    )
    server = Server(
        port=port,
        password=password,
        key_file=key,
        known_hosts=work / "known_hosts",
        host_public_key=f"{kind} {blob}",
        home=HOME,
        workdir=work,
    )
    server.trust(port)
    log = (work / "sshd.log").open("wb")
    process = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(config)], stdout=log, stderr=log)
    try:
        wait_banner(port, process, "sshd")
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
        shutil.rmtree(work, ignore_errors=True)
