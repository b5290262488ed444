"""semine-plugins: move invoices between SEMINE and the systems around it.

The public API a plugin author uses is what this module exports; everything
in a module whose name starts with ``_`` is private.
"""

from semine_plugins._info import PluginInfo
from semine_plugins._version import __version__
from semine_plugins.errors import (
    ConfigError,
    FieldError,
    PluginError,
    SemineError,
    SeminePluginsError,
    SettingsError,
    TransferError,
    UBLError,
    UnknownPluginError,
)
from semine_plugins.hookspecs import hookimpl
from semine_plugins.reports import (
    Check,
    CheckStatus,
    ConnectionReport,
    FileOutcome,
    Outcome,
    RunReport,
)
from semine_plugins.settings import Secret, setting

__all__ = [
    "Check",
    "CheckStatus",
    "ConfigError",
    "ConnectionReport",
    "FieldError",
    "FileOutcome",
    "Outcome",
    "PluginError",
    "PluginInfo",
    "RunReport",
    "Secret",
    "SemineError",
    "SeminePluginsError",
    "SettingsError",
    "TransferError",
    "UBLError",
    "UnknownPluginError",
    "__version__",
    "hookimpl",
    "setting",
]
