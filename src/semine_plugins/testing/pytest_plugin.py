"""pytest plugin (registered under ``pytest11``): fixtures for plugin authors.

Installed with semine-plugins, so every pytest run loads it; it therefore
imports nothing heavy. A fixture starts its server only when a test asks for
it, and the sandbox and SFTP server need the ``sandbox`` extra: without it the
test fails saying ``pip install 'semine-plugins[sandbox]'``.

Fixtures:

``semine_sandbox``
    a running :class:`~semine_plugins.testing.SemineSandbox` with a user and
    a client; override ``semine_sandbox_options`` to change them.
``sftp_server``
    a running :class:`~semine_plugins.testing.SFTPServer` with the user
    :data:`~semine_plugins.testing.SFTP_USER` /
    :data:`~semine_plugins.testing.SFTP_PASSWORD`.
``plugin_host``
    a fresh :class:`~semine_plugins.PluginHost` reading the installed plugins.
``integration_world``
    a factory: ``integration_world("folder", {...settings})`` returns an
    :class:`~semine_plugins.testing.IntegrationWorld` on ``semine_sandbox``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from semine_plugins.testing._extra import MissingExtraError, require_sandbox_extra

if TYPE_CHECKING:
    from semine_plugins._manager import PluginHost
    from semine_plugins.testing._sandbox import SemineSandbox
    from semine_plugins.testing._world import IntegrationWorld
    from semine_plugins.testing.sftp import SFTPServer

__all__ = [
    "integration_world",
    "plugin_host",
    "semine_sandbox",
    "semine_sandbox_options",
    "sftp_server",
]


def _require(what: str) -> None:
    try:
        require_sandbox_extra(what)
    except MissingExtraError as exc:
        message = str(exc)
    else:
        return
    pytest.fail(message, pytrace=False)


@pytest.fixture
def semine_sandbox_options() -> dict[str, Any]:
    """Keyword arguments for :meth:`SemineSandbox.running`; override it to change them."""
    return {}


@pytest.fixture
def semine_sandbox(semine_sandbox_options: dict[str, Any]) -> Iterator[SemineSandbox]:
    """A running SEMINE sandbox with a user and the client it sees (stopped after the test)."""
    _require("sandbox")
    from semine_plugins.testing._sandbox import SemineSandbox  # noqa: PLC0415

    with SemineSandbox.running(**semine_sandbox_options) as sandbox:
        yield sandbox


@pytest.fixture
def sftp_server() -> Iterator[SFTPServer]:
    """A running in-process SFTP server with the user ``SFTP_USER``/``SFTP_PASSWORD``."""
    _require("sftp")
    from semine_plugins.testing._constants import SFTP_PASSWORD, SFTP_USER  # noqa: PLC0415
    from semine_plugins.testing.sftp import SFTPServer  # noqa: PLC0415

    with SFTPServer(users={SFTP_USER: SFTP_PASSWORD}) as server:
        yield server


@pytest.fixture
def plugin_host() -> PluginHost:
    """A fresh plugin host reading the installed plugins (entry points) on first use."""
    from semine_plugins import get_plugin_host  # noqa: PLC0415

    return get_plugin_host()


@pytest.fixture
def integration_world(
    tmp_path: Path, semine_sandbox: SemineSandbox, plugin_host: PluginHost
) -> Callable[..., IntegrationWorld]:
    """Make integrations on ``semine_sandbox``: ``integration_world(plugin, settings)``.

    Further keyword arguments go to :class:`~semine_plugins.testing.IntegrationWorld`.
    """
    from semine_plugins.testing._world import IntegrationWorld  # noqa: PLC0415

    def make(plugin: str, settings: Mapping[str, Any], **kwargs: Any) -> IntegrationWorld:
        kwargs.setdefault("host", plugin_host)
        return IntegrationWorld(
            tmp_path, semine_sandbox, plugin=plugin, settings=settings, **kwargs
        )

    return make
