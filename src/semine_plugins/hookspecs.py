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

    :returns: a :class:`~semine_plugins.PluginInfo`. Its ``settings`` is an
        attrs class whose fields are declared with
        :func:`semine_plugins.setting`; the framework derives the JSON Schema,
        the settings table, the CLI prompts and validation from it.
    :raises Exception: any exception marks the plugin broken; it is reported
        by name in ``plugins list`` and the other plugins keep working.
    Side effects: none allowed (no network, no files).
    """


@hookspec(firstresult=True)
def configure(settings: Any, integration: str) -> Any:
    """Check an integration's settings beyond what the field types say.

    The framework has already converted every raw value to the field's type,
    resolved ``{env = ...}`` / ``{file = ...}`` references and applied defaults,
    reporting every field error at once. This hook adds the rules only the
    plugin knows (for example: the success folder may not be the main folder).

    :param settings: an instance of the plugin's settings class.
    :param integration: the integration's name, for messages.
    :returns: the settings to use: the same instance, or a normalised copy
        (``attrs.evolve``). Returning ``None`` means "use them as they are".
    :raises semine_plugins.SettingsError: with one
        :class:`~semine_plugins.FieldError` per problem; all of them, not the
        first. The message says what to write instead.
    Side effects: none allowed (no network, no files): ``configure`` runs for
    every command, including ``integrations list``.
    """


@hookspec(firstresult=True)
def test_connection(ctx: IntegrationContext) -> ConnectionReport:  # type: ignore[empty-body]
    """Run the "Test Connection" button: every check, in order.

    :param ctx: the integration's context: its typed settings, a SEMINE client,
        a state folder, a logger, the event emitter and the stop flag.
    :returns: a :class:`~semine_plugins.ConnectionReport` whose checks each say
        passed, failed, warning or skipped, with the time taken and, on
        failure, what to do.
    :raises: nothing for an unreachable or misconfigured target: that is a
        failed check. Raising is reserved for bugs; the host turns an
        exception into a failed report naming the plugin.
    Side effects: may create folders the settings name; must not read, move,
    import or upload any invoice. Probe files are removed even on failure.
    """


@hookspec(firstresult=True)
def send(ctx: IntegrationContext) -> RunReport:  # type: ignore[empty-body]
    """Export invoices from SEMINE to the outside system, once.

    Each invoice in status ``Posting`` is delivered, then confirmed ``Posted``;
    one that cannot be delivered is marked ``PostingError`` with a message a
    person understands. Call :meth:`IntegrationContext.events` methods as
    invoices are sent, and check ``ctx.stop`` between invoices.

    :param ctx: the integration's context.
    :returns: a :class:`~semine_plugins.RunReport` with one outcome per invoice.
    :raises semine_plugins.SemineError: when SEMINE itself cannot be reached or
        refuses the credentials (nothing was sent).
    :raises semine_plugins.TransferError: when the outside system cannot be
        reached at all (nothing was sent).
    Side effects: writes to the outside system; changes invoice statuses.
    """


@hookspec(firstresult=True)
def receive(ctx: IntegrationContext) -> RunReport:  # type: ignore[empty-body]
    """Import invoices from the outside system into SEMINE, once.

    A file leaves its source only after SEMINE confirmed the import; imports
    carry an idempotency key, so a retry never creates a second invoice.

    :param ctx: the integration's context.
    :returns: a :class:`~semine_plugins.RunReport` with one outcome per file.
    :raises semine_plugins.SemineError: when SEMINE cannot be reached or refuses
        the credentials before any file was imported.
    :raises semine_plugins.TransferError: when the outside system cannot be
        reached at all.
    Side effects: imports into SEMINE; moves or deletes processed files.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``semine-plugins`` command line.

    :param cli: the top-level click group; call ``cli.add_command(...)``.
    Side effects: none besides adding commands. Called for every enabled plugin.
    """


# --------------------------------------------------------------------------
# Broadcast hooks: every registered plugin hears every integration.
# --------------------------------------------------------------------------


@hookspec
def invoice_sent(integration: str, plugin: str, outcome: FileOutcome) -> None:
    """An invoice was delivered and confirmed ``Posted`` in SEMINE.

    :param integration: the integration's name.
    :param plugin: the plugin that delivered it.
    :param outcome: the invoice's outcome (``outcome.invoice_id``, ``outcome.path``).
    Errors an observer raises are logged and ignored.
    """


@hookspec
def file_imported(integration: str, plugin: str, outcome: FileOutcome) -> None:
    """A file was imported into SEMINE (or recognised as already imported).

    :param integration: the integration's name.
    :param plugin: the plugin that imported it.
    :param outcome: ``Outcome.IMPORTED`` or ``Outcome.DUPLICATE``, with the
        SEMINE invoice id and where the file went.
    Errors an observer raises are logged and ignored.
    """


@hookspec
def file_failed(integration: str, plugin: str, outcome: FileOutcome) -> None:
    """A file or invoice failed, permanently or for now.

    :param integration: the integration's name.
    :param plugin: the plugin that handled it.
    :param outcome: ``Outcome.FAILED`` or ``Outcome.RETRY`` with the reason.
    Errors an observer raises are logged and ignored.
    """


@hookspec
def run_finished(integration: str, plugin: str, report: RunReport) -> None:
    """A ``send`` or ``receive`` run finished.

    :param integration: the integration's name.
    :param plugin: the plugin that ran.
    :param report: the run's report, with counts and every outcome.
    Errors an observer raises are logged and ignored.
    """
