"""Running an integration: build its context, call its plugin, tell observers."""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from semine_plugins._context import Events, IntegrationContext, NullProgress, Progress
from semine_plugins._history import RunHistory
from semine_plugins._manager import PluginHost
from semine_plugins.errors import PluginError, SeminePluginsError
from semine_plugins.integrations import Config, SemineAccess
from semine_plugins.reports import Check, CheckStatus, ConnectionReport, RunReport

if TYPE_CHECKING:
    from semine_plugins.semine import SemineClient

__all__ = ["DATA_DIR_ENV", "Runner", "data_dir"]

DATA_DIR_ENV = "SEMINE_PLUGINS_DATA_DIR"
"""Environment variable overriding where integrations keep their state."""

log = logging.getLogger("semine_plugins.runner")


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """Return the folder holding every integration's state.

    That is ``$SEMINE_PLUGINS_DATA_DIR`` when set, else the user's data folder.
    """
    env = os.environ if env is None else env
    if env.get(DATA_DIR_ENV):
        return Path(env[DATA_DIR_ENV]).expanduser()
    return platformdirs.user_data_path("semine-plugins", appauthor=False)


class Runner:
    """Runs integrations of one configuration file.

    :param host: the plugin host.
    :param config: the loaded configuration.
    :param stop: set it to ask running hooks to finish the file in hand and return.
    :param progress: makes a progress reporter per run.
    :param client_factory: makes the SEMINE client (a seam for embedding).
    :param env: environment for references and the data folder.
    """

    def __init__(
        self,
        host: PluginHost,
        config: Config,
        *,
        stop: threading.Event | None = None,
        progress: Callable[[str, str], Progress] | None = None,
        client_factory: Callable[[SemineAccess], SemineClient] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.host = host
        self.config = config
        self.stop = stop or threading.Event()
        self._progress = progress
        self._client_factory = client_factory
        self._env = env

    def context(self, name: str) -> IntegrationContext:
        """Build the context for integration ``name``.

        :raises ConfigError: unknown integration, unknown plugin or invalid
            settings, every field error at once.
        """
        integration = self.config.get(name)
        self.host.get(integration.plugin)
        settings = self.host.configure(
            integration.plugin,
            integration.settings,
            integration=name,
            source=str(integration.source) if integration.source else None,
            env=self._env,
        )
        access = integration.semine_access(self._env)
        state = data_dir(self._env) / "integrations" / name
        state.mkdir(parents=True, exist_ok=True)
        return IntegrationContext(
            integration=name,
            plugin=integration.plugin,
            settings=settings,
            semine_access=access,
            state_dir=state,
            stop=self.stop,
            events=Events(self.host.hook, integration=name, plugin=integration.plugin),
            progress=self._progress(name, integration.plugin) if self._progress else NullProgress(),
            client_factory=self._client_factory,
        )

    def test_connection(self, name: str) -> ConnectionReport:
        """Run the plugin's Test Connection; a plugin bug becomes a failed check."""
        ctx = self.context(name)
        try:
            report = self.host.call(ctx.plugin, "test_connection", ctx=ctx)
        except SeminePluginsError:
            raise
        except Exception as exc:
            log.exception("plugin %r raised in test_connection", ctx.plugin)
            report = ConnectionReport(
                checks=[
                    Check(
                        name="plugin",
                        title=f"plugin {ctx.plugin!r}",
                        status=CheckStatus.FAILED,
                        detail=f"the plugin raised {type(exc).__name__}: {exc}",
                        hint="this is a bug in the plugin; report it to its authors",
                    )
                ]
            )
        finally:
            ctx.close()
        if not isinstance(report, ConnectionReport):
            raise PluginError(
                f"plugin {ctx.plugin!r}: test_connection returned {type(report).__name__}"
            )
        return report

    @functools.cached_property
    def history(self) -> RunHistory:
        """The run history (every send and receive, also those that raised)."""
        return RunHistory(data_dir(self._env) / "history.sqlite3")

    def run(self, name: str, action: str) -> RunReport:
        """Run ``send`` or ``receive`` once for integration ``name``.

        The run is recorded in :attr:`history`, also when it raises.
        """
        if action not in ("send", "receive"):
            raise ValueError(f"unknown action {action!r}")
        started = datetime.now(UTC)
        try:
            report = self._run(name, action)
        except Exception as exc:
            if name not in self.config.integrations:
                raise  # a misspelt name leaves no history behind
            self.history.record(
                integration=name,
                action=action,
                started=started,
                ok=False,
                counts={},
                summary=f"{action} {name}: did not run to the end",
                error=f"{type(exc).__name__}: {exc}",
            )
            raise
        self.history.record(
            integration=name,
            action=action,
            started=started,
            ok=report.ok,
            counts=report.counts,
            summary=report.summary(),
        )
        return report

    def _run(self, name: str, action: str) -> RunReport:
        ctx = self.context(name)
        try:
            report = self.host.call(ctx.plugin, action, ctx=ctx)
        finally:
            ctx.close()
        if not isinstance(report, RunReport):
            raise PluginError(f"plugin {ctx.plugin!r}: {action} returned {type(report).__name__}")
        ctx.events.run_finished(report)
        return report

    def send(self, name: str) -> RunReport:
        """Export invoices once."""
        return self.run(name, "send")

    def receive(self, name: str) -> RunReport:
        """Import files once."""
        return self.run(name, "receive")
