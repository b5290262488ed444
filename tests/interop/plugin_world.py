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

import json
import re
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Any

from conftest import SSHD, OpenSSH, _run, _wait_ready
from semine_plugins import ConnectionReport, RunReport, get_plugin_host, load_config
from semine_plugins._runner import Runner
from semine_plugins.sandbox import SandboxAdmin, SandboxServer, sample_detail

EMAIL = "integration@acme.no"
SEMINE_PASSWORD = "semine-pass-9"
IMPORT = "/api/v1.0/organizations/"  # the import call's path prefix (not the token call)


class SshWorld:
    """One integration against sshd and a sandbox, driven through the Runner.

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
        self.sandbox = sandbox
        self.user = user
        self.chrooted = chrooted
        name = f"w-{secrets.token_hex(4)}"
        self.folder = f"/upload/{name}" if chrooted else f"{server.user_home}/{name}"
        self.root = self.local(self.folder)
        self._mkdirs(self.root)
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
        }
        self.semine: dict[str, Any] = {"semine_email": EMAIL, "semine_password": SEMINE_PASSWORD}

    def close(self) -> None:
        """Close the admin client and remove the test's folder from the server."""
        self.admin.close()
        shutil.rmtree(self.root, ignore_errors=True)

    # ------------------------------------------------------------ configuration

    def configure(self, **changes: Any) -> None:
        """Change plugin settings (None removes a key)."""
        for key, value in changes.items():
            if value is None:
                self.settings.pop(key, None)
            else:
                self.settings[key] = value

    def write_config(self) -> Path:
        """Write the configuration file (integration ``acme``) and return its path."""

        def toml(value: Any) -> str:
            return json.dumps(value) if not isinstance(value, bool) else str(value).lower()

        lines = ["[integrations.acme]", 'plugin = "ftp"', f"semine_url = {toml(self.sandbox.url)}"]
        lines += [f"{k} = {toml(v)}" for k, v in self.semine.items()]
        lines.append("[integrations.acme.settings]")
        lines += [f"{k} = {toml(v)}" for k, v in self.settings.items()]
        self.config.write_text("\n".join(lines) + "\n")
        return self.config

    def runner(self) -> Runner:
        return Runner(get_plugin_host(), load_config(self.write_config()))

    def receive(self) -> RunReport:
        return self.runner().receive("acme")

    def send(self) -> RunReport:
        return self.runner().send("acme")

    def check(self) -> ConnectionReport:
        return self.runner().test_connection("acme")

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
        return self.admin.seed_invoice(self.client, sample_detail(**changes))

    def posts(self) -> list[dict[str, Any]]:
        """The import calls SEMINE received, in order."""
        return [
            c
            for c in self.admin.calls()
            if c["method"] == "POST"
            and c["path"].endswith("/invoices")
            and not c["path"].startswith("/sandbox")
        ]


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
