"""The Folder Plugin's settings, and the rules ``configure`` adds to them."""

from __future__ import annotations

from pathlib import Path

import attrs

from semine_plugins import FieldError, SettingsError, setting

__all__ = ["FolderSettings", "check_settings"]


@attrs.frozen(kw_only=True)
class FolderSettings:
    """Settings of one Folder Plugin integration (keys as in the configuration file)."""

    inbox: Path = setting(
        label="Inbox folder",
        required=True,
        description="Invoice files (UBL XML) left here are imported into SEMINE",
        examples=("/mnt/invoices/in",),
    )
    outbox: Path = setting(
        label="Outbox folder",
        required=True,
        description="Invoices posted in SEMINE are written here as <invoice id>.xml",
        examples=("/mnt/invoices/out",),
    )
    done_folder: Path | None = setting(
        label="Done folder",
        description="Imported files are moved here (default: the inbox's 'done' subfolder)",
    )
    failed_folder: Path | None = setting(
        label="Failed folder",
        description=(
            "Files SEMINE refuses are moved here, with <name>.error.txt saying why "
            "(default: the inbox's 'failed' subfolder)"
        ),
    )
    pattern: str = setting(
        label="File pattern",
        default="*.xml",
        advanced=True,
        description="Which files in the inbox are invoices (a glob pattern, case-sensitive)",
    )
    stable_seconds: float = setting(
        label="Stable-file age",
        default=2.0,
        minimum=0,
        maximum=3600,
        advanced=True,
        description=(
            "A file is imported only once it has not changed for this many seconds "
            "(so files still being copied onto a share are left alone)"
        ),
    )
    max_file_size: int = setting(
        label="Maximum file size",
        default=20_000_000,
        minimum=1,
        advanced=True,
        description="Files larger than this many bytes are moved to the failed folder",
    )

    @property
    def done(self) -> Path:
        """The folder imported files go to."""
        return self.done_folder or self.inbox / "done"

    @property
    def failed(self) -> Path:
        """The folder refused files go to."""
        return self.failed_folder or self.inbox / "failed"


def _same(a: Path, b: Path) -> bool:
    return a.expanduser().absolute() == b.expanduser().absolute()


def check_settings(settings: FolderSettings, integration: str) -> FolderSettings:
    """Check the rules only this plugin knows; every problem at once.

    :raises SettingsError: relative paths, or folders that would mix inbound
        and outbound files.
    """
    errors: list[FieldError] = []

    def err(field: str, message: str) -> None:
        errors.append(FieldError(field=field, message=message, integration=integration))

    folders = {
        "inbox": settings.inbox,
        "outbox": settings.outbox,
        "done_folder": settings.done_folder,
        "failed_folder": settings.failed_folder,
    }
    for key, path in folders.items():
        if path is not None and not path.expanduser().is_absolute():
            err(key, f"{path} is a relative path; give the full path (e.g. /mnt/invoices/in)")
    if _same(settings.inbox, settings.outbox):
        err(
            "outbox",
            "the outbox may not be the inbox: exported invoices would be imported again; "
            "use another folder, e.g. a sibling 'out' folder",
        )
    for key, path in (("done_folder", settings.done), ("failed_folder", settings.failed)):
        if _same(path, settings.inbox) or _same(path, settings.outbox):
            err(key, f"{path} may not be the inbox or the outbox; use a subfolder of the inbox")
    if "/" in settings.pattern:
        err("pattern", "the pattern matches file names in the inbox; it may not contain '/'")
    if errors:
        raise SettingsError(f"invalid settings for integration {integration!r}", errors)
    return settings
