"""``semine-plugins demo``: the main job on embedded defaults.

Starts an in-process SFTP server and the SEMINE sandbox on loopback, in a
workspace folder; seeds posted invoices in SEMINE and inbound files on the
server (valid ones, an invalid one, one misplaced in the root folder); then
runs Test Connection, send and receive through the same runner as the real
commands, and shows where everything ended up. The workspace stays behind
for looking at; ``--keep-running`` leaves both servers up and prints a
ready-made configuration for the other commands.

Everything here needs the ``sandbox`` extra (asyncssh, starlette, uvicorn);
the command line loads this module only when ``demo`` is asked for.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import click

from semine_plugins._manager import get_plugin_host
from semine_plugins._output import echo_json, format_option, text_table
from semine_plugins._runner import DATA_DIR_ENV, Runner
from semine_plugins.integrations import CONFIG_ENV, load_config, render_integration
from semine_plugins.reports import ConnectionReport, Outcome, RunReport
from semine_plugins.sandbox import SandboxServer, sample_detail, sample_document
from semine_plugins.testing import SemineSandbox
from semine_plugins.testing.sftp import SFTPServer

__all__ = ["Demo", "DemoResult", "demo"]

NAME = "demo"
EMAIL = "demo@semine.example"
FTP_USER = "semine"

# Posted invoices waiting in SEMINE, exported by send.
_POSTED = [
    {"invoiceNumber": "2026-0417", "supplier": "Fjordkraft AS"},
    {"invoiceNumber": "2026-0418", "supplier": "Bergen Kontor AS"},
    {"invoiceNumber": "2026-0419", "supplier": "Nordlys Data AS"},
]
# Files a supplier system dropped in the main folder, imported by receive.
_VALID = {
    "INV-7001.xml": ("INV-7001", "Tromsø Transport AS", "4375.00"),
    "INV-7002.XML": ("INV-7002", "Hamar Trykkeri AS", "980.50"),
}
_INVALID_NAME = "INV-7003-broken.xml"
_MISPLACED_NAME = "INV-7004-misplaced.xml"
_IGNORED_NAME = "readme.txt"


@attrs.frozen(kw_only=True)
class DemoResult:
    """What the demo did: the three reports, and where things ended up."""

    workspace: Path
    config: Path
    data_dir: Path
    connection: ConnectionReport
    send: RunReport
    receive: RunReport
    files: dict[str, list[str]]
    invoices: list[dict[str, Any]]

    @property
    def as_expected(self) -> bool:
        """True when every step did what the demo was built to show."""
        c = self.receive.counts
        return (
            self.connection.ok
            and self.send.counts["sent"] == len(_POSTED)
            and self.send.ok
            and c["imported"] == len(_VALID)
            and c["failed"] == 1
            and c["warning"] == 1
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the result as JSON-ready data."""
        return {
            "as_expected": self.as_expected,
            "workspace": str(self.workspace),
            "config": str(self.config),
            "data_dir": str(self.data_dir),
            "test_connection": self.connection.to_dict(),
            "send": self.send.to_dict(),
            "receive": self.receive.to_dict(),
            "files": self.files,
            "invoices": self.invoices,
        }


def _private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text + "\n")


def _invalid_document() -> bytes:
    """A well-formed invoice the UBL schema refuses (an issue date that is no date)."""
    return sample_document("INV-7003", supplier_name="Ålesund Elektro AS").replace(
        b"<cbc:IssueDate>2026-11-01</cbc:IssueDate>", b"<cbc:IssueDate>first of May</cbc:IssueDate>"
    )


class Demo:
    """The demo's servers, workspace and configuration.

    :param workspace: the folder to work in (created; a fresh temporary one by default).
    """

    def __init__(self, workspace: Path | None = None) -> None:
        self.workspace = (
            workspace
            if workspace is not None
            else Path(tempfile.mkdtemp(prefix="semine-plugins-demo-"))
        )
        self.workspace.mkdir(parents=True, exist_ok=True)
        self.sftp_root = self.workspace / "sftp"
        self.data_dir = self.workspace / "data"
        self.config = self.workspace / "semine-plugins.toml"
        self.sftp: SFTPServer | None = None
        self.semine: SemineSandbox | None = None

    @contextmanager
    def servers(self) -> Iterator[Demo]:
        """Start both servers, seed them and write the configuration; stop them on exit."""
        ftp_password = secrets.token_urlsafe(12)
        self.sftp_root.mkdir(parents=True, exist_ok=True)
        with (
            SFTPServer(root=self.sftp_root, users={FTP_USER: ftp_password}) as sftp,
            SandboxServer(db=str(self.workspace / "sandbox.sqlite3")) as server,
        ):
            semine = SemineSandbox.set_up(
                server,
                email=EMAIL,
                password=secrets.token_urlsafe(12),
                token=secrets.token_urlsafe(12),  # not used by the demo; random like the rest
                organization="Demo Regnskap",
                client_name="Demo Kunde AS",
                organization_number="912345678",
            )
            with semine.admin:
                self.sftp, self.semine = sftp, semine
                try:
                    self._seed(sftp, semine)
                    self._write_config(sftp, semine, ftp_password)
                    yield self
                finally:
                    self.sftp = self.semine = None

    def _seed(self, sftp: SFTPServer, semine: SemineSandbox) -> None:
        for posted in _POSTED:
            supplier = {**sample_detail()["supplier"], "name": posted["supplier"]}
            semine.seed(invoiceNumber=posted["invoiceNumber"], supplier=supplier)
        inbound = {
            name: sample_document(number, supplier_name=supplier, payable=payable)
            for name, (number, supplier, payable) in _VALID.items()
        }
        inbound[_INVALID_NAME] = _invalid_document()
        inbound[_IGNORED_NAME] = b"Files that do not end in .xml are left alone.\n"
        # Files arrived a minute ago: old enough to pass the stable-file check.
        past = time.time() - 60
        for name, data in inbound.items():
            os.utime(sftp.write(f"invoices/{name}", data), (past, past))
        misplaced = sftp.write(_MISPLACED_NAME, sample_document("INV-7004"))
        os.utime(misplaced, (past, past))

    def _write_config(self, sftp: SFTPServer, semine: SemineSandbox, ftp_password: str) -> None:
        secrets_dir = self.workspace / "secrets"
        _private(secrets_dir / "ftp-password", ftp_password)
        _private(secrets_dir / "semine-password", semine.password)
        text = render_integration(
            NAME,
            plugin="ftp",
            description="The demo: an in-process SFTP server and the SEMINE sandbox",
            semine_url=semine.url,
            semine_email=semine.email,
            semine_password={"file": str(secrets_dir / "semine-password")},
            settings={
                "host": sftp.host,
                "port": sftp.port,
                "username": FTP_USER,
                "password": {"file": str(secrets_dir / "ftp-password")},
                "folder": "/invoices",
                "success_folder": "/invoices/processed",
                "failure_folder": "/invoices/failed",
                "ignore_root_folder_files": False,
                "host_key_fingerprint": sftp.host_key_fingerprint,
            },
            comments={
                "password": "read from a file that only you can read",
                "host_key_fingerprint": "the server's key is pinned",
            },
        )
        self.config.write_text(
            "# Written by `semine-plugins demo`; the servers it names run while the demo does.\n"
            + text,
            encoding="utf-8",
        )

    def env(self) -> dict[str, str]:
        """The environment the other commands need to use the demo's workspace."""
        return {CONFIG_ENV: str(self.config), DATA_DIR_ENV: str(self.data_dir)}

    def runner(self) -> Runner:
        """A runner for the demo's configuration, keeping state in the workspace."""
        return Runner(get_plugin_host(), load_config(self.config), env={**os.environ, **self.env()})

    def run(self) -> DemoResult:
        """Run Test Connection, send and receive once; return what happened."""
        assert self.semine is not None  # noqa: S101 - only inside servers()
        runner = self.runner()
        connection = runner.test_connection(NAME)
        send = runner.send(NAME)
        receive = runner.receive(NAME)
        files = {
            "/" + p.relative_to(self.sftp_root).as_posix().removeprefix("."): sorted(
                c.name for c in p.iterdir() if c.is_file()
            )
            for p in [self.sftp_root, *sorted(d for d in self.sftp_root.rglob("*") if d.is_dir())]
        }
        invoices = [
            {
                "id": i.get("id"),
                "invoiceNumber": i.get("invoiceNumber"),
                "supplier": (i.get("supplier") or {}).get("name"),
                "status": i.get("invoiceStatus"),
                "message": i.get("message"),
            }
            for i in self.semine.admin.invoices()
        ]
        return DemoResult(
            workspace=self.workspace,
            config=self.config,
            data_dir=self.data_dir,
            connection=connection,
            send=send,
            receive=receive,
            files=files,
            invoices=invoices,
        )


# ---------------------------------------------------------------- output


def _heading(text: str) -> None:
    click.echo("\n" + click.style(text, bold=True))


def _outcome_rows(report: RunReport) -> list[dict[str, str]]:
    return [
        {
            "outcome": o.outcome.upper(),
            "name": o.name,
            "invoice": o.invoice_id or "",
            "path": o.path or "",
            "reason": o.reason if o.outcome is not Outcome.SENT else "",
        }
        for o in report.outcomes
    ]


def _show(result: DemoResult, demo: Demo) -> None:
    _heading("1. Test Connection (the form's button)")
    click.echo(
        text_table(
            [
                {"status": c.status.upper(), "title": c.title, "detail": c.detail}
                for c in result.connection.checks
            ],
            [("status", "RESULT"), ("title", "CHECK"), ("detail", "DETAIL")],
        )
    )
    _heading("2. send: posted invoices in SEMINE become <invoice id>.xml on the SFTP server")
    click.echo(
        text_table(
            _outcome_rows(result.send),
            [
                ("outcome", "OUTCOME"),
                ("invoice", "SEMINE ID"),
                ("path", "FILE"),
                ("reason", "REASON"),
            ],
        )
    )
    click.echo(result.send.summary())
    _heading("3. receive: XML files in /invoices become invoices in SEMINE")
    click.echo(
        text_table(
            _outcome_rows(result.receive),
            [
                ("outcome", "OUTCOME"),
                ("name", "FILE"),
                ("invoice", "SEMINE ID"),
                ("path", "NOW AT"),
                ("reason", "REASON"),
            ],
        )
    )
    click.echo(result.receive.summary())
    _heading("4. Where everything is now")
    for folder, names in result.files.items():
        click.echo(
            f"  sftp:{folder}/".replace("//", "/")
            + ("  " + ", ".join(names) if names else "  (empty)")
        )
    click.echo("")
    click.echo(
        text_table(
            [{k: str(v or "") for k, v in i.items()} for i in result.invoices],
            [
                ("id", "SEMINE ID"),
                ("invoiceNumber", "NUMBER"),
                ("supplier", "SUPPLIER"),
                ("status", "STATUS"),
                ("message", "MESSAGE"),
            ],
        )
    )
    _heading("Workspace")
    click.echo(f"  {demo.workspace}")
    click.echo(
        "    sftp/                  what the SFTP server serves (see invoices/processed, failed)"
    )
    click.echo("    semine-plugins.toml    the integration's configuration")
    click.echo("    data/                  the integration's state and run history")
    click.echo("  Look around:")
    click.echo(f"    ls -R {demo.sftp_root}")
    click.echo(f"    cat '{demo.sftp_root}/invoices/failed/{_INVALID_NAME}.error.txt'")
    verdict = (
        "everything went as designed" if result.as_expected else "something did NOT go as designed"
    )
    click.echo(f"\ndemo: {verdict}.")


@click.command("demo")
@click.option(
    "--workspace",
    type=click.Path(file_okay=False, path_type=Path),
    help="folder to work in (default: a new temporary folder, kept afterwards)",
)
@click.option(
    "--keep-running",
    is_flag=True,
    help="leave both servers up and print a configuration for the other commands; Ctrl-C stops",
)
@format_option()
def demo(workspace: Path | None, keep_running: bool, fmt: str) -> None:
    """The main job on embedded defaults: an in-process SFTP server and the SEMINE sandbox."""
    if workspace is not None and workspace.exists() and any(workspace.iterdir()):
        raise click.UsageError(
            f"the workspace {workspace} is not empty; name a new or empty folder "
            "(the demo never touches files it did not make)"
        )
    d = Demo(workspace)
    # With --keep-running, signals are caught before the servers start and released after
    # they stopped (the servers' context is left first).
    signals = _stop_signals() if keep_running else contextlib.nullcontext(lambda: None)
    with signals as wait_for_stop, d.servers():
        result = d.run()
        if fmt == "json":
            echo_json(result.to_dict())
        else:
            _show(result, d)
        if keep_running:
            _keep_running(d, wait_for_stop, quiet=fmt == "json")
    if not result.as_expected:
        raise SystemExit(1)


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def _stop_signals() -> Iterator[Callable[[], None]]:
    """Catch SIGINT/SIGTERM; yield a function that waits for one.

    The interpreter's own signal handler writes a byte to a wakeup pipe, from
    whichever thread the kernel delivered the signal to (the servers' threads
    included), and the main thread waits by reading that pipe: nothing takes a
    lock in a handler, so no signal can deadlock the demo, however many arrive.
    Installed before the servers start and released after they stopped, so a
    second Ctrl-C cannot cut their shutdown short.
    """
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)

    def wait() -> None:
        os.read(wake_r, 1)

    previous = {s: signal.signal(s, lambda signum, frame: None) for s in _STOP_SIGNALS}
    previous_fd = signal.set_wakeup_fd(wake_w)
    try:
        yield wait
    finally:
        signal.set_wakeup_fd(previous_fd)
        for s, h in previous.items():
            signal.signal(s, h)
        os.close(wake_r)
        os.close(wake_w)


def _keep_running(d: Demo, wait_for_stop: Callable[[], None], *, quiet: bool) -> None:
    if not quiet:
        _heading("The servers keep running. In another terminal:")
        exports = " ".join(f"{k}={v}" for k, v in d.env().items())
        click.echo(f"  export {exports}")
        click.echo("  semine-plugins integrations list")
        click.echo(f"  semine-plugins test-connection {NAME}")
        click.echo(
            f"  cp some-invoice.xml {d.sftp_root}/invoices/ && semine-plugins receive {NAME}"
        )
        click.echo(f"  semine-plugins run {NAME} --interval 10")
        click.echo(f"  semine-plugins history {NAME}")
        _heading(f"Configuration ({d.config}):")
        click.echo(d.config.read_text(encoding="utf-8"))
        click.echo("Press Ctrl-C to stop the servers.")
    else:
        click.echo(json.dumps({"ready": True, "env": d.env()}), err=True)
    wait_for_stop()
