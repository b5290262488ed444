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
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, NamedTuple, NoReturn

import click

from semine_plugins._logging import configure_logging
from semine_plugins._manager import PluginHost, get_plugin_host
from semine_plugins._output import echo_json, format_option, markdown_table, text_table
from semine_plugins._progress import progress_factory
from semine_plugins._runner import Runner
from semine_plugins._version import __version__
from semine_plugins.errors import ConfigError, PluginError, SeminePluginsError, SettingsError
from semine_plugins.integrations import Config, find_config, load_config
from semine_plugins.reports import ConnectionReport, RunReport
from semine_plugins.settings import json_schema, settings_table

__all__ = ["main"]

log = logging.getLogger("semine_plugins.cli")

FORMAT = format_option()


class _Lazy(NamedTuple):
    """A command imported when it is used; ``--help`` lists it from ``summary``.

    Importing these commands loads lxml, httpx or the sandbox libraries, which
    would make ``--help`` several times slower.
    """

    module: str
    attribute: str
    summary: str  # the first line of the command's docstring (a test keeps them equal)
    needs: tuple[str, ...] = ()  # libraries of the sandbox extra it imports


_BUILTIN_LAZY = {
    "validate": _Lazy(
        "semine_plugins.ubl._cli",
        "validate",
        "Validate UBL 2.1 invoices and credit notes (Peppol BIS 3 / EHF).",
    ),
    "sandbox": _Lazy(
        "semine_plugins.sandbox._cli",
        "sandbox",
        "Run a local SEMINE sandbox that implements the API contract.",
        ("starlette", "uvicorn"),
    ),
    "demo": _Lazy(
        "semine_plugins._demo",
        "demo",
        "The main job on embedded defaults: an in-process SFTP server and the SEMINE sandbox.",
        ("asyncssh", "starlette", "uvicorn"),
    ),
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

    def runner(self, *, progress: bool = True) -> Runner:
        factory = progress_factory(quiet=self.verbosity < 0) if progress else None
        return Runner(self.host, self.config(), progress=factory)


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


def _unavailable(name: str, missing: str) -> click.Command:
    @click.command(name=name, help=f"(unavailable: {missing} is not installed)")
    def unavailable() -> None:
        fail(
            f"`{name}` needs {missing}, which is not installed; "
            "install it with: pip install 'semine-plugins[sandbox,rules]'"
        )

    return unavailable


class _MainGroup(click.Group):
    """The top-level group: built-in commands, lazily imported ones, and plugins' commands."""

    _listing = False  # True while --help lists the commands

    def _lazy(self, name: str) -> click.Command | None:
        spec = _BUILTIN_LAZY.get(name)
        if spec is None:
            return None
        import importlib.util  # noqa: PLC0415 - loaded only when the command is used

        if self._listing:
            absent = [m for m in spec.needs if importlib.util.find_spec(m) is None]
            if absent:
                return _unavailable(name, absent[0])
            return click.Command(name, help=spec.summary)
        try:
            module = importlib.import_module(spec.module)
        except ImportError as exc:
            return _unavailable(name, exc.name or "a dependency")
        command = getattr(module, spec.attribute)
        return command if isinstance(command, click.Command) else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_commands(ctx, formatter)
        finally:
            self._listing = False

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
        echo_json([r.to_dict() for r in records])
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
        echo_json(json_schema(info.settings, title=info.title))
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
        echo_json({"config": str(config.path), "integrations": rows})
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


def _pairs(values: tuple[str, ...], flag: str) -> dict[str, str]:
    out = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            fail(f"{flag} takes KEY=VALUE, got {item!r}")
        out[key.strip()] = value
    return out


@integrations.command("add")
@click.argument("name", required=False)
@click.option("--plugin", help="the plugin (see `semine-plugins plugins list`)")
@click.option("--semine-url", metavar="URL", help="SEMINE API base URL")
@click.option("--semine-email", metavar="EMAIL", help="Semine Email (password login)")
@click.option("--semine-password-env", metavar="VAR", help="variable holding the Semine Password")
@click.option("--semine-password-file", metavar="PATH", help="file holding the Semine Password")
@click.option("--semine-token-env", metavar="VAR", help="variable holding a personal access token")
@click.option("--semine-token-file", metavar="PATH", help="file holding a personal access token")
@click.option("--semine-client", metavar="ID", help="client id or organisation number")
@click.option("--description", help="a note for people")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="a plugin field")
@click.option(
    "--secret-env", multiple=True, metavar="KEY=VAR", help="a secret field read from a variable"
)
@click.option(
    "--secret-file", multiple=True, metavar="KEY=PATH", help="a secret field read from a file"
)
@click.option(
    "--store-secrets",
    is_flag=True,
    help="allow secret values given with --set to be written into the file (owner-only)",
)
@click.option(
    "--advanced/--no-advanced", default=None, help="prompt for advanced fields (default: ask)"
)
@click.option("--no-input", is_flag=True, help="never prompt; fail naming every missing answer")
@click.option(
    "--test/--no-test",
    "run_test",
    default=None,
    help="run Test Connection after writing (default: ask on a terminal, else no)",
)
@FORMAT
def integrations_add(  # noqa: PLR0917 - click passes each option as an argument
    name: str | None,
    plugin: str | None,
    semine_url: str | None,
    semine_email: str | None,
    semine_password_env: str | None,
    semine_password_file: str | None,
    semine_token_env: str | None,
    semine_token_file: str | None,
    semine_client: str | None,
    description: str | None,
    sets: tuple[str, ...],
    secret_env: tuple[str, ...],
    secret_file: tuple[str, ...],
    store_secrets: bool,
    advanced: bool | None,
    no_input: bool,
    run_test: bool | None,
    fmt: str,
) -> None:
    """Add an integration: the "New Integration" form, or flags for scripts.

    Prompts for every field of the chosen plugin (mandatory ones marked *,
    defaults offered, secrets hidden) and appends the integration to the
    configuration file. Secrets are written as {env = ...} or {file = ...}
    references unless you ask for them to be stored in the file.
    """
    from semine_plugins._form import (  # noqa: PLC0415 - only this command needs it
        Answers,
        Form,
        append,
        existing_names,
        secrets_env,
    )

    state = _state()
    path = find_config(state.config_path)
    interactive = not no_input and sys.stdin.isatty()
    names = existing_names(path)
    if name is not None and name in names:
        fail(f"{path} already has an integration named {name!r}; choose another name")

    def ref(env: str | None, file: str | None) -> dict[str, str] | None:
        return {"env": env} if env else ({"file": file} if file else None)

    answers = Answers(
        name=name,
        plugin=plugin,
        semine_url=semine_url,
        semine_email=semine_email,
        semine_password=ref(semine_password_env, semine_password_file),
        semine_token=ref(semine_token_env, semine_token_file),
        semine_client=semine_client,
        description=description,
        store_secrets=store_secrets,
        advanced=advanced,
    )
    form = Form(state.host, interactive=interactive)
    if plugin is not None:
        form.take_flags(
            answers,
            sets=_pairs(sets, "--set"),
            secret_env=_pairs(secret_env, "--secret-env"),
            secret_file=_pairs(secret_file, "--secret-file"),
        )
    form.collect(answers)
    if answers.name in names:
        fail(f"{path} already has an integration named {answers.name!r}; choose another name")
    for _ in range(5):
        errors = form.check(answers)
        if not errors or not interactive:
            break
        form.fix(answers, errors)
    if errors:
        raise SettingsError(f"integration {answers.name!r} was not added", errors)
    text = form.render(answers)
    append(path, text, private=answers.store_secrets and bool(answers.secrets))
    result: dict[str, Any] = {"config": str(path), "integration": answers.name, "added": True}
    if fmt != "json":
        click.echo(f"added integration {answers.name!r} to {path}")
    if run_test is None:
        run_test = interactive and click.confirm("Run Test Connection now?", default=True)
    ok = True
    if run_test:
        runner = Runner(state.host, load_config(path), env=secrets_env(answers, os.environ))
        report = runner.test_connection(answers.name or "")
        ok = report.ok
        if fmt == "json":
            result["test_connection"] = report.to_dict()
        else:
            _print_connection(report, fmt, answers.name or "")
    if fmt == "json":
        echo_json(result)
    sys.exit(0 if ok else 1)


# ---------------------------------------------------------------- running


def _print_connection(report: ConnectionReport, fmt: str, name: str) -> None:
    if fmt == "json":
        echo_json({"integration": name, **report.to_dict()})
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
        echo_json(report.to_dict())
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


@cli.command("run")
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option(
    "--interval",
    type=click.FloatRange(min=1),
    default=300,
    show_default=True,
    metavar="SECONDS",
    help="seconds from the start of one cycle to the start of the next",
)
@click.option(
    "--cycles",
    type=click.IntRange(min=1),
    default=None,
    help="stop after this many cycles per integration (default: until stopped)",
)
@FORMAT
def run(names: tuple[str, ...], interval: float, cycles: int | None, fmt: str) -> None:
    """Keep integrations running: each cycle sends, then receives.

    Without NAME, every integration in the configuration file runs. Each runs
    on its own (one failing does not stop the others) and their cycles are
    staggered across the interval. SIGINT or SIGTERM lets every integration
    finish the file in hand, then exits 0; a second signal exits at once (the
    per-file state makes that safe, too). With --format json, one JSON report
    per line. With --cycles, the exit code is 1 when any run failed.
    """
    from semine_plugins._loop import Scheduler  # noqa: PLC0415 - only this command needs it

    state = _state()
    runner = state.runner(progress=False)
    chosen = list(names) or list(runner.config.integrations)
    if not chosen:
        fail(f"{runner.config.path} has no integrations; add one with `integrations add`")
    for name in chosen:
        runner.context(name).close()  # every configuration error up front, exit 2

    failed = threading.Event()

    def report(r: RunReport) -> None:
        if not r.ok:
            failed.set()
        if fmt == "json":
            click.echo(json.dumps(r.to_dict(), ensure_ascii=False, default=str))
        elif state.verbosity >= 0:
            stamp = r.finished.astimezone().strftime("%H:%M:%S")
            click.echo(f"{stamp} {r.summary()}")

    scheduler = Scheduler(
        runner,
        chosen,
        interval=interval,
        cycles=cycles,
        on_report=report,
        on_error=lambda name, action, exc: failed.set(),
    )
    signals = {"count": 0}

    def on_signal(signum: int, frame: object) -> None:
        signals["count"] += 1
        if signals["count"] > 1:
            click.echo("stopping now", err=True)
            os._exit(130)
        click.echo(
            f"{signal.Signals(signum).name}: finishing the files in hand, then stopping "
            "(again to stop at once)",
            err=True,
        )
        scheduler.stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        log.info("running %s every %s s", ", ".join(chosen), interval)
        scheduler.start()
        while not scheduler.join(timeout=1.0):
            pass
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
    # Stopped by a signal: exit 0. A bounded run (--cycles) reports like send and receive.
    if signals["count"] == 0 and failed.is_set():
        sys.exit(1)


@cli.command("history")
@click.argument("name")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@FORMAT
def history(name: str, limit: int, fmt: str) -> None:
    """Show an integration's last runs (send and receive) and their counts."""
    runner = _state().runner(progress=False)
    runner.config.get(name)  # unknown integration: exit 2
    entries = runner.history.last(name, limit)
    if fmt == "json":
        echo_json({"integration": name, "runs": [e.to_dict() for e in entries]})
        return
    if not entries:
        click.echo(f"{name}: no runs recorded yet")
        return
    rows = [
        {
            "started": e.started.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
            "action": e.action,
            "result": "ok" if e.ok else "FAILED",
            "seconds": f"{e.seconds:.1f}",
            "counts": ", ".join(f"{n} {k}" for k, n in e.counts.items()) or "nothing to do",
            "error": e.error or "",
        }
        for e in entries
    ]
    click.echo(
        text_table(
            rows,
            [
                ("started", "STARTED"),
                ("action", "ACTION"),
                ("result", "RESULT"),
                ("seconds", "SECONDS"),
                ("counts", "COUNTS"),
                ("error", "ERROR"),
            ],
        )
    )


def main(argv: list[str] | None = None) -> None:
    """Run the command line (the ``semine-plugins`` console script)."""
    cli.main(args=argv, prog_name="semine-plugins")
