"""The Ftp Plugin: exchange UBL invoice files with an SFTP server, in both directions.

Registered under the ``semine_plugins`` entry-point group as ``ftp``, exactly as
a third-party plugin registers; it uses only the public API of
``semine_plugins``.
"""

from __future__ import annotations

from semine_plugins import PluginInfo, hookimpl
from semine_plugins_ftp._settings import FtpSettings

__all__ = ["FtpSettings", "plugin_info"]


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
