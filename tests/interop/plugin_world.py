"""An integration world for the interop suite: the Ftp plugin against the real OpenSSH sshd.

:class:`SshWorld` wires a SEMINE sandbox, a configuration file and the
:class:`~semine_plugins._runner.Runner` to the session's sshd (see
``conftest.py``), for either the normal user (a folder under its home) or the
chrooted user (a folder under ``/upload``, which the server sees inside the
jail). Test files are written straight to the server's disk and handed to the
SFTP user, as another program on the server would leave them.

:class:`Sshd` starts a further sshd with host keys of its own, for the tests
that change the server's key.
"""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Any

from conftest import SSHD, OpenSSH, _run, _wait_ready
from semine_plugins.sandbox import SandboxServer
from semine_plugins.testing import IntegrationWorld, SemineSandbox

EMAIL = "integration@acme.no"
SEMINE_PASSWORD = "semine-pass-9"
IMPORT = "/api/v1.0/organizations/"  # the import call's path prefix (not the token call)


class SshWorld(IntegrationWorld):
    """One integration against sshd and a sandbox, driven through the Runner (the testing kit's).

    :param tmp: the test's temporary folder (the configuration file lives there).
    :param server: the running sshd.
    :param sandbox: the running SEMINE sandbox.
    :param user: the SFTP user (``semine-user`` or ``semine-chroot``).
    :param chrooted: True when the user is jailed in ``server.chroot``.
    """

    def __init__(
        self,
        tmp: Path,
        server: OpenSSH,
        sandbox: SandboxServer,
        *,
        user: str,
        chrooted: bool,
    ) -> None:
        self.tmp = tmp
        self.server = server
        self.user = user
        self.chrooted = chrooted
        name = f"w-{secrets.token_hex(4)}"
        self.folder = f"/upload/{name}" if chrooted else f"{server.user_home}/{name}"
        self.root = self.local(self.folder)
        self._mkdirs(self.root)
        semine = SemineSandbox.set_up(
            sandbox,
            email=EMAIL,
            password=SEMINE_PASSWORD,
            organization="Acme",
            client_name="Acme AS",
            organization_number="912345678",
        )
        self.admin = semine.admin
        self.client = semine.client
        super().__init__(
            tmp,
            semine,
            plugin="ftp",
            settings={
                "host": server.host,
                "port": server.port,
                "username": user,
                "password": server.password,
                "folder": self.folder,
                "success_folder": f"{self.folder}/processed",
                "failure_folder": f"{self.folder}/failed",
                "stable_seconds": 0,
                "connections": 2,
                "connect_timeout": 10,
                "operation_timeout": 10,
            },
        )

    def close(self) -> None:
        """Close the admin client and remove the test's folder from the server."""
        self.admin.close()
        shutil.rmtree(self.root, ignore_errors=True)

    # ------------------------------------------------------------ the server's disk

    def local(self, remote: str) -> Path:
        """The server-side path of a path the SFTP user sees."""
        return self.server.chroot / remote.lstrip("/") if self.chrooted else Path(remote)

    def _mkdirs(self, path: Path) -> None:
        missing = []
        while not path.exists():
            missing.append(path)
            path = path.parent
        for folder in reversed(missing):
            folder.mkdir(mode=0o755)
            shutil.chown(folder, self.user, self.user)

    def put(self, name: str, data: bytes, folder: str | None = None) -> Path:
        """Leave a file in ``folder`` (default: the main folder), owned by the SFTP user."""
        path = self.local(folder or self.folder) / name
        self._mkdirs(path.parent)
        path.write_bytes(data)
        shutil.chown(path, self.user, self.user)
        return path

    def files(self, folder: str | None = None) -> list[str]:
        """The names of the regular files in ``folder`` (default: the main folder)."""
        base = self.local(folder or self.folder)
        return sorted(p.name for p in base.iterdir() if p.is_file()) if base.is_dir() else []

    @property
    def success(self) -> str:
        return str(self.settings["success_folder"])

    @property
    def failure(self) -> str:
        return str(self.settings["failure_folder"])

    # ------------------------------------------------------------ SEMINE

    def seed(self, **changes: Any) -> int:
        """Create an invoice in SEMINE (status as given, e.g. ``invoiceStatus="Posting"``)."""
        return self.sandbox.seed(**changes)

    def posts(self) -> list[dict[str, Any]]:
        """The import calls SEMINE received, in order."""
        return self.sandbox.imports()


def host_key(folder: Path, name: str) -> tuple[Path, str]:
    """Generate an ed25519 host key; return its file and its SHA256 fingerprint."""
    key = folder / name
    _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key))
    return key, _run("ssh-keygen", "-lf", f"{key}.pub").split()[1]


class Sshd:
    """Another sshd, configured like the session's one but with its own host key and port.

    ``with Sshd(server, port, key, workdir):`` runs it for the block.
    """

    def __init__(self, server: OpenSSH, port: int, key: Path, workdir: Path) -> None:
        text = (server.workdir / "sshd_config").read_text()
        text = re.sub(r"(?m)^Port .*$", f"Port {port}", text)
        # This key only: the first HostKey line names it, the others go.
        text = re.sub(r"(?m)^HostKey .*$", f"HostKey {key}", text, count=1)
        text = re.sub(r"(?m)^HostKey (?!" + re.escape(str(key)) + r"$).*\n", "", text)
        text = re.sub(r"(?m)^PidFile .*$", f"PidFile {workdir / f'sshd-{port}.pid'}", text)
        self.config = workdir / f"sshd_config-{key.name}"
        self.config.write_text(text)
        self.log = workdir / f"sshd-{key.name}.log"
        self.port = port
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Sshd:
        with self.log.open("wb") as log:
            self._process = subprocess.Popen(
                [str(SSHD), "-D", "-e", "-f", str(self.config)], stdout=log, stderr=log
            )
        _wait_ready(self._process, self.port, self.log)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None
