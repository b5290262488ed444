"""One integration wired to a SEMINE sandbox, driven through the real Runner."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from semine_plugins._manager import PluginHost, get_plugin_host
from semine_plugins._runner import DATA_DIR_ENV, Runner
from semine_plugins.integrations import load_config, render_integration

if TYPE_CHECKING:
    from semine_plugins._context import IntegrationContext
    from semine_plugins.reports import ConnectionReport, RunReport
    from semine_plugins.testing._sandbox import SemineSandbox

__all__ = ["IntegrationWorld"]


class IntegrationWorld:
    """An integration of ``plugin`` against a running sandbox, as a user would configure it.

    Every call writes the configuration file (with
    :func:`semine_plugins.integrations.render_integration`), loads it back and
    runs the integration through a :class:`~semine_plugins.Runner`, so a test
    exercises the same path as ``semine-plugins receive NAME``. The
    integration's state lives in :attr:`data_dir`, inside the test's folder.

    :param workdir: the test's temporary folder (configuration and state go here).
    :param sandbox: the running SEMINE sandbox.
    :param plugin: the plugin's entry-point name.
    :param settings: the plugin's raw settings, as in the ``settings`` table.
    :param name: the Integration Name.
    :param host: the plugin host (default: a fresh one reading entry points).

    :ivar settings: the raw settings; change them with :meth:`configure`.
    :ivar semine_url: the integration's ``semine_url`` (the sandbox's).
    :ivar semine: the SEMINE credentials of the integration (``semine_email``,
        ``semine_password``, or ``semine_token``); change them to test a
        wrong password.
    :ivar config: the configuration file's path.
    :ivar data_dir: where integrations keep their state (``ctx.state_dir`` is below).
    """

    def __init__(
        self,
        workdir: Path,
        sandbox: SemineSandbox,
        *,
        plugin: str,
        settings: Mapping[str, Any],
        name: str = "acme",
        host: PluginHost | None = None,
    ) -> None:
        self.workdir = workdir
        self.sandbox = sandbox
        self.plugin = plugin
        self.name = name
        self.settings: dict[str, Any] = dict(settings)
        self.semine: dict[str, Any] = sandbox.integration_fields()
        self.semine_url: str = self.semine.pop("semine_url")
        self.config = workdir / f"semine-plugins-{name}.toml"
        self.data_dir = workdir / "data"
        self.host = host if host is not None else get_plugin_host()

    def __repr__(self) -> str:
        return f"IntegrationWorld(name={self.name!r}, plugin={self.plugin!r})"

    def configure(self, **changes: Any) -> None:
        """Change settings; a ``None`` value removes the key."""
        for key, value in changes.items():
            if value is None:
                self.settings.pop(key, None)
            else:
                self.settings[key] = value

    def write_config(self) -> Path:
        """Write the configuration file and return its path."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config.write_text(
            render_integration(
                self.name,
                plugin=self.plugin,
                semine_url=self.semine_url,
                settings=self.settings,
                **self.semine,
            ),
            encoding="utf-8",
        )
        return self.config

    def env(self) -> dict[str, str]:
        """The environment the runner sees: the process's, with the data folder set."""
        return {**os.environ, DATA_DIR_ENV: str(self.data_dir)}

    def runner(self) -> Runner:
        """Write the configuration and return a :class:`~semine_plugins.Runner` for it."""
        return Runner(self.host, load_config(self.write_config()), env=self.env())

    def context(self) -> IntegrationContext:
        """The context a hook receives (close it with ``ctx.close()``)."""
        return self.runner().context(self.name)

    def receive(self) -> RunReport:
        """Run ``receive`` once, as ``semine-plugins receive`` does."""
        return self.runner().receive(self.name)

    def send(self) -> RunReport:
        """Run ``send`` once, as ``semine-plugins send`` does."""
        return self.runner().send(self.name)

    def check(self) -> ConnectionReport:
        """Run Test Connection, as ``semine-plugins test-connection`` does."""
        return self.runner().test_connection(self.name)
