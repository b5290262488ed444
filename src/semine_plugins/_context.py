"""What an integration hook receives: :class:`IntegrationContext`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from semine_plugins.integrations import SemineAccess
from semine_plugins.reports import FileOutcome, Outcome

if TYPE_CHECKING:
    import pluggy

    from semine_plugins.semine import SemineClient

__all__ = ["Events", "IntegrationContext", "NullProgress", "Progress"]

log = logging.getLogger("semine_plugins")


class Progress(Protocol):
    """Where a plugin reports progress; the CLI shows it as a bar on a terminal."""

    def start(self, total: int | None, label: str) -> None:
        """Begin a unit of work with ``total`` items (``None`` when unknown)."""

    def advance(self, n: int = 1) -> None:
        """``n`` more items are done."""

    def finish(self) -> None:
        """The unit of work is over."""


class NullProgress:
    """A :class:`Progress` that shows nothing."""

    def start(self, total: int | None, label: str) -> None:
        """Do nothing."""

    def advance(self, n: int = 1) -> None:
        """Do nothing."""

    def finish(self) -> None:
        """Do nothing."""


class _MergingAdapter(logging.LoggerAdapter[logging.Logger]):
    """Adds the integration to every record and keeps the call's own ``extra`` (the file).

    The standard adapter replaces a call's ``extra`` with its own before Python 3.13.
    """

    def process(
        self, msg: Any, kwargs: MutableMapping[str, Any]
    ) -> tuple[Any, MutableMapping[str, Any]]:
        kwargs["extra"] = {**(self.extra or {}), **(kwargs.get("extra") or {})}
        return msg, kwargs


class Events:
    """Tells observers (broadcast hooks) what happened; their errors never stop a run."""

    def __init__(self, hook: pluggy.HookRelay | None, *, integration: str, plugin: str) -> None:
        self._hook = hook
        self._integration = integration
        self._plugin = plugin

    def _broadcast(self, name: str, **kwargs: Any) -> None:
        if self._hook is None:
            return
        caller = getattr(self._hook, name)
        kwargs.update(integration=self._integration, plugin=self._plugin)
        # Call each observer on its own so one that raises does not silence the others.
        for impl in reversed(caller.get_hookimpls()):
            try:
                impl.function(**{a: kwargs[a] for a in impl.argnames})
            except Exception:
                log.exception(
                    "observer %s failed in hook %s; the run goes on", impl.plugin_name, name
                )

    def outcome(self, outcome: FileOutcome) -> None:
        """Announce one outcome to the matching broadcast hook."""
        if outcome.outcome is Outcome.SENT:
            self._broadcast("invoice_sent", outcome=outcome)
        elif outcome.outcome in (Outcome.IMPORTED, Outcome.DUPLICATE):
            self._broadcast("file_imported", outcome=outcome)
        elif outcome.outcome in (Outcome.FAILED, Outcome.RETRY):
            self._broadcast("file_failed", outcome=outcome)

    def run_finished(self, report: Any) -> None:
        """Announce a finished run."""
        self._broadcast("run_finished", report=report)


@attrs.define(kw_only=True)
class IntegrationContext:
    """Everything an integration hook needs, handed over by the host.

    :ivar integration: the Integration Name.
    :ivar plugin: the plugin's name.
    :ivar settings: the plugin's settings instance, validated and configured.
    :ivar semine_access: where and how to reach SEMINE (secrets masked in repr).
    :ivar state_dir: a folder private to this integration, kept across runs,
        for the plugin's durable state (created before the hook is called).
    :ivar stop: set when the user asked to stop (SIGINT/SIGTERM): finish the
        file in hand, then return.
    :ivar events: announce outcomes to observers.
    :ivar progress: report progress (count, total when known).
    :ivar log: a logger whose records carry the integration's name.
    """

    integration: str
    plugin: str
    settings: Any
    semine_access: SemineAccess
    state_dir: Path
    stop: threading.Event = attrs.field(factory=threading.Event)
    events: Events = attrs.field()
    progress: Progress = attrs.field(factory=NullProgress)
    log: logging.LoggerAdapter[logging.Logger] = attrs.field()
    _client_factory: Callable[[SemineAccess], SemineClient] | None = attrs.field(
        default=None, repr=False, alias="client_factory"
    )
    _client: SemineClient | None = attrs.field(default=None, repr=False, init=False)

    @events.default
    def _events_default(self) -> Events:
        return Events(None, integration=self.integration, plugin=self.plugin)

    @log.default
    def _log_default(self) -> logging.LoggerAdapter[logging.Logger]:
        return _MergingAdapter(
            logging.getLogger(f"semine_plugins.{self.plugin}"),
            {"integration": self.integration},
        )

    @property
    def semine(self) -> SemineClient:
        """The SEMINE API client for this integration (made on first use, closed by the host)."""
        if self._client is None:
            if self._client_factory is not None:
                self._client = self._client_factory(self.semine_access)
            else:
                from semine_plugins.semine import SemineClient  # noqa: PLC0415 - made on demand

                a = self.semine_access
                self._client = SemineClient(
                    a.url, email=a.email, password=a.password, token=a.token, client=a.client
                )
        return self._client

    def close(self) -> None:
        """Close the SEMINE client, if one was made."""
        if self._client is not None:
            self._client.close()
            self._client = None
