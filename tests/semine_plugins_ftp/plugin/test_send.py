"""send against a real SFTP server and the SEMINE sandbox."""

from __future__ import annotations

from semine_plugins import Outcome
from semine_plugins.ubl import parse, validate
from semine_plugins_ftp._receive import receive


def test_posting_invoices_become_valid_files_and_are_confirmed(world) -> None:
    """Each Posting invoice is uploaded as <id>.xml (valid UBL) and marked Posted."""
    ids = [world.seed(invoiceNumber=f"INV-{n}") for n in range(3)]
    report = world.send()
    assert sorted(o.outcome for o in report.outcomes) == [Outcome.SENT] * 3
    assert world.files() == sorted(f"{i}.xml" for i in ids)
    for i in ids:
        data = world.sftp.path(f"invoices/{i}.xml").read_bytes()
        assert validate(data).valid
        assert parse(data).id.startswith("INV-")
        assert world.admin.invoice(i)["invoiceStatus"] == "Posted"
    assert world.send().outcomes == ()  # nothing left to post


def test_sent_files_are_never_imported_back(world) -> None:
    """Both directions share the main folder: our own uploads are not imported."""
    world.seed(invoiceNumber="INV-1")
    world.send()
    assert world.receive().outcomes == ()
    assert world.posts() == []


def test_existing_file_with_other_content_is_not_overwritten(world) -> None:
    """<id>.xml already there with other bytes: PostingError, file untouched."""
    invoice = world.seed(invoiceNumber="INV-1")
    world.put(f"{invoice}.xml", b"someone else's file")
    (o,) = world.send().outcomes
    assert o.outcome is Outcome.FAILED
    assert "not overwritten" in o.reason
    assert world.sftp.path(f"invoices/{invoice}.xml").read_bytes() == b"someone else's file"
    assert world.admin.invoice(invoice)["invoiceStatus"] == "PostingError"


def test_upload_failure_marks_posting_error_and_leaves_no_partial_file(world) -> None:
    """A full disk: PostingError with the reason, and no temporary or partial file left."""
    invoice = world.seed(invoiceNumber="INV-1")
    world.sftp.fail_writes(10)
    (o,) = world.send().outcomes
    assert o.outcome is Outcome.FAILED
    assert "upload failed" in o.reason
    assert [p.name for p in world.sftp.path("invoices").iterdir()] == []
    assert world.admin.invoice(invoice)["invoiceStatus"] == "PostingError"


def test_lost_confirmation_is_finished_next_run_without_a_second_upload(world) -> None:
    """Uploaded but SEMINE could not be told: the next run confirms the same file."""
    invoice = world.seed(invoiceNumber="INV-1")
    world.admin.add_fault(method="PUT", path="/api", status=503, retry_after=0, count=5)
    (o,) = world.send().outcomes
    assert o.outcome is Outcome.RETRY
    assert "confirms it without uploading again" in o.reason
    before = world.sftp.path(f"invoices/{invoice}.xml").read_bytes()
    (o,) = world.send().outcomes
    assert o.outcome is Outcome.SENT
    assert world.sftp.path(f"invoices/{invoice}.xml").read_bytes() == before
    assert world.admin.invoice(invoice)["invoiceStatus"] == "Posted"


AGE_UPLOADS = "UPDATE uploads SET created = created - 2 * 86400"


def _uploads(world) -> list[str]:
    return sorted(name for (name,) in world.state("SELECT name FROM uploads"))


def test_uploads_taken_from_the_main_folder_are_forgotten_after_a_day(world) -> None:
    """The memory of our own uploads does not grow for ever: once a file is gone from the
    main folder and a day old, its row goes; one still there stays, and is not imported."""
    taken, left = (world.seed(invoiceNumber=f"INV-{n}") for n in (1, 2))
    world.send()
    world.sftp.path(f"invoices/{taken}.xml").unlink()  # the other side took it
    assert world.receive().outcomes == ()
    assert _uploads(world) == sorted([f"{left}.xml", f"{taken}.xml"])  # too recent to forget
    world.state(AGE_UPLOADS)
    assert world.receive().outcomes == ()
    assert _uploads(world) == [f"{left}.xml"]
    assert world.receive().outcomes == ()  # the one still there is still ours
    assert world.posts() == []


def test_a_listing_cut_short_forgets_no_upload(world) -> None:
    """Only a complete listing proves an upload gone: a run stopped while listing keeps them."""
    taken = world.seed(invoiceNumber="INV-1")
    world.send()
    world.sftp.path(f"invoices/{taken}.xml").unlink()
    world.put("other.xml", b"<not-yet/>")  # something to list before the stop is noticed
    world.state(AGE_UPLOADS)
    ctx = world.context()
    try:
        ctx.stop.set()  # the user pressed Ctrl-C
        receive(ctx)
    finally:
        ctx.close()
    assert _uploads(world) == [f"{taken}.xml"]
