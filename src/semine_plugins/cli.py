"""The ``semine-plugins`` command line.

Exit codes: 0 success; 1 the work ran and something failed (a file, a check,
an invoice); 2 usage or configuration error. Every reporting command takes
``--format json``. Plugins add commands through the ``register_commands`` hook;
those are loaded only when asked for, so a broken plugin cannot take the
command line down.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import click

from semine_plugins._logging import configure_logging
from semine_plugins._manager import PluginHost, get_plugin_host
from semine_plugins._output import markdown_table, text_table
from semine_plugins._runner import Runner
from semine_plugins._version import __version__
from semine_plugins.errors import ConfigError, PluginError, SeminePluginsError
from semine_plugins.integrations import Config, find_config, load_config
from semine_plugins.reports import ConnectionReport, RunReport
from semine_plugins.settings import json_schema, settings_table

__all__ = ["main"]

log = logging.getLogger("semine_plugins.cli")

FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people, json for scripts",
)

# Commands provided by subpackages: (module, attribute).
_BUILTIN_LAZY = {
    "validate": ("semine_plugins.ubl._cli", "validate"),
    "sandbox": ("semine_plugins.sandbox._cli", "sandbox"),
}


class _State:
    """Per-invocation state kept on the root click context."""

    def __init__(self) -> None:
        self.config_path: str | None = None
        self.verbosity = 0
        self._host: PluginHost | None = None

    @property
    def host(self) -> PluginHost:
        if self._host is None:
            self._host = get_plugin_host()
        return self._host

    def config(self) -> Config:
        return load_config(find_config(self.config_path))

    def runner(self) -> Runner:
        return Runner(self.host, self.config())


def _state() -> _State:
    ctx = click.get_current_context()
    root = ctx.find_root()
    if not isinstance(root.obj, _State):
        root.obj = _State()
    return root.obj


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``error: message`` to stderr and exit with ``code``."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _dump(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


class _MainGroup(click.Group):
    """The top-level group: built-in commands, lazily imported ones, and plugins' commands."""

    def _lazy(self, name: str) -> click.Command | None:
        spec = _BUILTIN_LAZY.get(name)
        if spec is None:
            return None
        import importlib  # noqa: PLC0415 - loaded only when the command is used

        try:
            module = importlib.import_module(spec[0])
        except ImportError as exc:
            missing = exc.name or "a dependency"

            @click.command(name=name, help=f"(unavailable: {missing} is not installed)")
            def unavailable() -> None:
                fail(
                    f"`{name}` needs {missing}, which is not installed; "
                    "install it with: pip install 'semine-plugins[sandbox,rules]'"
                )

            return unavailable
        command = getattr(module, spec[1])
        return command if isinstance(command, click.Command) else None

    def _plugin_commands(self) -> dict[str, click.Command]:
        group = click.Group()
        try:
            _state().host.register_commands(group)
        except PluginError as exc:  # strict mode and a broken plugin
            fail(str(exc))
        return dict(group.commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx)) | set(_BUILTIN_LAZY)
        return sorted(names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name) or self._lazy(cmd_name)
        if command is None:
            command = self._plugin_commands().get(cmd_name)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (ConfigError, PluginError) as exc:
            if _state().verbosity >= 2:
                raise
            fail(str(exc), 2)
        except SeminePluginsError as exc:
            if _state().verbosity >= 2:
                raise
            fail(str(exc), 1)


@click.group(cls=_MainGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="semine-plugins")
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    help="configuration file (default: $SEMINE_PLUGINS_CONFIG, else ./semine-plugins.toml)",
)
@click.option("-v", "--verbose", count=True, help="more output (-vv: debug and tracebacks)")
@click.option("-q", "--quiet", is_flag=True, help="errors only")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one JSON object per log line, with the integration and file",
)
def cli(config_path: str | None, verbose: int, quiet: bool, log_format: str) -> None:
    """Move invoices between SEMINE and the systems around it."""
    state = _state()
    state.config_path = config_path
    state.verbosity = -1 if quiet else verbose
    configure_logging(state.verbosity, log_format)


# ---------------------------------------------------------------- plugins


@cli.group()
def plugins() -> None:
    """The installed plugins."""


@plugins.command("list")
@FORMAT
def plugins_list(fmt: str) -> None:
    """List installed plugins: name, title, version, distribution; broken ones with their error."""
    records = _state().host.records()
    if fmt == "json":
        _dump([r.to_dict() for r in records])
        return
    rows = [{**r.to_dict(), "status": "ok" if r.ok else f"BROKEN: {r.error}"} for r in records]
    click.echo(
        text_table(
            rows,
            [
                ("name", "NAME"),
                ("title", "TITLE"),
                ("version", "VERSION"),
                ("distribution", "DISTRIBUTION"),
                ("status", "STATUS"),
            ],
        )
    )


_FIELD_COLUMNS = [("field", "FIELD"), ("value", "VALUE"), ("description", "DESCRIPTION")]


@plugins.command("show")
@click.argument("name")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
    help="json prints the settings' JSON Schema",
)
@click.option(
    "--advanced/--no-advanced", default=True, show_default=True, help="include advanced fields"
)
def plugins_show(name: str, fmt: str, advanced: bool) -> None:
    """Show a plugin's fields (label, * for mandatory, default, description)."""
    record = _state().host.get(name)
    info = record.info
    if info is None:  # pragma: no cover - host.get returns working plugins only
        fail(f"plugin {name!r} has no description")
    if fmt == "json":
        _dump(json_schema(info.settings, title=info.title))
        return
    rows = settings_table(info.settings, advanced=advanced)
    columns = [*_FIELD_COLUMNS, ("key", "KEY")] + ([("advanced", "ADVANCED")] if advanced else [])
    if fmt == "markdown":
        click.echo(
            f"## {info.title}\n\n{info.description}\n\n"
            "Note: the asterisks (*) indicate mandatory fields.\n"
        )
        click.echo(markdown_table(rows, columns))
        return
    click.echo(f"{info.title} ({record.name}) {record.version}".rstrip())
    if info.description:
        click.echo(info.description)
    click.echo("Fields marked * are mandatory.\n")
    click.echo(text_table(rows, columns))


# ---------------------------------------------------------------- integrations


@cli.group()
def integrations() -> None:
    """The integrations in the configuration file."""


@integrations.command("list")
@FORMAT
def integrations_list(fmt: str) -> None:
    """List the integrations in the configuration file."""
    config = _state().config()
    rows = [
        {
            "name": i.name,
            "plugin": i.plugin,
            "semine_url": i.semine_url,
            "semine_user": i.semine_email or "(token)",
            "description": i.description,
        }
        for i in config.integrations.values()
    ]
    if fmt == "json":
        _dump({"config": str(config.path), "integrations": rows})
        return
    if not rows:
        click.echo(f"{config.path}: no integrations")
        return
    click.echo(
        text_table(
            rows,
            [
                ("name", "NAME"),
                ("plugin", "PLUGIN"),
                ("semine_url", "SEMINE URL"),
                ("semine_user", "SEMINE USER"),
            ],
        )
    )


# ---------------------------------------------------------------- running


def _print_connection(report: ConnectionReport, fmt: str, name: str) -> None:
    if fmt == "json":
        _dump({"integration": name, **report.to_dict()})
        return
    rows = [
        {
            "status": c.status.upper(),
            "title": c.title,
            "elapsed": f"{c.elapsed * 1000:.0f} ms",
            "detail": c.detail + (f" — {c.hint}" if c.hint else ""),
        }
        for c in report.checks
    ]
    click.echo(
        text_table(
            rows,
            [("status", "RESULT"), ("title", "CHECK"), ("elapsed", "TIME"), ("detail", "DETAIL")],
        )
    )
    verdict = "all checks passed" if report.ok else "some checks failed"
    click.echo(f"\ntest-connection {name}: {verdict}")


def _print_run(report: RunReport, fmt: str) -> None:
    if fmt == "json":
        _dump(report.to_dict())
        return
    if report.outcomes:
        rows = [{**o.to_dict(), "outcome": o.outcome.upper()} for o in report.outcomes]
        click.echo(
            text_table(
                rows,
                [
                    ("outcome", "OUTCOME"),
                    ("name", "FILE/INVOICE"),
                    ("invoice_id", "INVOICE"),
                    ("path", "NOW AT"),
                    ("reason", "REASON"),
                ],
            )
        )
        click.echo("")
    click.echo(report.summary())


def _run_command(action: str) -> Callable[..., None]:
    @click.argument("name")
    @FORMAT
    def command(name: str, fmt: str) -> None:
        runner = _state().runner()
        report = runner.run(name, action)
        _print_run(report, fmt)
        sys.exit(0 if report.ok else 1)

    return command


cli.command("send", help="Export posted invoices from SEMINE, once.")(_run_command("send"))
cli.command("receive", help="Import invoice files into SEMINE, once.")(_run_command("receive"))


@cli.command("test-connection")
@click.argument("name")
@FORMAT
def test_connection(name: str, fmt: str) -> None:
    """Run the "Test Connection" button: every check, with its result."""
    report = _state().runner().test_connection(name)
    _print_connection(report, fmt, name)
    sys.exit(0 if report.ok else 1)


def main(argv: list[str] | None = None) -> None:
    """Run the command line (the ``semine-plugins`` console script)."""
    cli.main(args=argv, prog_name="semine-plugins")
