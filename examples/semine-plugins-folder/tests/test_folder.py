"""The Folder Plugin as a user sees it: files in, files out, nothing lost, nothing twice."""

from __future__ import annotations

import json
import os

from conftest import Folders
from semine_plugins import CheckStatus, Outcome, RunReport
from semine_plugins.testing import IntegrationWorld

IMPORTS = "/api/v1.0/organizations/"


def kinds(report: RunReport) -> list[tuple[str, str]]:
    return sorted((str(o.outcome), o.name) for o in report.outcomes)


# ---------------------------------------------------------------- receive


def test_files_are_imported_byte_for_byte_and_moved_to_done(
    world: IntegrationWorld, folders: Folders
) -> None:
    one, two = world.sandbox.document("F-1"), world.sandbox.document("F-2")
    folders.put("a.xml", one)
    folders.put("b.xml", two)
    report = world.receive()
    assert kinds(report) == [("imported", "a.xml"), ("imported", "b.xml")]
    by_name = {o.name: o for o in report.outcomes}
    assert world.sandbox.stored_document(by_name["a.xml"].invoice_id or "") == one
    assert folders.names(folders.inbox) == ["done"]
    assert folders.names(folders.inbox / "done") == ["a.xml", "b.xml"]
    assert world.receive().outcomes == ()


def test_the_ledger_in_the_state_folder_knows_every_import(
    world: IntegrationWorld, folders: Folders
) -> None:
    folders.put("a.xml", world.sandbox.document("F-3"))
    (o,) = world.receive().outcomes
    ledger = json.loads((world.data_dir / "integrations" / "acme" / "imported.json").read_text())
    assert list(ledger.values()) == [o.invoice_id]


def test_the_same_document_again_is_a_duplicate_not_a_second_invoice(
    world: IntegrationWorld, folders: Folders
) -> None:
    doc = world.sandbox.document("F-4")
    folders.put("a.xml", doc)
    (first,) = world.receive().outcomes
    folders.put("a.xml", doc)  # dropped again under the same name
    (again,) = world.receive().outcomes
    assert again.outcome is Outcome.DUPLICATE
    assert again.invoice_id == first.invoice_id
    assert len(world.sandbox.received()) == 1
    assert folders.names(folders.inbox / "done") == ["a-1.xml", "a.xml"]


def test_a_lost_answer_to_the_import_still_makes_one_invoice(
    world: IntegrationWorld, folders: Folders
) -> None:
    world.sandbox.admin.add_fault(method="POST", path=IMPORTS, drop=True, when="after")
    folders.put("a.xml", world.sandbox.document("F-5"))
    assert kinds(world.receive()) == [("imported", "a.xml")]
    assert len(world.sandbox.received()) == 1
    keys = {c["idempotencyKey"] for c in world.sandbox.imports()}
    assert len(keys) == 1  # the retry carried the same key


def test_a_refused_file_goes_to_failed_with_a_note_saying_why(
    world: IntegrationWorld, folders: Folders
) -> None:
    folders.put("bad.xml", b"<Invoice>not UBL</Invoice>")
    (o,) = world.receive().outcomes
    assert o.outcome is Outcome.FAILED
    assert "SEMINE refused the file" in o.reason
    failed = folders.inbox / "failed"
    assert folders.names(failed) == ["bad.xml", "bad.xml.error.txt"]
    assert "refused" in (failed / "bad.xml.error.txt").read_text()
    assert world.receive().outcomes == ()  # not tried again


def test_semine_unavailable_leaves_the_file_for_the_next_run(
    world: IntegrationWorld, folders: Folders
) -> None:
    world.sandbox.admin.add_fault(method="POST", path=IMPORTS, status=503, retry_after=0, count=50)
    folders.put("a.xml", world.sandbox.document("F-6"))
    (o,) = world.receive().outcomes
    assert o.outcome is Outcome.RETRY
    assert folders.names(folders.inbox) == ["a.xml"]
    world.sandbox.admin.reset()
    assert kinds(world.receive()) == [("imported", "a.xml")]


def test_files_still_being_written_hidden_or_temporary_are_left_alone(
    world: IntegrationWorld, folders: Folders
) -> None:
    world.configure(stable_seconds=3600)
    fresh = folders.put("fresh.xml", world.sandbox.document("F-7"))
    settled = folders.put("settled.xml", world.sandbox.document("F-8"))
    os.utime(settled, (1_000_000_000, 1_000_000_000))  # unchanged for years
    folders.put(".hidden.xml", b"x")
    folders.put("copying.xml.part", b"x")
    folders.put("notes.txt", b"x")
    assert kinds(world.receive()) == [("imported", "settled.xml")]
    assert fresh.exists()
    assert folders.names(folders.inbox) == [
        ".hidden.xml",
        "copying.xml.part",
        "done",
        "fresh.xml",
        "notes.txt",
    ]


def test_oversized_files_fail_without_reaching_semine(
    world: IntegrationWorld, folders: Folders
) -> None:
    world.configure(max_file_size=100)
    folders.put("big.xml", world.sandbox.document("F-9"))
    (o,) = world.receive().outcomes
    assert o.outcome is Outcome.FAILED
    assert "max_file_size" in o.reason
    assert world.sandbox.imports() == []


# ---------------------------------------------------------------- send


def test_posting_invoices_are_written_as_id_xml_and_posted(
    world: IntegrationWorld, folders: Folders
) -> None:
    ids = [world.sandbox.seed(invoiceNumber=f"S-{n}") for n in range(3)]
    report = world.send()
    assert kinds(report) == sorted(("sent", f"{i}.xml") for i in ids)
    assert folders.names(folders.outbox) == sorted(f"{i}.xml" for i in ids)  # no temporary left
    for i in ids:
        assert world.sandbox.status(i) == "Posted"
        assert b"<cbc:ID>S-" in (folders.outbox / f"{i}.xml").read_bytes()
    assert world.send().outcomes == ()


def test_a_file_with_other_content_is_never_overwritten(
    world: IntegrationWorld, folders: Folders
) -> None:
    invoice = world.sandbox.seed(invoiceNumber="S-9")
    theirs = folders.outbox / f"{invoice}.xml"
    theirs.write_bytes(b"someone else's file")
    (o,) = world.send().outcomes
    assert o.outcome is Outcome.FAILED
    assert "not overwritten" in o.reason
    assert theirs.read_bytes() == b"someone else's file"
    assert world.sandbox.status(invoice) == "PostingError"


def test_written_but_not_confirmed_is_confirmed_next_run_without_writing_again(
    world: IntegrationWorld, folders: Folders
) -> None:
    invoice = world.sandbox.seed(invoiceNumber="S-10")
    world.sandbox.admin.add_fault(method="PUT", path="/api", status=503, retry_after=0, count=10)
    (o,) = world.send().outcomes
    assert o.outcome is Outcome.RETRY
    written = (folders.outbox / f"{invoice}.xml").stat()
    world.sandbox.admin.reset()
    (o,) = world.send().outcomes
    assert o.outcome is Outcome.SENT
    assert world.sandbox.status(invoice) == "Posted"
    again = (folders.outbox / f"{invoice}.xml").stat()
    assert (again.st_ino, again.st_mtime_ns) == (written.st_ino, written.st_mtime_ns)


# ---------------------------------------------------------------- test connection and settings


def test_connection_checks_every_folder_and_semine(
    world: IntegrationWorld, folders: Folders
) -> None:
    report = world.check()
    assert [(c.name, c.status) for c in report.checks] == [
        ("inbox", CheckStatus.PASSED),
        ("done_folder", CheckStatus.PASSED),
        ("failed_folder", CheckStatus.PASSED),
        ("outbox", CheckStatus.PASSED),
        ("semine", CheckStatus.PASSED),
    ]
    assert folders.names(folders.inbox) == ["done", "failed"]  # created, no probe left


def test_a_missing_outbox_is_a_failed_check_saying_what_to_do(
    world: IntegrationWorld, folders: Folders
) -> None:
    folders.outbox.rmdir()
    report = world.check()
    (outbox,) = (c for c in report.checks if c.name == "outbox")
    assert outbox.status is CheckStatus.FAILED
    assert "mount the share" in outbox.hint
    assert not report.ok
