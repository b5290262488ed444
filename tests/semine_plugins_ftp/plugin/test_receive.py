"""receive against a real SFTP server and the SEMINE sandbox: nothing lost, nothing twice."""

from __future__ import annotations

import os
import time

import pytest

from semine_plugins import Outcome, RunReport
from semine_plugins.sandbox import sample_document
from semine_plugins.semine import AuthenticationError

IMPORT = "/api/v1.0/organizations/"  # the import call's path prefix (not the token call)


def kinds(report: RunReport) -> list[tuple[str, str]]:
    return sorted((str(o.outcome), o.name) for o in report.outcomes)


def test_valid_files_are_imported_with_original_bytes_and_moved(world) -> None:
    """Each XML file becomes an invoice from its exact bytes, then moves to the Success folder."""
    one = sample_document("INV-1")
    two = sample_document("INV-2").replace(b"<cbc:Note>", b"<cbc:Note>  spaced ")
    world.put("a.xml", one)
    world.put("B.XML", two)
    report = world.receive()
    assert kinds(report) == [("imported", "B.XML"), ("imported", "a.xml")]
    assert world.files() == []
    assert world.files("invoices/processed") == ["B.XML", "a.xml"]
    by_name = {o.name: o for o in report.outcomes}
    assert world.admin.document(int(by_name["a.xml"].invoice_id)) == one
    assert world.admin.document(int(by_name["B.XML"].invoice_id)) == two
    assert report.ok


def test_without_success_folder_files_are_deleted(world) -> None:
    """No Success folder: an imported file is deleted."""
    world.configure(success_folder=None)
    world.put("a.xml", sample_document("INV-1"))
    report = world.receive()
    assert kinds(report) == [("imported", "a.xml")]
    assert world.files() == []


def test_other_files_are_left_alone(world) -> None:
    """Only *.xml directly in the folder: not dot-files, temporary names or other types."""
    for name in (".hidden.xml", "upload.xml.part", "readme.txt", "x.xml.filepart"):
        world.put(name, b"whatever")
    world.put("sub/deep.xml", sample_document("INV-9"))
    report = world.receive()
    assert report.outcomes == ()
    assert world.files() == sorted(
        [".hidden.xml", "readme.txt", "upload.xml.part", "x.xml.filepart"]
    )


def test_invalid_file_goes_to_failure_folder_with_a_reason(world) -> None:
    """An invalid file moves to the Failure folder with name.xml.error.txt beside it."""
    world.put("bad.xml", b"<Invoice>not UBL</Invoice>")
    report = world.receive()
    (o,) = report.outcomes
    assert o.outcome is Outcome.FAILED
    assert world.files("invoices/failed") == ["bad.xml", "bad.xml.error.txt"]
    note = world.sftp.path("invoices/failed/bad.xml.error.txt").read_text()
    assert "bad.xml could not be imported" in note
    assert o.reason.split(":")[0] in note
    assert world.posts() == []
    assert not report.ok


def test_without_failure_folder_a_failed_file_stays_and_is_reported_once(world) -> None:
    """No Failure folder: the file stays, is not re-reported, and is tried again once changed."""
    world.configure(failure_folder=None)
    path = world.put("bad.xml", b"<?xml version='1.0'?><Invoice/>")
    assert kinds(world.receive()) == [("failed", "bad.xml")]
    assert world.receive().outcomes == ()
    assert world.files() == ["bad.xml"]
    path.write_bytes(sample_document("INV-7"))
    assert kinds(world.receive()) == [("imported", "bad.xml")]


def test_hostile_xml_is_refused_with_a_clear_reason(world) -> None:
    """An XXE attempt is refused without reading the entity, and nothing is imported."""
    world.put(
        "xxe.xml",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<Invoice>&e;</Invoice>",
    )
    (o,) = world.receive().outcomes
    assert o.outcome is Outcome.FAILED
    assert "DTD" in o.reason or "entit" in o.reason.lower()
    assert "root:" not in o.reason
    assert world.posts() == []


def test_oversized_file_is_failed_without_downloading(world) -> None:
    """A file above max_file_size is failed with the sizes in the reason."""
    world.configure(max_file_size=1000)
    world.put("big.xml", sample_document("INV-1") + b" " * 2000)
    (o,) = world.receive().outcomes
    assert o.outcome is Outcome.FAILED
    assert "max_file_size" in o.reason


@pytest.mark.parametrize("replaces", [False, True], ids=["rename-refuses", "rename-replaces"])
def test_name_clash_in_success_folder_never_overwrites(world, replaces: bool) -> None:
    """A file whose name is taken in the Success folder gets a free name; nothing is lost,
    also on a server whose plain rename replaces files."""
    world.sftp.rename_replaces = replaces
    world.put("a.xml", b"older file", folder="invoices/processed")
    world.put("a.xml", sample_document("INV-1"))
    (o,) = world.receive().outcomes
    assert o.outcome is Outcome.IMPORTED
    kept = world.files("invoices/processed")
    assert len(kept) == 2
    assert world.sftp.path("invoices/processed/a.xml").read_bytes() == b"older file"
    assert world.receive().outcomes == ()


def test_same_document_again_is_a_duplicate_not_a_second_invoice(world) -> None:
    """Dropping the same bytes twice creates one invoice; the second is reported duplicate."""
    doc = sample_document("INV-1")
    world.put("a.xml", doc)
    first = world.receive()
    world.put("a-again.xml", doc)
    (o,) = world.receive().outcomes
    assert o.outcome is Outcome.DUPLICATE
    assert o.invoice_id == first.outcomes[0].invoice_id
    assert len(world.admin.received()) == 1


def test_root_folder_files_warn_once_each_unless_ignored(world) -> None:
    """XML in '/' while the main folder is elsewhere: one warning per file, or none if ignored."""
    world.put("lost.xml", sample_document("INV-1"), folder=".")
    report = world.receive()
    (o,) = report.outcomes
    assert o.outcome is Outcome.WARNING
    assert "lost.xml" in o.name
    assert "/invoices" in o.reason
    assert world.files(".") == ["lost.xml"]
    world.configure(ignore_root_folder_files=True)
    assert world.receive().outcomes == ()


def test_missing_success_and_failure_folders_are_created(world) -> None:
    """Success and Failure folders that do not exist yet are created."""
    world.configure(success_folder="/invoices/done/ok", failure_folder="/invoices/done/bad")
    world.put("a.xml", sample_document("INV-1"))
    world.receive()
    assert world.files("invoices/done/ok") == ["a.xml"]
    assert world.sftp.path("invoices/done/bad").is_dir()


def test_transient_semine_errors_leave_the_file_then_give_up(world) -> None:
    """SEMINE 503: the file stays and is retried; after max_attempts it is failed."""
    world.configure(max_attempts=2)
    world.put("a.xml", sample_document("INV-1"))
    world.admin.add_fault(method="POST", path=IMPORT, status=503, retry_after=0, count=100)
    (o,) = world.receive().outcomes
    assert o.outcome is Outcome.RETRY
    assert "attempt 1 of 2" in o.reason
    assert world.files() == ["a.xml"]
    (o,) = world.receive().outcomes
    assert o.outcome is Outcome.FAILED
    assert "gave up after 2 attempts" in o.reason
    assert world.files("invoices/failed") == ["a.xml", "a.xml.error.txt"]


def test_dropped_connection_during_import_makes_one_invoice(world) -> None:
    """SEMINE stores the import but the answer is lost: the retry makes no second invoice."""
    world.put("a.xml", sample_document("INV-1"))
    world.admin.add_fault(method="POST", path=IMPORT, drop=True, when="after", count=1)
    (o,) = world.receive().outcomes
    assert o.outcome is Outcome.IMPORTED
    assert len(world.admin.received()) == 1
    keys = {c["idempotencyKey"] for c in world.posts()}
    assert len(keys) == 1


def test_failed_move_is_finished_next_run_without_a_second_import(world) -> None:
    """Imported but the move failed: the next run only moves it; SEMINE sees one import."""
    assert world.receive().outcomes == ()  # the first run probes the server's renames
    world.put("a.xml", sample_document("INV-1"))
    world.sftp.inject("rename", "failure", count=1)
    (o,) = world.receive().outcomes
    assert o.outcome is Outcome.WARNING
    assert "moves it without importing it again" in o.reason
    assert world.files() == ["a.xml"]
    (o,) = world.receive().outcomes
    assert o.outcome is Outcome.IMPORTED
    assert world.files("invoices/processed") == ["a.xml"]
    assert len(world.posts()) == 1


def test_wrong_semine_password_stops_before_touching_files(world) -> None:
    """Bad SEMINE credentials fail the run with a clear error; files stay."""
    world.semine["semine_password"] = "wrong"
    world.put("a.xml", sample_document("INV-1"))
    with pytest.raises(AuthenticationError, match=r"integration@acme\.no"):
        world.receive()
    assert world.files() == ["a.xml"]


def test_receive_removes_only_our_own_long_abandoned_temporary_files(world) -> None:
    """An upload whose connection dropped leaves a temporary file; it goes after an hour."""
    two_hours_ago = time.time() - 7200
    old_ours = world.put(".17.xml.0123456789ab.part", b"<half")
    old_probe = world.put(".semine-probe.a1b2c3d4e5f6", b"probe")
    fresh_ours = world.put(".18.xml.ba9876543210.part", b"<half")
    foreign = world.put(".someone-elses.part", b"theirs")
    for path in (old_ours, old_probe, foreign):
        os.utime(path, (two_hours_ago, two_hours_ago))
    report = world.receive()
    assert report.ok
    assert not old_ours.exists()
    assert not old_probe.exists()
    assert fresh_ours.exists()  # may be an upload in progress right now
    assert foreign.read_bytes() == b"theirs"  # not ours: never touched


def test_the_servers_renames_are_probed_once_a_day(world) -> None:
    """Whether a move must ask first is found out on the first run (two temporary files in
    the Success folder, gone again) and trusted for a day."""
    assert world.receive().outcomes == ()
    probes = world.sftp.operations.count("rename")
    assert probes == 1
    assert world.files("invoices/processed") == []
    assert world.receive().outcomes == ()
    assert world.sftp.operations.count("rename") == probes  # not probed again
    world.state("UPDATE facts SET checked = checked - 2 * 86400")
    assert world.receive().outcomes == ()
    assert world.sftp.operations.count("rename") == probes + 1
