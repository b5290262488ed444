"""Local Folder Plugin: exchange UBL invoice files between SEMINE and local folders."""

# --8<-- [start:imports]
from __future__ import annotations

import hashlib
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import attrs

from semine_plugins import (
    Check,
    CheckStatus,
    ConnectionReport,
    FieldError,
    FileOutcome,
    IntegrationContext,
    Outcome,
    PluginInfo,
    RunReport,
    SemineError,
    SettingsError,
    TransferError,
    hookimpl,
    setting,
)
from semine_plugins.semine import RejectedError, TooLargeError, TransientError, to_ubl
from semine_plugins.ubl import validate

# --8<-- [end:imports]


# --8<-- [start:settings]
@attrs.frozen(kw_only=True)
class LocalFolderSettings:
    """The form an integration fills in: two folders, and two more with defaults."""

    inbox: str = setting(
        label="Inbox", required=True, description="Folder to read invoice files from"
    )
    outbox: str = setting(
        label="Outbox", required=True, description="Folder to write posted invoices to"
    )
    done_folder: str | None = setting(
        label="Done folder",
        description="Imported files are moved here (default: the inbox's done folder)",
        advanced=True,
    )
    failed_folder: str | None = setting(
        label="Failed folder",
        description="Files that cannot be imported go here (default: the inbox's failed folder)",
        advanced=True,
    )


@hookimpl
def plugin_info() -> PluginInfo:
    """Describe the plugin: its title and its settings."""
    return PluginInfo(
        title="Local Folder Plugin",
        settings=LocalFolderSettings,
        description="Exchanges UBL invoice files between SEMINE and folders on this machine.",
    )


# --8<-- [end:settings]


# --8<-- [start:configure]
@hookimpl
def configure(settings: LocalFolderSettings, integration: str) -> LocalFolderSettings:
    """Refuse folders that would loop; fill in the default folders; make paths absolute."""
    inbox = Path(settings.inbox).expanduser().resolve()
    outbox = Path(settings.outbox).expanduser().resolve()
    done = Path(settings.done_folder or inbox / "done").expanduser().resolve()
    failed = Path(settings.failed_folder or inbox / "failed").expanduser().resolve()
    errors = []
    if outbox == inbox:
        errors.append(
            FieldError(
                "outbox", "Outbox must differ from Inbox, or sent files would be imported back"
            )
        )
    for key, folder in (("done_folder", done), ("failed_folder", failed)):
        if folder == inbox:
            errors.append(FieldError(key, f"{key} must not be the Inbox itself"))
    if errors:
        raise SettingsError(f"invalid settings for integration {integration!r}", errors)
    return attrs.evolve(
        settings,
        inbox=str(inbox),
        outbox=str(outbox),
        done_folder=str(done),
        failed_folder=str(failed),
    )


# --8<-- [end:configure]


# --8<-- [start:test_connection]
def _folder_check(name: str, label: str, folder: Path) -> Check:
    start = time.monotonic()
    title = f"{label} {folder}"
    if not folder.is_dir():
        detail, hint = "the folder does not exist", f"create it, or change {label}"
    elif not os.access(folder, os.R_OK | os.W_OK | os.X_OK):
        detail, hint = "no permission to read and write in it", "fix the folder's permissions"
    else:
        return Check(
            name=name,
            title=title,
            status=CheckStatus.PASSED,
            elapsed=time.monotonic() - start,
            detail="readable and writable",
        )
    return Check(
        name=name,
        title=title,
        status=CheckStatus.FAILED,
        elapsed=time.monotonic() - start,
        detail=detail,
        hint=hint,
    )


def _semine_check(ctx: IntegrationContext) -> Check:
    start = time.monotonic()
    try:
        client = ctx.semine.resolve_client()
    except SemineError as exc:
        return Check(
            name="semine",
            title="SEMINE login",
            status=CheckStatus.FAILED,
            elapsed=time.monotonic() - start,
            detail=str(exc),
            hint="check semine_url, semine_email and semine_password",
        )
    return Check(
        name="semine",
        title="SEMINE login",
        status=CheckStatus.PASSED,
        elapsed=time.monotonic() - start,
        detail=f"working for {client.name}",
    )


@hookimpl
def test_connection(ctx: IntegrationContext) -> ConnectionReport:
    """Check both folders, then the SEMINE login; never raise for a missing folder."""
    s = ctx.settings
    return ConnectionReport(
        checks=[
            _folder_check("inbox", "Inbox", Path(s.inbox)),
            _folder_check("outbox", "Outbox", Path(s.outbox)),
            _semine_check(ctx),
        ]
    )


# --8<-- [end:test_connection]


# --8<-- [start:receive]
def _move(path: Path, folder: Path) -> Path:
    """Move ``path`` into ``folder`` under a free name: nothing is overwritten."""
    folder.mkdir(parents=True, exist_ok=True)
    target, n = folder / path.name, 0
    while target.exists():
        n += 1
        target = folder / f"{path.stem} ({n}){path.suffix}"
    path.rename(target)
    return target


def _import_file(ctx: IntegrationContext, path: Path) -> FileOutcome:
    data = path.read_bytes()
    report = validate(data)
    if not report.valid:
        reason = "; ".join(issue.message for issue in report.errors[:3])
        moved = _move(path, Path(ctx.settings.failed_folder))
        return FileOutcome(outcome=Outcome.FAILED, name=path.name, reason=reason, path=str(moved))
    key = "localfolder-" + hashlib.sha256(data).hexdigest()
    try:
        result = ctx.semine.import_document(data, idempotency_key=key)
    except (RejectedError, TooLargeError) as exc:
        moved = _move(path, Path(ctx.settings.failed_folder))
        return FileOutcome(outcome=Outcome.FAILED, name=path.name, reason=str(exc), path=str(moved))
    except TransientError as exc:
        return FileOutcome(outcome=Outcome.RETRY, name=path.name, reason=str(exc), path=str(path))
    moved = _move(path, Path(ctx.settings.done_folder))
    kind = Outcome.IMPORTED if result.created else Outcome.DUPLICATE
    return FileOutcome(outcome=kind, name=path.name, invoice_id=str(result.id), path=str(moved))


@hookimpl
def receive(ctx: IntegrationContext) -> RunReport:
    """Import every XML file in the inbox once, then move it out of the inbox."""
    started = datetime.now(UTC)
    inbox = Path(ctx.settings.inbox)
    if not inbox.is_dir():
        raise TransferError(f"the inbox {inbox} does not exist; create it, or change Inbox")
    outcomes = []
    files = sorted(p for p in inbox.iterdir() if p.is_file() and p.suffix.lower() == ".xml")
    for path in files:
        if ctx.stop.is_set():
            break
        outcome = _import_file(ctx, path)
        ctx.events.outcome(outcome)
        outcomes.append(outcome)
    return RunReport.build(
        integration=ctx.integration, action="receive", outcomes=outcomes, started=started
    )


# --8<-- [end:receive]


# --8<-- [start:send]
def _export_invoice(ctx: IntegrationContext, invoice_id: str) -> FileOutcome:
    name = f"{invoice_id}.xml"
    try:
        data = to_ubl(ctx.semine.get_invoice(invoice_id)).to_xml()
    except TransientError as exc:
        return FileOutcome(outcome=Outcome.RETRY, name=name, invoice_id=invoice_id, reason=str(exc))
    target = Path(ctx.settings.outbox) / name
    temporary = target.with_name(f".{name}.part")
    temporary.write_bytes(data)
    try:
        os.link(temporary, target)  # fails if the name is taken: never overwrites
    except FileExistsError:
        reason = f"{target} already exists; it was not overwritten"
        ctx.semine.set_status(invoice_id, "PostingError", message=reason)
        return FileOutcome(outcome=Outcome.FAILED, name=name, invoice_id=invoice_id, reason=reason)
    finally:
        temporary.unlink()
    ctx.semine.set_status(invoice_id, "Posted")
    return FileOutcome(outcome=Outcome.SENT, name=name, invoice_id=invoice_id, path=str(target))


@hookimpl
def send(ctx: IntegrationContext) -> RunReport:
    """Write every posted invoice to the outbox as <invoice id>.xml, then mark it Posted."""
    started = datetime.now(UTC)
    outbox = Path(ctx.settings.outbox)
    if not outbox.is_dir():
        raise TransferError(f"the outbox {outbox} does not exist; create it, or change Outbox")
    outcomes = []
    for summary in ctx.semine.iter_invoices("Posting"):
        if ctx.stop.is_set():
            break
        outcome = _export_invoice(ctx, str(summary.id))
        ctx.events.outcome(outcome)
        outcomes.append(outcome)
    return RunReport.build(
        integration=ctx.integration, action="send", outcomes=outcomes, started=started
    )


# --8<-- [end:send]
