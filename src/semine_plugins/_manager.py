"""The plugin host: discovers plugins, isolates broken ones, routes integration calls.

Nothing is loaded at import time: :func:`get_plugin_host` makes a host, and the
host reads the ``semine_plugins`` entry points the first time it is asked about
plugins. Each entry point is loaded on its own; one that fails to import,
registers hook implementations that match no hookspec, or whose
``plugin_info`` fails, is recorded as broken with its error and the others keep
working. Environment variables:

``SEMINE_PLUGINS_STRICT=1``
    a broken plugin is an error (:class:`~semine_plugins.PluginError`) instead
    of a report line.
``SEMINE_PLUGINS_ALLOW=ftp,folder``
    load only these plugins (comma-separated entry-point names).
``SEMINE_PLUGINS_BLOCK=bad``
    never load these plugins.
``SEMINE_PLUGINS_TRACE=1``
    log every hook call at DEBUG level.
"""

from __future__ import annotations

import functools
import importlib.metadata
import logging
import os
import traceback
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import pluggy

from semine_plugins import hookspecs
from semine_plugins._info import PluginInfo
from semine_plugins.errors import PluginError, SettingsError, UnknownPluginError
from semine_plugins.settings import build_settings, setting_fields

__all__ = [
    "ENV_ALLOW",
    "ENV_BLOCK",
    "ENV_STRICT",
    "ENV_TRACE",
    "PluginHost",
    "PluginRecord",
    "get_plugin_host",
]

ENV_STRICT = "SEMINE_PLUGINS_STRICT"
ENV_ALLOW = "SEMINE_PLUGINS_ALLOW"
ENV_BLOCK = "SEMINE_PLUGINS_BLOCK"
ENV_TRACE = "SEMINE_PLUGINS_TRACE"

_INTEGRATION_HOOKS = ("plugin_info", "configure", "test_connection", "send", "receive")

log = logging.getLogger("semine_plugins.plugins")


@attrs.frozen(kw_only=True)
class PluginRecord:
    """What the host knows of one plugin, working or broken.

    :ivar name: the entry-point name (what an integration's ``plugin =`` says).
    :ivar title: the plugin's title, from ``plugin_info`` (empty when broken).
    :ivar version: the distribution's version.
    :ivar distribution: the distribution that provides it.
    :ivar info: the plugin's :class:`PluginInfo`, or ``None`` when broken.
    :ivar error: why the plugin is broken, or ``None``.
    """

    name: str
    title: str = ""
    version: str = ""
    distribution: str = ""
    info: PluginInfo | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the plugin loaded and described itself."""
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        """Return the record as JSON-ready data."""
        return {
            "name": self.name,
            "title": self.title,
            "version": self.version,
            "distribution": self.distribution,
            "ok": self.ok,
            "error": self.error,
        }


def _names(value: str | None) -> frozenset[str] | None:
    if value is None or not value.strip():
        return None
    return frozenset(n.strip() for n in value.split(",") if n.strip())


def _short_error(exc: BaseException) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" ({last[0].filename}:{last[0].lineno})" if last else ""
    return f"{type(exc).__name__}: {exc}{where}"


class PluginHost:
    """Discovers plugins and calls them.

    :param entry_points: read the ``semine_plugins`` entry-point group.
    :param plugins: extra plugins to register by name (for tests and embedding).
    :param env: the environment holding the ``SEMINE_PLUGINS_*`` switches.
    """

    def __init__(
        self,
        *,
        entry_points: bool = True,
        plugins: Mapping[str, object] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if env is None else env
        self.strict = env.get(ENV_STRICT, "").strip().lower() in {"1", "true", "yes", "on"}
        self.allow = _names(env.get(ENV_ALLOW))
        self.block = _names(env.get(ENV_BLOCK)) or frozenset()
        self._entry_points = entry_points
        self._extra = dict(plugins or {})
        self._records: dict[str, PluginRecord] = {}
        self._loaded = False
        self.pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        if env.get(ENV_TRACE, "").strip().lower() in {"1", "true", "yes", "on"}:
            self.pm.trace.root.setwriter(lambda msg: log.debug("trace: %s", msg.rstrip()))
            self.pm.enable_tracing()

    # ------------------------------------------------------------------ loading

    def load(self) -> None:
        """Discover and register plugins (once; later calls do nothing).

        :raises PluginError: in strict mode, when any plugin is broken.
        """
        if self._loaded:
            return
        self._loaded = True
        for name, plugin in self._extra.items():
            self._add(name, lambda p=plugin: p, version="", distribution="")
        if self._entry_points:
            for ep in importlib.metadata.entry_points(group=hookspecs.PROJECT_NAME):
                dist = getattr(ep, "dist", None)
                self._add(
                    ep.name,
                    ep.load,
                    version=dist.version if dist else "",
                    distribution=dist.name if dist else "",
                )
        broken = [r for r in self._records.values() if not r.ok]
        if broken and self.strict:
            lines = "\n".join(f"  - {r.name}: {r.error}" for r in broken)
            raise PluginError(
                f"{len(broken)} plugin(s) are broken and {ENV_STRICT} is set:\n{lines}"
            )
        for r in broken:
            log.warning("plugin %r is broken and was not loaded: %s", r.name, r.error)

    def _add(self, name: str, loader: Any, *, version: str, distribution: str) -> None:
        if self.allow is not None and name not in self.allow:
            log.debug("plugin %r not in %s; not loaded", name, ENV_ALLOW)
            return
        if name in self.block:
            log.debug("plugin %r is in %s; not loaded", name, ENV_BLOCK)
            return
        record = functools.partial(
            PluginRecord, name=name, version=version, distribution=distribution
        )
        if name in self._records:
            other = self._records[name].distribution or "another plugin"
            self._records[f"{name} ({distribution})"] = record(
                error=f"the name {name!r} is already taken by {other}; rename the entry point",
            )
            return
        try:
            plugin = loader()
        except Exception as exc:  # a plugin's import may fail in any way
            self._records[name] = record(error=f"failed to import: {_short_error(exc)}")
            return
        try:
            self.pm.register(plugin, name=name)
        except Exception as exc:  # pluggy.PluginValidationError or a duplicate object
            self._records[name] = record(error=f"invalid hook implementations: {exc}")
            return
        problem = self._check_impls(plugin)
        info: PluginInfo | None = None
        if problem is None:
            try:
                info = self._describe(name)
            except Exception as exc:
                problem = f"plugin_info failed: {_short_error(exc)}"
        if problem is not None or info is None:
            self.pm.unregister(plugin)
            self._records[name] = record(error=problem)
            return
        self._records[name] = record(title=info.title, info=info)

    def _check_impls(self, plugin: object) -> str | None:
        """Catch misspelled hooks: an implementation that matches no hookspec."""
        unknown = [
            caller.name
            for caller in self.pm.get_hookcallers(plugin) or []
            if caller.spec is None
            and any(
                not impl.optionalhook for impl in caller.get_hookimpls() if impl.plugin is plugin
            )
        ]
        if unknown:
            known = ", ".join(sorted(n for n in dir(hookspecs) if n in _all_hooks()))
            return (
                f"hook implementation(s) {', '.join(sorted(unknown))} match no hookspec "
                f"(misspelled?); the hooks are: {known}"
            )
        return None

    def _describe(self, name: str) -> PluginInfo:
        info = self.call(name, "plugin_info", _loading=True)
        if not isinstance(info, PluginInfo):
            raise PluginError(
                f"plugin_info must return a semine_plugins.PluginInfo, not {type(info).__name__}"
            )
        setting_fields(info.settings)  # raises TypeError naming the undeclared field
        return info

    # ------------------------------------------------------------------ queries

    def records(self) -> list[PluginRecord]:
        """Every plugin found, working and broken, sorted by name."""
        self.load()
        return [self._records[k] for k in sorted(self._records)]

    def get(self, name: str) -> PluginRecord:
        """Return a working plugin's record.

        :raises UnknownPluginError: when no working plugin has this name; the
            message lists the working ones and, if it is broken, why.
        """
        self.load()
        record = self._records.get(name)
        if record is not None and record.ok:
            return record
        if record is not None:
            raise UnknownPluginError(f"plugin {name!r} is installed but broken: {record.error}")
        if name in self.block:
            raise UnknownPluginError(f"plugin {name!r} is blocked by {ENV_BLOCK}")
        if self.allow is not None and name not in self.allow:
            raise UnknownPluginError(f"plugin {name!r} is not in {ENV_ALLOW}")
        working = ", ".join(r.name for r in self.records() if r.ok) or "none"
        raise UnknownPluginError(
            f"no plugin named {name!r} is installed (installed: {working}); "
            "see `semine-plugins plugins list`"
        )

    def check_pending(self) -> None:
        """Raise ``pluggy.PluginValidationError`` for hook implementations matching no spec."""
        self.load()
        self.pm.check_pending()

    # ------------------------------------------------------------------ calls

    def call(self, name: str, hook: str, *, _loading: bool = False, **kwargs: Any) -> Any:
        """Call an integration hook of one plugin only, and return its result.

        Pluggy would call every plugin's implementation; here every other
        plugin is removed from the call (``subset_hook_caller``), so an
        integration reaches its own plugin and nothing else.

        :raises UnknownPluginError: when the plugin is not working.
        :raises PluginError: when the plugin does not implement the hook.
        """
        if hook not in _INTEGRATION_HOOKS:
            raise ValueError(f"{hook!r} is not an integration hook")
        if not _loading:
            self.get(name)
        plugin = self.pm.get_plugin(name)
        others = [p for p in self.pm.get_plugins() if p is not plugin]
        caller = self.pm.subset_hook_caller(hook, remove_plugins=others)
        if not caller.get_hookimpls():
            raise PluginError(f"plugin {name!r} does not implement the {hook!r} hook")
        return caller(**kwargs)

    def configure(
        self,
        name: str,
        raw: Mapping[str, Any],
        *,
        integration: str,
        source: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Any:
        """Build a plugin's settings from raw values and let the plugin check them.

        :raises SettingsError: listing every field error.
        """
        info = self.get(name).info
        if info is None:  # pragma: no cover - a working record always has one
            raise UnknownPluginError(f"plugin {name!r} has no description")
        settings = build_settings(
            info.settings, raw, integration=integration, source=source, env=env
        )
        plugin = self.pm.get_plugin(name)
        others = [p for p in self.pm.get_plugins() if p is not plugin]
        caller = self.pm.subset_hook_caller("configure", remove_plugins=others)
        if not caller.get_hookimpls():
            return settings
        try:
            result = caller(settings=settings, integration=integration)
        except SettingsError as exc:
            # Attach the file to field errors the plugin raised without it.
            errors = [
                attrs.evolve(e, source=e.source or source, integration=e.integration or integration)
                for e in exc.errors
            ]
            raise SettingsError(exc.summary, errors) from None
        return settings if result is None else result

    def register_commands(self, cli: Any) -> None:
        """Let every working plugin add commands to the CLI; failures are logged."""
        self.load()
        for impl in self.pm.hook.register_commands.get_hookimpls():
            try:
                impl.function(cli=cli)
            except Exception:
                log.exception("plugin %r failed to add its commands", impl.plugin_name)

    @property
    def hook(self) -> pluggy.HookRelay:
        """The broadcast hooks (for :class:`~semine_plugins.IntegrationContext` events)."""
        self.load()
        return self.pm.hook


def _all_hooks() -> frozenset[str]:
    return frozenset(
        n
        for n in dir(hookspecs)
        if callable(getattr(hookspecs, n)) and hasattr(getattr(hookspecs, n), "semine_plugins_spec")
    )


def get_plugin_host(
    *,
    entry_points: bool = True,
    plugins: Mapping[str, object] | Iterable[tuple[str, object]] | None = None,
    env: Mapping[str, str] | None = None,
) -> PluginHost:
    """Make a plugin host; plugins are discovered on first use, not now.

    :param entry_points: discover installed plugins through entry points.
    :param plugins: extra ``name → plugin`` pairs to register (tests, embedding).
    :param env: where to read the ``SEMINE_PLUGINS_*`` switches (default ``os.environ``).
    """
    extra = dict(plugins.items() if isinstance(plugins, Mapping) else plugins or ())
    return PluginHost(entry_points=entry_points, plugins=extra, env=env)
