"""The Ftp plugin's receive, send and Test Connection against a real OpenSSH sshd."""

from __future__ import annotations

import os
import pwd
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from plugin_world import IMPORT, Sshd, SshWorld, host_key

from conftest import CHROOT_USER, USER, OpenSSH, _free_port
from semine_plugins import CheckStatus, ConnectionReport, Outcome, RunReport
from semine_plugins.sandbox import SandboxServer, sample_document
from semine_plugins.semine import InvoiceSummary
from semine_plugins.ubl import parse, validate
from semine_plugins_ftp._send import _Sender
from semine_plugins_ftp._session import Session

pytestmark = pytest.mark.interop

SFTP_CHECKS = ("auth", "folder", "write", "success_folder", "failure_folder")


@pytest.fixture
def world(tmp_path: Path, openssh: OpenSSH) -> Iterator[SshWorld]:
    """The normal user, a folder under its home."""
    with (
        SandboxServer() as sandbox,
        closing(SshWorld(tmp_path, openssh, sandbox, user=USER, chrooted=False)) as w,
    ):
        yield w


@pytest.fixture
def jailed(tmp_path: Path, openssh: OpenSSH) -> Iterator[SshWorld]:
    """The chrooted user, a folder under /upload inside the jail."""
    with (
        SandboxServer() as sandbox,
        closing(SshWorld(tmp_path, openssh, sandbox, user=CHROOT_USER, chrooted=True)) as w,
    ):
        yield w


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


def test_without_success_folder_an_imported_file_is_deleted(world: SshWorld) -> None:
    """No Success folder: after SEMINE confirms, the file is deleted from the main folder."""
    world.configure(success_folder=None)
    doc = sample_document("INV-5")
    world.put("a.xml", doc)
    (o,) = world.receive().outcomes
    assert o.outcome is Outcome.IMPORTED
    assert world.admin.document(int(o.invoice_id)) == doc
    assert world.files() == []
    assert not (world.root / "processed").exists()
    assert world.receive().outcomes == ()


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


def test_pinned_rsa_key_passes_the_ssh_check_and_sends(world: SshWorld) -> None:
    """A pin of sshd's RSA key (not the ed25519 one negotiated first): checks pass, send works."""
    rsa, _ = world.server.host_keys["ssh-rsa"]
    world.configure(host_key_fingerprint=rsa, connections=3)
    report = world.check()
    assert set(statuses(report).values()) == {CheckStatus.PASSED}, report.to_dict()
    assert rsa in check(report, "ssh")
    assert "pinned" in check(report, "ssh")
    ids = [world.seed(invoiceNumber=f"INV-{n}") for n in range(4)]
    assert kinds(world.send()) == sorted(("sent", f"{i}.xml") for i in ids)


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


# ---------------------------------------------------------------- send


def sent(world: SshWorld, invoice: int) -> Path:
    """The server-side file send makes for ``invoice``."""
    return world.local(world.folder) / f"{invoice}.xml"


def test_posting_invoices_become_id_xml_files_and_are_posted(world: SshWorld) -> None:
    """Each Posting invoice is uploaded as <id>.xml (valid UBL, owned by the user), then Posted."""
    ids = [world.seed(invoiceNumber=f"INV-{n}") for n in range(3)]
    report = world.send()
    assert report.ok, report.to_dict()
    assert sorted((str(o.outcome), o.name) for o in report.outcomes) == sorted(
        ("sent", f"{i}.xml") for i in ids
    )
    assert world.files() == sorted(f"{i}.xml" for i in ids)  # no temporary file left
    for invoice in ids:
        path = sent(world, invoice)
        data = path.read_bytes()
        assert validate(data).valid
        assert parse(data).id == world.admin.invoice(invoice)["invoiceNumber"]
        assert path.owner() == USER
        assert world.admin.invoice(invoice)["invoiceStatus"] == "Posted"
    assert {o.path for o in report.outcomes} == {f"{world.folder}/{i}.xml" for i in ids}
    assert world.send().outcomes == ()  # nothing is Posting any more


def test_sent_files_are_not_imported_back_by_receive(world: SshWorld) -> None:
    """Both directions share the main folder: a following receive leaves the uploads alone."""
    invoice = world.seed(invoiceNumber="INV-1")
    world.put("incoming.xml", sample_document("INV-2"))
    assert kinds(world.send()) == [("sent", f"{invoice}.xml")]
    report = world.receive()
    assert kinds(report) == [("imported", "incoming.xml")]
    assert world.files() == [f"{invoice}.xml"]
    assert world.files(world.success) == ["incoming.xml"]
    assert len(world.posts()) == 1
    assert world.receive().outcomes == ()


def test_existing_file_with_the_same_bytes_is_confirmed_without_a_new_upload(
    world: SshWorld,
) -> None:
    """Uploaded, but SEMINE could not be told: the next run finds the same bytes and confirms."""
    invoice = world.seed(invoiceNumber="INV-1")
    world.admin.add_fault(method="PUT", path="/api", status=503, retry_after=0, count=10)
    (o,) = world.send().outcomes
    assert o.outcome is Outcome.RETRY
    assert world.admin.invoice(invoice)["invoiceStatus"] == "Posting"
    path = sent(world, invoice)
    before = path.stat()
    world.admin.reset()  # SEMINE answers again
    (o,) = world.send().outcomes
    assert o.outcome is Outcome.SENT
    assert world.admin.invoice(invoice)["invoiceStatus"] == "Posted"
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert world.files() == [f"{invoice}.xml"]


def test_existing_file_with_other_bytes_is_never_overwritten(world: SshWorld) -> None:
    """<id>.xml already there with other content: PostingError saying so; the file is untouched."""
    invoice = world.seed(invoiceNumber="INV-1")
    theirs = world.put(f"{invoice}.xml", b"<Invoice>someone else's</Invoice>")
    (o,) = world.send().outcomes
    assert o.outcome is Outcome.FAILED
    assert "not overwritten" in o.reason
    assert theirs.read_bytes() == b"<Invoice>someone else's</Invoice>"
    assert world.files() == [f"{invoice}.xml"]
    record = world.admin.invoice(invoice)
    assert record["invoiceStatus"] == "PostingError"
    assert "not overwritten" in record["message"]


def test_folder_the_user_cannot_write_fails_with_posting_error_and_leaves_nothing(
    world: SshWorld,
) -> None:
    """OpenSSH refuses the upload (read-only folder): PostingError naming the user, no file."""
    invoice = world.seed(invoiceNumber="INV-1")
    world.root.chmod(0o555)
    try:
        report = world.send()
    finally:
        world.root.chmod(0o755)
    (o,) = report.outcomes
    assert o.outcome is Outcome.FAILED
    assert "permission denied" in o.reason
    assert USER in o.reason
    assert sorted(p.name for p in world.root.iterdir()) == []
    record = world.admin.invoice(invoice)
    assert record["invoiceStatus"] == "PostingError"
    assert "upload failed" in record["message"]
    assert world.server.password not in record["message"]


def _fill(fd: int) -> None:
    while os.write(fd, b"\0" * 1024):
        pass


@pytest.fixture
def full_disk(world: SshWorld) -> Iterator[Path]:
    """A main folder on a small tmpfs filled to the last byte (unmounted afterwards)."""
    disk = world.root / "full"
    disk.mkdir()
    user = pwd.getpwnam(USER)
    uid, gid = user.pw_uid, user.pw_gid
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size=64k,mode=0755,uid={uid},gid={gid}", "tmpfs", disk],
        check=True,
    )
    try:
        filler = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            with pytest.raises(OSError, match="No space left"):
                _fill(filler)
        finally:
            os.close(filler)
        world.configure(folder=f"{world.folder}/full", success_folder=None, failure_folder=None)
        yield disk
    finally:
        subprocess.run(["umount", disk], check=True)


def test_full_disk_fails_the_upload_and_leaves_no_partial_file(
    world: SshWorld, full_disk: Path
) -> None:
    """The server fails to store the data: PostingError, and the temporary file is removed."""
    invoice = world.seed(invoiceNumber="INV-1")
    (o,) = world.send().outcomes
    assert o.outcome is Outcome.FAILED
    assert "upload failed" in o.reason
    assert "disk" in o.reason
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler"]
    assert world.admin.invoice(invoice)["invoiceStatus"] == "PostingError"


@pytest.mark.parametrize("unsafe", ["../x", "a/b", "..", "x\nrm", "/etc/passwd"])
def test_unsafe_invoice_id_never_becomes_a_path(world: SshWorld, unsafe: str) -> None:
    """An id that is not a plain file name is refused before any file is written."""
    ctx = world.runner().context("acme")
    try:
        with Session.open(ctx) as session, session.pool() as pool:
            o = _Sender(ctx, session, pool).export(InvoiceSummary(id=unsafe))  # type: ignore[arg-type]
    finally:
        ctx.close()
    assert o.outcome is Outcome.FAILED
    assert "cannot be used as a file name" in o.reason
    assert world.files() == []
    home = world.server.user_home
    assert sorted(p.name for p in world.root.iterdir()) == []
    assert not (home / "x.xml").exists()
    assert not (world.root / "a").exists()
    assert not list(home.glob("*.xml"))


def test_chrooted_user_sends_into_the_jail(jailed: SshWorld) -> None:
    """The jailed user uploads to /upload/...; the file lands inside the jail, and is Posted."""
    invoice = jailed.seed(invoiceNumber="INV-1")
    (o,) = jailed.send().outcomes
    assert o.outcome is Outcome.SENT
    assert o.path == f"{jailed.folder}/{invoice}.xml"
    path = sent(jailed, invoice)
    assert path.is_relative_to(jailed.server.chroot)
    assert validate(path.read_bytes()).valid
    assert path.owner() == CHROOT_USER
    assert jailed.files() == [f"{invoice}.xml"]
    assert jailed.admin.invoice(invoice)["invoiceStatus"] == "Posted"
    assert jailed.receive().outcomes == ()
    assert jailed.files() == [f"{invoice}.xml"]


def test_chrooted_user_cannot_send_into_the_read_only_root(jailed: SshWorld) -> None:
    """With '/' as the main folder the jailed user's upload is refused; nothing is left there."""
    invoice = jailed.seed(invoiceNumber="INV-1")
    jailed.configure(folder="/", success_folder=None, failure_folder=None)
    (o,) = jailed.send().outcomes
    assert o.outcome is Outcome.FAILED
    assert "permission denied" in o.reason
    assert sorted(p.name for p in jailed.server.chroot.iterdir()) == ["upload"]
    assert jailed.admin.invoice(invoice)["invoiceStatus"] == "PostingError"
