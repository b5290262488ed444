"""The Folder Plugin: exchange invoice files with a local or network-mounted folder.

Registered under the ``semine_plugins`` entry-point group as ``folder`` (see
``pyproject.toml``); it uses only the public API of ``semine_plugins``:

* ``receive``: UBL files left in the inbox are imported into SEMINE once each
  (idempotent by content hash), then moved to the done folder; refused files
  go to the failed folder with a note saying why;
* ``send``: invoices in status ``Posting`` are written atomically to the
  outbox as ``<invoice id>.xml``, then confirmed ``Posted``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from semine_plugins import PluginInfo, hookimpl
from semine_plugins_folder._settings import FolderSettings, check_settings

if TYPE_CHECKING:
    from semine_plugins import ConnectionReport, IntegrationContext, RunReport

__all__ = ["FolderSettings", "configure", "plugin_info", "receive", "send", "test_connection"]


@hookimpl
def plugin_info() -> PluginInfo:
    """Describe the Folder Plugin: its title and its settings."""
    return PluginInfo(
        title="Folder Plugin",
        settings=FolderSettings,
        description=(
            "Exchanges UBL invoice files with a local or network-mounted folder: imports "
            "files left in an inbox and writes posted invoices to an outbox."
        ),
    )


@hookimpl
def configure(settings: FolderSettings, integration: str) -> FolderSettings:
    """Refuse relative paths and folders that would mix inbound and outbound files."""
    return check_settings(settings, integration)


@hookimpl
def test_connection(ctx: IntegrationContext) -> ConnectionReport:
    """Check the folders and the SEMINE login (the "Test Connection" button)."""
    from semine_plugins_folder._check import test_connection as run  # noqa: PLC0415

    return run(ctx)


@hookimpl
def receive(ctx: IntegrationContext) -> RunReport:
    """Import the inbox's invoice files into SEMINE, then move them to the done folder."""
    from semine_plugins_folder._receive import receive as run  # noqa: PLC0415

    return run(ctx)


@hookimpl
def send(ctx: IntegrationContext) -> RunReport:
    """Write every Posting invoice to the outbox as ``<invoice id>.xml``, then mark it Posted."""
    from semine_plugins_folder._send import send as run  # noqa: PLC0415

    return run(ctx)
