"""semine-plugins: move invoices between SEMINE and the systems around it.

The public API a plugin author uses is what this module exports; everything
in a module whose name starts with ``_`` is private.
"""

from semine_plugins._context import Events, IntegrationContext, NullProgress, Progress
from semine_plugins._info import PluginInfo
from semine_plugins._manager import PluginHost, PluginRecord, get_plugin_host
from semine_plugins._runner import Runner
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
from semine_plugins.integrations import Config, Integration, SemineAccess, load_config
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
    "Config",
    "ConfigError",
    "ConnectionReport",
    "Events",
    "FieldError",
    "FileOutcome",
    "Integration",
    "IntegrationContext",
    "NullProgress",
    "Outcome",
    "PluginError",
    "PluginHost",
    "PluginInfo",
    "PluginRecord",
    "Progress",
    "RunReport",
    "Runner",
    "Secret",
    "SemineAccess",
    "SemineError",
    "SeminePluginsError",
    "SettingsError",
    "TransferError",
    "UBLError",
    "UnknownPluginError",
    "__version__",
    "get_plugin_host",
    "hookimpl",
    "load_config",
    "setting",
]
