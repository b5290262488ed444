"""The plugin contract: the hooks a plugin implements and the hooks observers hear.

A plugin is a module (or object) registered under the ``semine_plugins``
entry-point group; the entry-point name is the plugin's name, the value the
"Plugins" drop-down shows. It implements hooks with :data:`hookimpl`::

    # pyproject.toml
    [project.entry-points.semine_plugins]
    folder = "semine_folder_plugin"

    # semine_folder_plugin/__init__.py
    from semine_plugins import PluginInfo, hookimpl

    @hookimpl
    def plugin_info() -> PluginInfo:
        return PluginInfo(title="Folder Plugin", settings=FolderSettings)

Routing. There are two kinds of hook:

* **Integration hooks** (:func:`plugin_info`, :func:`configure`,
  :func:`test_connection`, :func:`send`, :func:`receive`) are called for one
  plugin only: the one an integration names. Pluggy calls *every*
  implementation of a hook, so the host calls these through
  ``PluginManager.subset_hook_caller`` with every other plugin removed. We chose
  this over a name-keyed dispatch table because it keeps pluggy's call
  machinery (hook wrappers, tracing, argument pruning, ``check_pending``) and
  makes the rule visible in one place (:meth:`PluginHost.call`). Each is
  ``firstresult``: the plugin's return value comes back as it is.
* **Broadcast hooks** (:func:`invoice_sent`, :func:`file_imported`,
  :func:`file_failed`, :func:`run_finished`) are called on every registered
  plugin, so an observer (audit trail, metrics, notifications) hears every
  integration without being one. Their return values are ignored; an
  observer that raises is logged and does not stop the run.

Implementations may accept fewer parameters than the spec names (pluggy passes
only those they ask for), so specs can grow without breaking plugins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from semine_plugins._context import IntegrationContext
    from semine_plugins._info import PluginInfo
    from semine_plugins.reports import ConnectionReport, FileOutcome, RunReport

__all__ = [
    "PROJECT_NAME",
    "configure",
    "file_failed",
    "file_imported",
    "hookimpl",
    "hookspec",
    "invoice_sent",
    "plugin_info",
    "receive",
    "register_commands",
    "run_finished",
    "send",
    "test_connection",
]

PROJECT_NAME = "semine_plugins"
"""The pluggy project name, and the entry-point group plugins register under."""

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
"""Marks the specifications in this module."""

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
"""Marks a plugin's implementation of a hook: ``@hookimpl``."""


# --------------------------------------------------------------------------
# Integration hooks: called for one plugin, the one the integration names.
# --------------------------------------------------------------------------


@hookspec(firstresult=True)
def plugin_info() -> PluginInfo:  # type: ignore[empty-body]
    """Describe the plugin: its title and its settings class.

    Called once when the plugin is loaded, before any integration uses it.
    Side effects: none allowed (no network, no files).

    Example::

        @attrs.frozen(kw_only=True)
        class FolderSettings:
            path: str = setting(label="Folder", required=True, description="Where the files are")


        @hookimpl
        def plugin_info() -> PluginInfo:
            return PluginInfo(
                title="Folder Plugin",
                settings=FolderSettings,
                description="Exchanges invoice files with a folder.",
            )

    :returns: a :class:`~semine_plugins.PluginInfo`. Its ``settings`` is an
        attrs class whose fields are declared with
        :func:`semine_plugins.setting`; the framework derives the JSON Schema,
        the settings table, the CLI prompts and validation from it.
    :raises Exception: any exception, or a return value that is not a
        ``PluginInfo``, or a settings field not declared with ``setting()``,
        marks the plugin broken: ``plugins list`` shows it with the error and
        the other plugins keep working.
    """


@hookspec(firstresult=True)
def configure(settings: Any, integration: str) -> Any:
    """Check an integration's settings beyond what the field types say.

    The framework has already converted every raw value to the field's type,
    resolved ``{env = ...}`` / ``{file = ...}`` references and applied defaults,
    reporting every field error at once. This hook adds the rules only the
    plugin knows (for example: the success folder may not be the main folder).
    Optional: without it the built settings are used as they are.
    Side effects: none allowed (no network, no files): ``configure`` runs for
    every command that uses an integration.

    Example::

        @hookimpl
        def configure(settings: FolderSettings, integration: str) -> FolderSettings:
            if settings.done_folder == settings.path:
                raise SettingsError(
                    f"invalid settings for integration {integration!r}",
                    [FieldError("done_folder", "Done folder must not be the Folder itself")],
                )
            return attrs.evolve(settings, path=settings.path.rstrip("/"))

    :param settings: an instance of the plugin's settings class.
    :param integration: the integration's name, for messages.
    :returns: the settings to use: the same instance, or a normalised copy
        (``attrs.evolve``). Returning ``None`` means "use them as they are".
    :raises semine_plugins.SettingsError: with one
        :class:`~semine_plugins.FieldError` per problem; all of them, not the
        first. The message says what to write instead. The host adds the
        configuration file and the integration to each field error.
    """


@hookspec(firstresult=True)
def test_connection(ctx: IntegrationContext) -> ConnectionReport:  # type: ignore[empty-body]
    """Run the "Test Connection" button: every check, in order.

    ``semine-plugins test-connection NAME`` calls it and prints each check;
    the command exits 1 when a check failed.
    Side effects: may create folders the settings name; must not read, move,
    import or upload any invoice. Probe files are removed even on failure.

    Example::

        @hookimpl
        def test_connection(ctx: IntegrationContext) -> ConnectionReport:
            folder = Path(ctx.settings.path)
            if folder.is_dir():
                check = Check(name="folder", title=f"Folder {folder}", status=CheckStatus.PASSED)
            else:
                check = Check(
                    name="folder",
                    title=f"Folder {folder}",
                    status=CheckStatus.FAILED,
                    detail="the folder does not exist",
                    hint="create it, or change Folder",
                )
            return ConnectionReport(checks=[check])

    :param ctx: the integration's context: its typed settings, a SEMINE client,
        a state folder, a logger, the event emitter and the stop flag.
    :returns: a :class:`~semine_plugins.ConnectionReport` whose checks each say
        passed, failed, warning or skipped, with the time taken and, on
        failure, what to do.
    :raises Exception: never for an unreachable or misconfigured target: that
        is a failed check. Raising is reserved for bugs; the host turns any
        exception other than a :class:`~semine_plugins.SeminePluginsError`
        into a failed check naming the plugin. Returning anything but a
        ``ConnectionReport`` is a :class:`~semine_plugins.PluginError`.
    """


@hookspec(firstresult=True)
def send(ctx: IntegrationContext) -> RunReport:  # type: ignore[empty-body]
    """Export invoices from SEMINE to the outside system, once.

    Each invoice in status ``Posting`` is delivered, then confirmed ``Posted``;
    one that cannot be delivered is marked ``PostingError`` with a message a
    person understands. Announce each outcome with ``ctx.events.outcome(...)``
    (observers hear :func:`invoice_sent` and :func:`file_failed`), and check
    ``ctx.stop`` between invoices. ``semine-plugins send NAME`` calls it; the
    host announces :func:`run_finished` afterwards.
    Side effects: writes to the outside system; changes invoice statuses.

    Example::

        @hookimpl
        def send(ctx: IntegrationContext) -> RunReport:
            started = datetime.now(UTC)
            outcomes = []
            for summary in ctx.semine.iter_invoices("Posting"):
                if ctx.stop.is_set():
                    break
                xml = to_ubl(ctx.semine.get_invoice(summary.id)).to_xml()
                (Path(ctx.settings.path) / f"{summary.id}.xml").write_bytes(xml)
                ctx.semine.set_status(summary.id, "Posted")
                outcome = FileOutcome(
                    outcome=Outcome.SENT, name=f"{summary.id}.xml", invoice_id=str(summary.id)
                )
                ctx.events.outcome(outcome)
                outcomes.append(outcome)
            return RunReport.build(
                integration=ctx.integration, action="send", outcomes=outcomes, started=started
            )

    :param ctx: the integration's context (see :func:`test_connection`).
    :returns: a :class:`~semine_plugins.RunReport` with one outcome per invoice.
    :raises semine_plugins.SemineError: when SEMINE itself cannot be reached or
        refuses the credentials (nothing was sent).
    :raises semine_plugins.TransferError: when the outside system cannot be
        reached at all (nothing was sent).
    """


@hookspec(firstresult=True)
def receive(ctx: IntegrationContext) -> RunReport:  # type: ignore[empty-body]
    """Import invoices from the outside system into SEMINE, once.

    A file leaves its source only after SEMINE confirmed the import; imports
    carry an idempotency key (derived from the bytes), so a retry never
    creates a second invoice. Announce each outcome with
    ``ctx.events.outcome(...)`` (observers hear :func:`file_imported` and
    :func:`file_failed`) and check ``ctx.stop`` between files.
    ``semine-plugins receive NAME`` calls it; the host announces
    :func:`run_finished` afterwards.
    Side effects: imports into SEMINE; moves or deletes processed files.

    Example::

        @hookimpl
        def receive(ctx: IntegrationContext) -> RunReport:
            started = datetime.now(UTC)
            outcomes = []
            for path in sorted(Path(ctx.settings.path).glob("*.xml")):
                if ctx.stop.is_set():
                    break
                data = path.read_bytes()
                key = hashlib.sha256(data).hexdigest()
                try:
                    result = ctx.semine.import_document(data, idempotency_key=key)
                except RejectedError as exc:
                    outcome = FileOutcome(outcome=Outcome.FAILED, name=path.name, reason=str(exc))
                else:
                    path.unlink()
                    kind = Outcome.IMPORTED if result.created else Outcome.DUPLICATE
                    outcome = FileOutcome(outcome=kind, name=path.name, invoice_id=str(result.id))
                ctx.events.outcome(outcome)
                outcomes.append(outcome)
            return RunReport.build(
                integration=ctx.integration, action="receive", outcomes=outcomes, started=started
            )

    :param ctx: the integration's context (see :func:`test_connection`).
    :returns: a :class:`~semine_plugins.RunReport` with one outcome per file.
    :raises semine_plugins.SemineError: when SEMINE cannot be reached or refuses
        the credentials before any file was imported.
    :raises semine_plugins.TransferError: when the outside system cannot be
        reached at all.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``semine-plugins`` command line.

    Called for every working plugin when the command line is asked for a
    command it does not have built in, so plugins' commands never slow down
    or break the built-in ones. Side effects: none besides adding commands.

    Example::

        @hookimpl
        def register_commands(cli: click.Group) -> None:
            @cli.command("folder-check", help="Check that PATH can hold invoice files.")
            @click.argument("path")
            def folder_check(path: str) -> None:
                click.echo(f"{path}: ok")

    :param cli: the top-level click group; add commands with
        ``cli.add_command(...)`` or the ``@cli.command()`` decorator.
    :returns: nothing; the return value is ignored.
    :raises Exception: an exception is logged with the plugin's name and the
        other plugins' commands still work.
    """


# --------------------------------------------------------------------------
# Broadcast hooks: every registered plugin hears every integration.
# --------------------------------------------------------------------------


@hookspec
def invoice_sent(integration: str, plugin: str, outcome: FileOutcome) -> None:
    """An invoice was delivered and confirmed ``Posted`` in SEMINE.

    Heard by every plugin, for every integration, when a plugin announces an
    ``Outcome.SENT`` with ``ctx.events.outcome(...)``.

    Example::

        @hookimpl
        def invoice_sent(integration: str, outcome: FileOutcome) -> None:
            logging.getLogger("audit").info("%s sent invoice %s", integration, outcome.invoice_id)

    :param integration: the integration's name.
    :param plugin: the plugin that delivered it.
    :param outcome: the invoice's outcome (``outcome.invoice_id``, ``outcome.path``).
    :returns: nothing; the return value is ignored.
    :raises Exception: an exception an observer raises is logged and ignored;
        the run and the other observers go on.
    """


@hookspec
def file_imported(integration: str, plugin: str, outcome: FileOutcome) -> None:
    """A file was imported into SEMINE (or recognised as already imported).

    Heard by every plugin, for every integration, when a plugin announces an
    ``Outcome.IMPORTED`` or ``Outcome.DUPLICATE``.

    Example::

        @hookimpl
        def file_imported(integration: str, outcome: FileOutcome) -> None:
            if outcome.outcome is Outcome.IMPORTED:
                IMPORTED_TOTAL.labels(integration).inc()  # a prometheus_client Counter

    :param integration: the integration's name.
    :param plugin: the plugin that imported it.
    :param outcome: ``Outcome.IMPORTED`` or ``Outcome.DUPLICATE``, with the
        SEMINE invoice id and where the file went.
    :returns: nothing; the return value is ignored.
    :raises Exception: an exception an observer raises is logged and ignored;
        the run and the other observers go on.
    """


@hookspec
def file_failed(integration: str, plugin: str, outcome: FileOutcome) -> None:
    """A file or invoice failed, permanently or for now.

    Heard by every plugin, for every integration, when a plugin announces an
    ``Outcome.FAILED`` or ``Outcome.RETRY``.

    Example::

        @hookimpl
        def file_failed(integration: str, plugin: str, outcome: FileOutcome) -> None:
            if outcome.outcome is Outcome.FAILED:
                # notify_operator: your own e-mail, chat or paging call
                notify_operator(f"{integration} ({plugin}): {outcome.name}: {outcome.reason}")

    :param integration: the integration's name.
    :param plugin: the plugin that handled it.
    :param outcome: ``Outcome.FAILED`` or ``Outcome.RETRY`` with the reason.
    :returns: nothing; the return value is ignored.
    :raises Exception: an exception an observer raises is logged and ignored;
        the run and the other observers go on.
    """


@hookspec
def run_finished(integration: str, plugin: str, report: RunReport) -> None:
    """A ``send`` or ``receive`` run finished.

    Heard by every plugin, for every integration, after the integration's
    plugin returned its report (not when the run raised).

    Example::

        @hookimpl
        def run_finished(report: RunReport) -> None:
            if not report.ok:
                notify_operator(report.summary())

    :param integration: the integration's name.
    :param plugin: the plugin that ran.
    :param report: the run's report, with counts and every outcome.
    :returns: nothing; the return value is ignored.
    :raises Exception: an exception an observer raises is logged and ignored;
        the other observers go on.
    """
