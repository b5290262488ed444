"""SandboxServer and the `sandbox` command: a real HTTP server on loopback."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from semine_plugins.sandbox import SandboxAdmin, SandboxServer, sample_detail, sample_document
from semine_plugins.sandbox._cli import sandbox
from semine_plugins.semine import RetryPolicy, SemineClient
from semine_plugins.settings import Secret


def test_url_only_while_running() -> None:
    """The URL exists between start and stop; stopping twice is harmless."""
    server = SandboxServer()
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.url
    with server:
        assert server.url.startswith("http://127.0.0.1:")
        assert httpx.get(server.url + "/openapi.json").status_code == 200
        assert "127.0.0.1" in repr(server)
    server.stop()
    assert repr(server) == "SandboxServer(not started)"


def test_port_taken() -> None:
    """A port already in use: start() fails with a RuntimeError instead of hanging."""
    with SandboxServer() as first:
        port = int(first.url.rsplit(":", 1)[1])
        with pytest.raises(RuntimeError, match="did not start"):
            SandboxServer(port=port).start()


def test_state_survives_a_restart(tmp_path: Path) -> None:
    """With a database file, users and invoices survive a restart."""
    db = str(tmp_path / "sandbox.sqlite")
    with SandboxServer(db=db) as server, SandboxAdmin(server.url) as admin:
        (client,) = admin.setup(organizations=[{"name": "O", "clients": [{"name": "C"}]}])
        invoice_id = admin.seed_invoice(client, {"invoiceNumber": "X"})
    with SandboxServer(db=db) as server, SandboxAdmin(server.url) as admin:
        assert admin.invoice(invoice_id)["invoiceNumber"] == "X"


def _start_cli(tmp_path: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "semine_plugins",
            "sandbox",
            "--port",
            "0",
            "--db",
            str(tmp_path / "s.sqlite"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(60, proc.kill)  # a bound, not a synchronisation
    watchdog.daemon = True
    watchdog.start()
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("SEMINE sandbox listening on http://127.0.0.1:"), line
    return proc, line.rsplit(" ", 1)[1].strip()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_cli_serves_and_stops_cleanly(tmp_path: Path, sig: signal.Signals) -> None:
    """The command prints its URL, serves the contract, and exits 0 on SIGINT/SIGTERM."""
    proc, url = _start_cli(tmp_path)
    try:
        answer = httpx.get(url + "/openapi.json")
        assert answer.json()["openapi"] == "3.1.0"
        assert httpx.get(url + "/api/v1.0/organizations").status_code == 401
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "SEMINE sandbox stopped" in out
    assert "Traceback" not in err


def test_cli_port_taken() -> None:
    """A port in use: a clear error and exit status 1."""
    with SandboxServer() as first:
        port = first.url.rsplit(":", 1)[1]
        result = CliRunner().invoke(sandbox, ["--port", port])
    assert result.exit_code == 1
    assert f"could not listen on 127.0.0.1:{port}" in result.output


def test_cli_help() -> None:
    """--help documents the host, port and database options."""
    result = CliRunner().invoke(sandbox, ["--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--db"):
        assert option in result.output


def test_client_against_the_cli_server(tmp_path: Path) -> None:
    """The server started from the command line serves the whole flow, faults included."""
    proc, url = _start_cli(tmp_path)
    try:
        with (
            SandboxAdmin(url) as admin,
            SemineClient(
                url,
                email="a@example.no",
                password=Secret("pw"),
                retry=RetryPolicy(sleep=lambda s: None),
            ) as client,
        ):
            (company,) = admin.setup(
                users=[{"email": "a@example.no", "password": "pw"}],
                organizations=[{"name": "O", "clients": [{"name": "C"}]}],
            )
            invoice_id = admin.seed_invoice(company, sample_detail())
            (summary,) = client.iter_invoices()
            assert client.get_invoice(summary.id).invoice_number == "INV-1001"
            client.set_status(invoice_id, "Posted", voucher_number="V1")
            admin.add_fault(method="POST", path="/api/v1.0/organizations", drop=True)
            result = client.import_document(sample_document("CLI-1"), idempotency_key="cli")
            assert (result.created, len(admin.received())) == (
                True,
                1,
            )  # created by this call; its first answer was dropped
            assert client.get_document(result.id) == sample_document("CLI-1")
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0
