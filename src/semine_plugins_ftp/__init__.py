"""The Ftp Plugin: exchange UBL invoice files with an SFTP server, in both directions.

Registered under the ``semine_plugins`` entry-point group as ``ftp``, exactly as
a third-party plugin registers; it uses only the public API of
``semine_plugins``. The hooks import their machinery on first use, so listing
plugins does not load SSH or XML libraries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from semine_plugins import PluginInfo, hookimpl
from semine_plugins_ftp._settings import FtpSettings

if TYPE_CHECKING:
    from semine_plugins import ConnectionReport, IntegrationContext, RunReport

__all__ = ["FtpSettings", "configure", "plugin_info", "receive", "send", "test_connection"]


@hookimpl
def plugin_info() -> PluginInfo:
    """Describe the Ftp Plugin: its title and its settings."""
    return PluginInfo(
        title="Ftp Plugin",
        settings=FtpSettings,
        description=(
            "Exchanges UBL (XML) invoice files with an SFTP server: exports posted invoices "
            "from SEMINE and imports invoice files into SEMINE."
        ),
    )


@hookimpl
def configure(settings: FtpSettings, integration: str) -> FtpSettings:
    """Check the Ftp Plugin's own rules (folders, host) and normalise folder paths."""
    from semine_plugins_ftp._configure import check_settings  # noqa: PLC0415

    return check_settings(settings, integration)


@hookimpl
def test_connection(ctx: IntegrationContext) -> ConnectionReport:
    """Check the SFTP server and SEMINE step by step (the "Test Connection" button)."""
    from semine_plugins_ftp._check import test_connection as run  # noqa: PLC0415

    return run(ctx)


@hookimpl
def send(ctx: IntegrationContext) -> RunReport:
    """Upload every Posting invoice as ``<invoice id>.xml``, then mark it Posted."""
    from semine_plugins_ftp._send import send as run  # noqa: PLC0415

    return run(ctx)


@hookimpl
def receive(ctx: IntegrationContext) -> RunReport:
    """Import the main folder's XML files into SEMINE, then move them away."""
    from semine_plugins_ftp._receive import receive as run  # noqa: PLC0415

    return run(ctx)
