"""test_connection: the "Test Connection" button, as ordered checks.

SFTP side: name resolution, TCP connect, SSH handshake and host key,
authentication, main folder listable, write probe (temporary name, rename,
delete — cleaned up even on failure), Success and Failure folders present or
created. SEMINE side: authentication, client resolution. A failed step skips
the steps that need it; nothing raises for an unreachable target, and no
invoice is read, moved, imported or uploaded.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

from semine_plugins import Check, CheckStatus, ConnectionReport, IntegrationContext
from semine_plugins.errors import SeminePluginsError
from semine_plugins_ftp._hostkeys import HostKeyError, HostKeyTrust
from semine_plugins_ftp._remote import (
    ConnectError,
    Connector,
    LoginError,
    RemoteFS,
    RemotePermissionError,
    TransferTimeoutError,
)
from semine_plugins_ftp._session import Session
from semine_plugins_ftp._settings import FtpSettings

__all__ = ["test_connection"]

_HINTS: list[tuple[type[BaseException], str]] = [
    (HostKeyError, "confirm the new key with the server's administrator before trusting it"),
    (LoginError, "check 'username' and 'password' (or 'private_key_file')"),
    (TransferTimeoutError, "check 'host' and 'port', and any firewall in between"),
    (ConnectError, "check 'host' and 'port', and that the SFTP server is running"),
    (RemotePermissionError, "ask the server's administrator for write access to the folder"),
]


def _hint(exc: BaseException, default: str) -> str:
    return next((h for cls, h in _HINTS if isinstance(exc, cls)), default)


class _Checks:
    def __init__(self) -> None:
        self.checks: list[Check] = []
        self.blocked = False

    def skip(self, name: str, title: str, why: str) -> None:
        self.checks.append(
            Check(name=name, title=title, status=CheckStatus.SKIPPED, detail=f"skipped: {why}")
        )

    def run(
        self,
        name: str,
        title: str,
        step: Callable[[], str],
        *,
        hint: str = "",
        needs_sftp: bool = True,
    ) -> bool:
        if needs_sftp and self.blocked:
            self.skip(name, title, "an earlier check failed")
            return False
        began = time.perf_counter()
        try:
            detail = step()
        except Exception as exc:  # a failed check, never a crash
            status = CheckStatus.FAILED
            detail = (
                str(exc)
                if isinstance(exc, SeminePluginsError | OSError)
                else f"{type(exc).__name__}: {exc}"
            )
            hint = _hint(exc, hint)
            if needs_sftp:
                self.blocked = True
        else:
            status = CheckStatus.WARNING if detail.startswith("warning: ") else CheckStatus.PASSED
            detail = detail.removeprefix("warning: ")
            hint = ""
        self.checks.append(
            Check(
                name=name,
                title=title,
                status=status,
                elapsed=time.perf_counter() - began,
                detail=detail,
                hint=hint,
            )
        )
        return status is not CheckStatus.FAILED


def test_connection(ctx: IntegrationContext) -> ConnectionReport:
    """Run every check in order; see the module docstring."""
    s: FtpSettings = ctx.settings
    where = f"{s.host}:{s.port}"
    c = _Checks()
    held: dict[str, RemoteFS] = {}
    with Session.open(ctx) as session, Connector(session.config) as steps:

        def resolve() -> str:
            return "resolves to " + ", ".join(steps.resolve())

        def tcp() -> str:
            steps.open_socket()
            return "connected"

        def handshake() -> str:
            trust = steps.handshake()
            seen = steps.host_key_fingerprint
            if trust is HostKeyTrust.FIRST_USE:
                return (
                    f"warning: first connection: trusted and recorded host key {seen}; "
                    "compare it with the fingerprint the server's administrator gives "
                    "(or pin it in 'host_key_fingerprint')"
                )
            return f"host key {seen} ({trust.value})"

        def login() -> str:
            steps.login()
            held["fs"] = steps.open_sftp()
            return f"logged in as {s.username!r}"

        def listable() -> str:
            fs: RemoteFS = held["fs"]
            session.require_folder(fs, s.folder)
            count = sum(1 for _ in itertools.islice(fs.listdir(s.folder), 1000))
            return f"{s.folder} is listable ({count}{'+' if count == 1000 else ''} entries)"

        def probe() -> str:
            held["fs"].write_probe(s.folder)
            return "wrote, renamed and removed a test file"

        def folder_check(folder: str | None, missing: str) -> Callable[[], str]:
            def step() -> str:
                fs: RemoteFS = held["fs"]
                if not folder:
                    return f"warning: not configured: {missing}"
                if fs.isdir(folder):
                    return f"{folder} exists"
                fs.makedirs(folder)
                return f"{folder} was missing and has been created"

            return step

        try:
            c.run("dns", f"Name resolution of {s.host}", resolve)
            c.run("tcp", f"TCP connect to {where}", tcp)
            c.run("ssh", f"SSH handshake and host key of {where}", handshake)
            c.run("auth", f"Login as {s.username!r}", login)
            c.run("folder", f"Ftp folder {s.folder} listable", listable)
            c.run("write", f"Write probe in {s.folder}", probe)
            c.run(
                "success_folder",
                "Success folder",
                folder_check(s.success_folder, "imported files are deleted from the main folder"),
            )
            c.run(
                "failure_folder",
                "Failure folder",
                folder_check(s.failure_folder, "failed files stay in the main folder"),
            )
        finally:
            if "fs" in held:
                held["fs"].close()

    def semine_auth() -> str:
        ctx.semine.authenticate()
        who = ctx.semine_access.email or "a personal access token"
        return f"logged in to {ctx.semine_access.url} as {who}"

    def semine_client() -> str:
        ref = ctx.semine.resolve_client()
        return f"client {ref.name} (id {ref.client_id}, organisation {ref.organization_number})"

    if c.run(
        "semine_auth",
        "SEMINE login",
        semine_auth,
        needs_sftp=False,
        hint="check semine_email and semine_password (or semine_token) and semine_url",
    ):
        c.run(
            "semine_client",
            "SEMINE client",
            semine_client,
            needs_sftp=False,
            hint="set semine_client to the client's id or organisation number",
        )
    else:
        c.skip("semine_client", "SEMINE client", "the login failed")
    return ConnectionReport(checks=c.checks)
