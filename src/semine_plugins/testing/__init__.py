"""The testing kit for plugin authors: real servers, fixtures and a conformance suite.

Installing semine-plugins registers a pytest plugin
(:mod:`semine_plugins.testing.pytest_plugin`) with the fixtures
``semine_sandbox``, ``sftp_server``, ``plugin_host`` and ``integration_world``.
A plugin's suite checks the plugin keeps the contract in a few lines::

    from semine_plugins.testing import ConformanceSetup, PluginConformance

    class TestConformance(PluginConformance):
        plugin_name = "folder"

        @pytest.fixture
        def conformance(self, tmp_path): ...  # return ConformanceSetup(...)

The servers need the ``sandbox`` extra (``pip install 'semine-plugins[sandbox]'``);
this module imports none of their libraries until one is used, so ``pytest``
keeps working without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from semine_plugins.testing._constants import SFTP_PASSWORD, SFTP_USER
from semine_plugins.testing._extra import SANDBOX_EXTRA, MissingExtraError
from semine_plugins.testing._sandbox import (
    SANDBOX_EMAIL,
    SANDBOX_PASSWORD,
    SANDBOX_TOKEN,
    SemineSandbox,
)
from semine_plugins.testing._world import IntegrationWorld

if TYPE_CHECKING:
    from semine_plugins.testing._conformance import ConformanceSetup, PluginConformance
    from semine_plugins.testing.sftp import SFTPServer

__all__ = [
    "SANDBOX_EMAIL",
    "SANDBOX_EXTRA",
    "SANDBOX_PASSWORD",
    "SANDBOX_TOKEN",
    "SFTP_PASSWORD",
    "SFTP_USER",
    "ConformanceSetup",
    "IntegrationWorld",
    "MissingExtraError",
    "PluginConformance",
    "SFTPServer",
    "SemineSandbox",
]


def __getattr__(name: str) -> Any:
    # The conformance suite needs pytest; the servers are also used without it (`demo`).
    if name in ("ConformanceSetup", "PluginConformance"):
        from semine_plugins.testing import _conformance  # noqa: PLC0415

        return getattr(_conformance, name)
    # SFTPServer needs asyncssh (the sandbox extra): imported when first asked for.
    if name == "SFTPServer":
        from semine_plugins.testing._extra import require_sandbox_extra  # noqa: PLC0415

        require_sandbox_extra("sftp")
        from semine_plugins.testing.sftp import SFTPServer  # noqa: PLC0415

        return SFTPServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
