"""The Ftp plugin's receive and Test Connection against a real OpenSSH sshd."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from plugin_world import IMPORT, Sshd, SshWorld, host_key

from conftest import CHROOT_USER, USER, OpenSSH, _free_port
from semine_plugins import CheckStatus, ConnectionReport, Outcome, RunReport
from semine_plugins.sandbox import SandboxServer, sample_document

pytestmark = pytest.mark.interop

SFTP_CHECKS = ("auth", "folder", "write", "success_folder", "failure_folder")


@pytest.fixture
def world(tmp_path: Path, openssh: OpenSSH) -> Iterator[SshWorld]:
    """The normal user, a folder under its home."""
    with SandboxServer() as sandbox:
        w = SshWorld(tmp_path, openssh, sandbox, user=USER, chrooted=False)
        try:
            yield w
        finally:
            w.close()


@pytest.fixture
def jailed(tmp_path: Path, openssh: OpenSSH) -> Iterator[SshWorld]:
    """The chrooted user, a folder under /upload inside the jail."""
    with SandboxServer() as sandbox:
        w = SshWorld(tmp_path, openssh, sandbox, user=CHROOT_USER, chrooted=True)
        try:
            yield w
        finally:
            w.close()


def kinds(report: RunReport) -> list[tuple[str, str]]:
    return sorted((str(o.outcome), o.name) for o in report.outcomes)


def statuses(report: ConnectionReport) -> dict[str, CheckStatus]:
    return {c.name: c.status for c in report.checks}


def check(report: ConnectionReport, name: str) -> str:
    (found,) = (c for c in report.checks if c.name == name)
    return found.detail


# ---------------------------------------------------------------- receive


def test_valid_files_are_imported_with_original_bytes_and_moved(world: SshWorld) -> None:
    """Each XML file becomes an invoice from its exact bytes, then moves to the Success folder."""
    one = sample_document("INV-1")
    two = sample_document("INV-2").replace(b"<cbc:Note>", b"<cbc:Note>  spaced ")
    world.put("a.xml", one)
    world.put("B.XML", two)
    report = world.receive()
    assert kinds(report) == [("imported", "B.XML"), ("imported", "a.xml")]
    assert report.ok
    assert world.files() == []
    assert world.files(world.success) == ["B.XML", "a.xml"]
    by_name = {o.name: o for o in report.outcomes}
    assert world.admin.document(int(by_name["a.xml"].invoice_id)) == one
    assert world.admin.document(int(by_name["B.XML"].invoice_id)) == two
    assert (world.local(world.success) / "a.xml").read_bytes() == one
    assert world.receive().outcomes == ()


def test_invalid_file_goes_to_failure_folder_with_a_reason(world: SshWorld) -> None:
    """An invalid file moves to the Failure folder with name.xml.error.txt beside it."""
    world.put("bad.xml", b"<Invoice>not UBL</Invoice>")
    report = world.receive()
    (o,) = report.outcomes
    assert o.outcome is Outcome.FAILED
    assert not report.ok
    assert world.files() == []
    assert world.files(world.failure) == ["bad.xml", "bad.xml.error.txt"]
    note = (world.local(world.failure) / "bad.xml.error.txt").read_text()
    assert "bad.xml could not be imported" in note
    assert o.reason.split(":")[0] in note
    assert world.posts() == []
    assert world.receive().outcomes == ()


def test_without_failure_folder_a_failed_file_stays_and_is_not_reported_again(
    world: SshWorld,
) -> None:
    """No Failure folder: the file stays, is reported once, and is tried again once changed."""
    world.configure(failure_folder=None)
    path = world.put("bad.xml", b"<?xml version='1.0'?><Invoice/>")
    assert kinds(world.receive()) == [("failed", "bad.xml")]
    assert world.receive().outcomes == ()
    assert world.files() == ["bad.xml"]
    path.write_bytes(sample_document("INV-7"))
    assert kinds(world.receive()) == [("imported", "bad.xml")]
    assert world.files() == []


def test_name_clash_in_success_folder_gets_a_free_name(world: SshWorld) -> None:
    """A name already taken in the Success folder: the file gets a free name; nothing is lost."""
    doc = sample_document("INV-1")
    world.put("a.xml", b"older file", folder=world.success)
    world.put("a.xml", doc)
    (o,) = world.receive().outcomes
    assert o.outcome is Outcome.IMPORTED
    assert world.files() == []
    kept = world.files(world.success)
    assert len(kept) == 2
    assert "a.xml" in kept
    success = world.local(world.success)
    assert (success / "a.xml").read_bytes() == b"older file"
    (other,) = (name for name in kept if name != "a.xml")
    assert (success / other).read_bytes() == doc
    assert o.path == f"{world.success}/{other}"
    assert world.receive().outcomes == ()


def test_root_folder_files_warn_for_the_chrooted_user_unless_ignored(jailed: SshWorld) -> None:
    """For the jailed user '/' is the chroot: XML there is warned about, or not if ignored."""
    lost = jailed.server.chroot / "lost.xml"
    lost.write_bytes(sample_document("INV-1"))
    try:
        report = jailed.receive()
        (o,) = report.outcomes
        assert o.outcome is Outcome.WARNING
        assert o.name == "lost.xml"
        assert jailed.folder in o.reason
        assert lost.exists()
        assert jailed.admin.received() == []
        jailed.configure(ignore_root_folder_files=True)
        assert jailed.receive().outcomes == ()
        assert lost.exists()
    finally:
        lost.unlink()


# ---------------------------------------------------------------- the chrooted user


def test_chrooted_user_receives_with_paths_inside_the_jail(jailed: SshWorld) -> None:
    """Receive works with /upload/... paths; files land in the jail's folders."""
    doc = sample_document("INV-3")
    jailed.put("c.xml", doc)
    jailed.put("bad.xml", b"<Invoice/>")
    report = jailed.receive()
    assert kinds(report) == [("failed", "bad.xml"), ("imported", "c.xml")]
    assert jailed.files() == []
    assert jailed.files(jailed.success) == ["c.xml"]
    assert jailed.files(jailed.failure) == ["bad.xml", "bad.xml.error.txt"]
    (imported,) = (o for o in report.outcomes if o.outcome is Outcome.IMPORTED)
    assert imported.path == f"{jailed.success}/c.xml"
    assert jailed.admin.document(int(imported.invoice_id)) == doc


def test_chrooted_user_connection_checks_pass_inside_the_jail(jailed: SshWorld) -> None:
    """Every check passes in /upload/...; in the read-only '/' the write probe fails."""
    jailed.configure(success_folder=f"{jailed.folder}/new-ok", failure_folder=None)
    report = jailed.check()
    assert report.ok, report.to_dict()
    got = statuses(report)
    assert got["write"] is CheckStatus.PASSED
    assert got["success_folder"] is CheckStatus.PASSED
    assert "has been created" in check(report, "success_folder")
    assert got["failure_folder"] is CheckStatus.WARNING
    assert (jailed.local(jailed.folder) / "new-ok").is_dir()
    assert jailed.files() == []  # the probe cleaned up after itself

    jailed.configure(folder="/", success_folder=None)
    report = jailed.check()
    got = statuses(report)
    assert got["folder"] is CheckStatus.PASSED
    assert got["write"] is CheckStatus.FAILED
    assert CHROOT_USER in check(report, "write")
    assert sorted(p.name for p in jailed.server.chroot.iterdir()) == ["upload"]


# ---------------------------------------------------------------- test_connection


def test_all_checks_pass_and_the_host_key_is_recorded_on_first_use(world: SshWorld) -> None:
    """First run: the new host key is a warning naming the fingerprint; second run: passed."""
    first = world.check()
    assert first.ok, first.to_dict()
    got = statuses(first)
    assert got["ssh"] is CheckStatus.WARNING
    assert world.server.host_key_fingerprint in check(first, "ssh")
    assert "first connection" in check(first, "ssh")
    assert {n: s for n, s in got.items() if n != "ssh"} == dict.fromkeys(
        ("dns", "tcp", *SFTP_CHECKS, "semine_auth", "semine_client"), CheckStatus.PASSED
    )
    second = world.check()
    assert set(statuses(second).values()) == {CheckStatus.PASSED}
    assert world.server.host_key_fingerprint in check(second, "ssh")
    assert world.files() == []
    assert world.admin.invoices() == []


def test_changed_host_key_fails_the_ssh_check_with_both_fingerprints(
    world: SshWorld, tmp_path: Path
) -> None:
    """The server's key changes between runs: the ssh check fails, later SFTP checks skip."""
    port = _free_port()
    old_key, old = host_key(tmp_path, "old_host_key")
    new_key, new = host_key(tmp_path, "new_host_key")
    world.configure(port=port)
    with Sshd(world.server, port, old_key, tmp_path):
        first = world.check()
    assert first.ok, first.to_dict()
    assert old in check(first, "ssh")
    with Sshd(world.server, port, new_key, tmp_path):
        report = world.check()  # must not raise
    assert not report.ok
    got = statuses(report)
    assert got["ssh"] is CheckStatus.FAILED
    detail = check(report, "ssh")
    assert old in detail
    assert new in detail
    assert all(got[name] is CheckStatus.SKIPPED for name in SFTP_CHECKS)
    assert got["semine_auth"] is CheckStatus.PASSED
    assert got["semine_client"] is CheckStatus.PASSED


def test_wrong_password_fails_the_login_check(world: SshWorld) -> None:
    """OpenSSH refuses the password: the auth check fails naming the user; nothing raises."""
    world.configure(password="not-the-password")
    report = world.check()
    assert not report.ok
    got = statuses(report)
    assert got["tcp"] is CheckStatus.PASSED
    assert got["auth"] is CheckStatus.FAILED
    assert USER in check(report, "auth")
    assert all(got[name] is CheckStatus.SKIPPED for name in SFTP_CHECKS[1:])
    assert got["semine_auth"] is CheckStatus.PASSED


# ---------------------------------------------------------------- crash recovery


def test_killed_between_import_and_move_is_finished_without_a_second_invoice(
    world: SshWorld, tmp_path: Path
) -> None:
    """SIGKILL after SEMINE stored the invoice, before the move: the next run only moves it.

    SEMINE stores the import, then answers 503 with Retry-After: 30, so the
    process is waiting to retry (the invoice exists, the file has not moved)
    when it is killed.
    """
    doc = sample_document("INV-42")
    world.put("a.xml", doc)
    config = world.write_config()
    world.admin.add_fault(
        method="POST", path=IMPORT, status=503, retry_after=30, when="after", count=1
    )
    env = {**os.environ, "SEMINE_PLUGINS_DATA_DIR": os.environ["SEMINE_PLUGINS_DATA_DIR"]}
    log = tmp_path / "receive.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "semine_plugins", "--config", str(config), "receive", "acme"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        deadline = time.monotonic() + 60
        while not world.admin.received():
            try:
                process.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                pass
            else:
                pytest.fail(f"receive exited ({process.returncode}) early:\n{log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"SEMINE never received the invoice:\n{log.read_text()}")
        assert process.poll() is None, log.read_text()
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    assert world.files() == ["a.xml"]  # killed before the move
    assert len(world.admin.received()) == 1

    report = world.receive()
    (o,) = report.outcomes
    assert o.outcome is Outcome.IMPORTED  # resumed: the invoice this file made
    (invoice,) = world.admin.received()
    assert str(invoice["id"]) == o.invoice_id
    assert world.admin.document(int(o.invoice_id)) == doc
    assert world.files() == []
    assert world.files(world.success) == ["a.xml"]
    assert len({c["idempotencyKey"] for c in world.posts()}) == 1
    assert world.receive().outcomes == ()
