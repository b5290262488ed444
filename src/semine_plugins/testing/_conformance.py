"""The conformance suite: the contract every plugin keeps, as tests a plugin's suite inherits.

A plugin's test-suite subclasses :class:`PluginConformance`, names its plugin
and provides one fixture, ``conformance``, returning a :class:`ConformanceSetup`
(good settings, a way to put an inbound file and to read outbound files). The
tests run the installed plugin through the real host and runner against the
SEMINE sandbox, and each failure says what to fix.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, NoReturn

import attrs
import pytest

from semine_plugins import hookspecs
from semine_plugins._info import PluginInfo
from semine_plugins._manager import PluginHost, get_plugin_host
from semine_plugins.errors import PluginError, SettingsError
from semine_plugins.reports import (
    Check,
    CheckStatus,
    ConnectionReport,
    FileOutcome,
    Outcome,
    RunReport,
)
from semine_plugins.settings import Secret, SettingField, json_schema, setting_fields
from semine_plugins.testing._sandbox import SemineSandbox
from semine_plugins.testing._world import IntegrationWorld

__all__ = ["ConformanceSetup", "PluginConformance"]

_SECRET_NAME = re.compile(
    r"(^|_)(password|passwd|pwd|secret|token|passphrase|apikey|api_key|credentials?)($|_)"
)
_NOT_A_SECRET_SUFFIX = ("_file", "_path", "_env", "_name", "_id")
_NEED_REASON = frozenset({Outcome.FAILED, Outcome.RETRY, Outcome.SKIPPED, Outcome.WARNING})
_OBSERVER = "conformance-observer"


@attrs.frozen(kw_only=True)
class ConformanceSetup:
    """What the conformance suite needs to know to exercise a plugin.

    :ivar settings: raw settings (as in the configuration file's ``settings``
        table) that work: Test Connection passes with them, and receive and
        send reach the target.
    :ivar unreachable: changes to ``settings`` that point at a target that
        cannot be reached (a closed port, a folder that does not exist).
    :ivar put_inbound: ``put_inbound(name, data)`` leaves a file where
        ``receive`` picks it up. Needed when the plugin receives.
    :ivar outbound: ``outbound()`` returns the files ``send`` delivered so far,
        name → bytes. Needed when the plugin sends.
    :ivar invalid: changes to ``settings`` that ``configure`` must refuse with a
        :class:`~semine_plugins.SettingsError` naming at least one changed key.
        Needed when the plugin implements ``configure``.
    """

    settings: Mapping[str, Any]
    unreachable: Mapping[str, Any]
    put_inbound: Callable[[str, bytes], object] | None = None
    outbound: Callable[[], Mapping[str, bytes]] | None = None
    invalid: Sequence[Mapping[str, Any]] = ()


class _Observer:
    """A plugin that only listens: records what the broadcast hooks announce."""

    def __init__(self) -> None:
        self.heard: list[tuple[str, str, FileOutcome]] = []

    @hookspecs.hookimpl
    def plugin_info(self) -> PluginInfo:
        return PluginInfo(title="Conformance observer", settings=_NoSettings, directions=())

    @hookspecs.hookimpl
    def file_imported(self, plugin: str, outcome: FileOutcome) -> None:
        self.heard.append(("file_imported", plugin, outcome))

    @hookspecs.hookimpl
    def invoice_sent(self, plugin: str, outcome: FileOutcome) -> None:
        self.heard.append(("invoice_sent", plugin, outcome))


@attrs.frozen
class _NoSettings:
    pass


def _fail(summary: str, problems: Sequence[str]) -> NoReturn:
    lines = "\n".join(f"  - {p}" for p in problems)
    # Raised "from None": an exception being handled is part of the message already.
    raise pytest.fail.Exception(
        f"{summary}\n{lines}" if problems else summary, pytrace=False
    ) from None


def _looks_secret(name: str) -> bool:
    return bool(_SECRET_NAME.search(name)) and not name.endswith(_NOT_A_SECRET_SUFFIX)


def _unwrap(tp: Any) -> Any:
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    return args[0] if len(args) == 1 and type(None) in typing.get_args(tp) else tp


class PluginConformance:
    """Inherit these tests to check a plugin keeps the contract of ``semine_plugins``.

    ::

        from semine_plugins.testing import ConformanceSetup, PluginConformance

        class TestConformance(PluginConformance):
            plugin_name = "folder"

            @pytest.fixture
            def conformance(self, tmp_path):
                return ConformanceSetup(
                    settings={"inbox": str(tmp_path / "in"), "outbox": str(tmp_path / "out")},
                    unreachable={"inbox": str(tmp_path / "not-mounted")},
                    put_inbound=lambda name, data: (tmp_path / "in" / name).write_bytes(data),
                    outbound=lambda: {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()},
                    invalid=[{"outbox": str(tmp_path / "in")}],
                )

    The plugin must be installed (its entry point registered), as users get
    it; set :attr:`plugin_object` to test a module or object not installed.
    Tests for a direction the plugin does not offer (``PluginInfo.directions``)
    are skipped.

    :cvar plugin_name: the plugin's entry-point name.
    :cvar plugin_object: a plugin registered under ``plugin_name`` instead of
        the installed one (``None``: the installed one).
    :cvar integration_name: the Integration Name the tests use.
    """

    plugin_name: ClassVar[str] = ""
    plugin_object: ClassVar[object | None] = None
    integration_name: ClassVar[str] = "conformance"

    # ------------------------------------------------------------------ fixtures

    @pytest.fixture
    def conformance(self) -> ConformanceSetup:
        """Override: return the :class:`ConformanceSetup` for your plugin."""
        _fail(
            f"{type(self).__name__} needs a fixture named `conformance` returning "
            "semine_plugins.testing.ConformanceSetup(settings=..., unreachable=..., ...)",
            [],
        )

    @pytest.fixture
    def conformance_observer(self) -> _Observer:
        """A listening plugin registered next to the one under test."""
        return _Observer()

    @pytest.fixture
    def conformance_host(self, conformance_observer: _Observer) -> PluginHost:
        """A fresh host: the installed plugins, plus the observer (switches ignored)."""
        if not self.plugin_name:
            _fail(
                f"{type(self).__name__}.plugin_name is not set: set it to the entry-point name", []
            )
        plugins: dict[str, object] = {_OBSERVER: conformance_observer}
        if self.plugin_object is not None:
            plugins[self.plugin_name] = self.plugin_object
        return get_plugin_host(plugins=plugins, env={})

    @pytest.fixture
    def conformance_world(
        self,
        tmp_path: Path,
        semine_sandbox: SemineSandbox,
        conformance_host: PluginHost,
        conformance: ConformanceSetup,
    ) -> IntegrationWorld:
        """The integration under test, on the sandbox, with the good settings."""
        return IntegrationWorld(
            tmp_path / "conformance",
            semine_sandbox,
            plugin=self.plugin_name,
            settings=conformance.settings,
            name=self.integration_name,
            host=conformance_host,
        )

    # ------------------------------------------------------------------ helpers

    def _info(self, host: PluginHost) -> PluginInfo:
        records = {r.name: r for r in host.records()}
        record = records.get(self.plugin_name)
        if record is None:
            _fail(
                f"no plugin named {self.plugin_name!r} is installed",
                [
                    "register it in pyproject.toml: [project.entry-points.semine_plugins] "
                    f'{self.plugin_name} = "your_package"',
                    "then install the distribution into the test environment (pip install -e .)",
                    f"installed: {', '.join(n for n in records if n != _OBSERVER) or 'none'}",
                ],
            )
        if record.error is not None or record.info is None:
            said = (record.error or "").replace("\n", "\n    ")  # pluggy's lines, indented
            hints = [f"the host says: {said}"]
            if "invalid hook implementations" in (record.error or ""):
                hints.append(
                    "a hook implementation may take only parameters its hookspec names "
                    "(see semine_plugins.hookspecs); remove or rename the others"
                )
            if "match no hookspec" in (record.error or ""):
                hints.append("rename the function to the hook's name, or remove @hookimpl")
            if "not declared with semine_plugins.setting" in (record.error or ""):
                hints.append("declare every settings field with semine_plugins.setting(label=...)")
            _fail(f"plugin {self.plugin_name!r} is installed but broken", hints)
        return record.info

    def _offered(
        self, world: IntegrationWorld, conformance: ConformanceSetup, direction: str
    ) -> Callable[..., Any]:
        """Skip unless the plugin offers ``direction``; return the fixture's hook for it.

        ``put_inbound`` for receive, ``outbound`` for send.
        """
        if direction not in self._info(world.host).directions:
            pytest.skip(f"plugin {self.plugin_name!r} does not {direction} (PluginInfo.directions)")
        what = "put_inbound" if direction == "receive" else "outbound"
        hook: Callable[..., Any] | None = getattr(conformance, what)
        if hook is None:
            _fail(
                f"the plugin offers {direction} but the `conformance` fixture gives no {what}",
                [f"add ConformanceSetup({what}=...)"],
            )
        return hook

    def _implemented(self, host: PluginHost) -> set[str]:
        plugin = host.pm.get_plugin(self.plugin_name)
        return {c.name for c in host.pm.get_hookcallers(plugin) or []}

    def _check(self, world: IntegrationWorld, situation: str) -> ConnectionReport:
        """Call test_connection as the host does, but let nothing hide an exception."""
        ctx = world.context()
        try:
            report = world.host.call(self.plugin_name, "test_connection", ctx=ctx)
        except Exception as exc:
            _fail(
                f"test_connection raised {type(exc).__name__} {situation}: {exc}",
                [
                    "test_connection must not raise for a target it cannot reach or use: "
                    "catch the error and return a ConnectionReport whose check is "
                    "CheckStatus.FAILED, with the error as detail and what to do as hint",
                ],
            )
        finally:
            ctx.close()
        problems: list[str] = []
        if not isinstance(report, ConnectionReport):
            _fail(
                f"test_connection returned {type(report).__name__} {situation}",
                ["return semine_plugins.ConnectionReport(checks=[Check(...), ...])"],
            )
        if not report.checks:
            problems.append("the report has no checks: add one Check per step you test")
        names = [c.name for c in report.checks]
        if len(set(names)) != len(names):
            problems.append(f"check names repeat ({names}); give each check its own name")
        checks: list[Any] = list(report.checks)  # whatever the plugin put there
        for c in checks:
            if not isinstance(c, Check) or not isinstance(c.status, CheckStatus):
                problems.append(f"{c!r} is not a semine_plugins.Check with a CheckStatus")
                continue
            if not c.name or not c.title:
                problems.append(f"check {c.name!r} needs a name and a title (what was checked)")
            if c.status is CheckStatus.FAILED and not (c.detail and c.hint):
                problems.append(
                    f"failed check {c.name!r} needs a detail (what was found) and a hint "
                    "(what the user should do about it)"
                )
        if problems:
            _fail(f"test_connection's report {situation} is incomplete", problems)
        return report

    def _run(self, world: IntegrationWorld, action: str) -> RunReport:
        """Run send or receive through the runner; check the report is a proper one."""
        try:
            report = world.send() if action == "send" else world.receive()
        except PluginError as exc:
            _fail(
                f"{action} did not return a RunReport: {exc}",
                [
                    f"return RunReport.build(integration=ctx.integration, action={action!r}, "
                    "outcomes=[FileOutcome(...), ...], started=...)"
                ],
            )
        except Exception as exc:
            _fail(
                f"{action} raised {type(exc).__name__}: {exc}",
                [
                    "a file or invoice that fails is an outcome (Outcome.FAILED or "
                    "Outcome.RETRY with a reason), not an exception",
                    "raise only semine_plugins.SemineError or TransferError, and only when "
                    "nothing could be done at all",
                ],
            )
        problems: list[str] = []
        if report.action != action:
            problems.append(f"report.action is {report.action!r}, not {action!r}")
        if report.integration != world.name:
            problems.append(
                f"report.integration is {report.integration!r}; use ctx.integration "
                f"({world.name!r})"
            )
        if report.finished < report.started:
            problems.append("report.finished is before report.started")
        outcomes: list[Any] = list(report.outcomes)  # whatever the plugin put there
        for o in outcomes:
            if not isinstance(o, FileOutcome) or not isinstance(o.outcome, Outcome):
                problems.append(f"{o!r} is not a semine_plugins.FileOutcome with an Outcome")
                continue
            if not o.name:
                problems.append(f"an outcome has no name: {o!r}")
            if o.outcome in _NEED_REASON and not o.reason:
                problems.append(f"the {o.outcome} outcome for {o.name!r} needs a reason")
            if o.outcome in (Outcome.SENT, Outcome.IMPORTED) and not o.invoice_id:
                problems.append(
                    f"the {o.outcome} outcome for {o.name!r} needs the SEMINE invoice_id"
                )
        if problems:
            _fail(f"{action} returned an improper RunReport", problems)
        return report

    # ------------------------------------------------------------------ the plugin

    def test_plugin_loads_and_describes_itself(self, conformance_host: PluginHost) -> None:
        """It loads through its entry point and says what it is."""
        info = self._info(conformance_host)
        problems = []
        if not info.title.strip():
            problems.append('PluginInfo.title is empty: give the name people see ("Folder Plugin")')
        if not info.description.strip():
            problems.append("PluginInfo.description is empty: say in a sentence what it does")
        unknown = set(info.directions) - {"send", "receive"}
        if unknown:
            problems.append(
                f"PluginInfo.directions has {sorted(unknown)}; use 'send' and/or 'receive'"
            )
        if problems:
            _fail(f"plugin {self.plugin_name!r} does not describe itself fully", problems)

    def test_hooks_match_the_hookspecs(self, conformance_host: PluginHost) -> None:
        """Every hook its directions need is implemented, with a compatible signature."""
        info = self._info(conformance_host)
        conformance_host.check_pending()  # pluggy: no implementation without a spec
        implemented = self._implemented(conformance_host)
        needed = ["plugin_info", "test_connection", *info.directions]
        problems = [
            f"the {hook!r} hook is not implemented: add `@hookimpl def {hook}(ctx): ...`"
            + (" or remove it from PluginInfo.directions" if hook in ("send", "receive") else "")
            for hook in needed
            if hook not in implemented
        ]
        plugin = conformance_host.pm.get_plugin(self.plugin_name)
        for caller in conformance_host.pm.get_hookcallers(plugin) or []:
            spec = caller.spec
            for impl in caller.get_hookimpls():
                if impl.plugin is not plugin or spec is None:
                    continue
                extra = set(impl.argnames) - set(spec.argnames)
                if extra:
                    problems.append(
                        f"{caller.name} takes {sorted(extra)}, which the hookspec does not pass"
                    )
                if impl.hookwrapper or impl.wrapper:
                    problems.append(f"{caller.name} is a hook wrapper; implement the hook itself")
        if problems:
            _fail(f"plugin {self.plugin_name!r} does not implement the hooks it needs", problems)

    def test_settings_schema_is_complete(self, conformance_host: PluginHost) -> None:
        """Every field has a label and a description; secrets are marked and typed Secret."""
        info = self._info(conformance_host)
        cls = info.settings
        fields = setting_fields(cls)
        names = {f.name for f in fields}
        problems: list[str] = []
        for f in fields:
            problems.extend(self._field_problems(cls, f, names))
        try:
            json.dumps(json_schema(cls))
        except (TypeError, ValueError) as exc:
            problems.append(f"the JSON Schema cannot be derived: {exc}")
        if problems:
            _fail(f"the settings of plugin {self.plugin_name!r} are incomplete", problems)

    @staticmethod
    def _field_problems(owner: type[Any], f: SettingField, names: set[str]) -> list[str]:
        where = f"{owner.__qualname__}.{f.name}"
        problems = []
        if not f.label.strip():
            problems.append(f"{where} has no label: setting(label='...')")
        if not f.description.strip():
            problems.append(
                f"{where} has no description: setting(description='...') says what it is for"
            )
        typed_secret = _unwrap(f.type) is Secret
        if _looks_secret(f.name) and not f.secret:
            problems.append(
                f"{where} looks like a secret (its name) but is not marked: "
                "declare it with setting(..., secret=True) and type it Secret"
            )
        if f.secret and not typed_secret:
            problems.append(
                f"{where} is marked secret but typed {f.type!r}: type it "
                "semine_plugins.Secret (or Secret | None) so its value never shows"
            )
        if typed_secret and not f.secret:
            problems.append(f"{where} is typed Secret but not marked: add secret=True")
        if f.required_unless is not None and f.required_unless not in names:
            problems.append(f"{where}: required_unless names no field ({f.required_unless!r})")
        if f.has_default and isinstance(f.default, int | float) and not isinstance(f.default, bool):
            if f.minimum is not None and f.default < f.minimum:
                problems.append(f"{where}: the default {f.default} is below the minimum")
            if f.maximum is not None and f.default > f.maximum:
                problems.append(f"{where}: the default {f.default} is above the maximum")
        return problems

    # ------------------------------------------------------------------ configure

    def test_configure_accepts_the_good_settings(
        self, conformance_host: PluginHost, conformance: ConformanceSetup
    ) -> None:
        """The settings from the ``conformance`` fixture are accepted."""
        info = self._info(conformance_host)
        try:
            settings = conformance_host.configure(
                self.plugin_name, conformance.settings, integration=self.integration_name
            )
        except SettingsError as exc:
            _fail(
                "configure refused the good settings of the `conformance` fixture",
                [str(e) for e in exc.errors] or [str(exc)],
            )
        except Exception as exc:
            _fail(
                f"configure raised {type(exc).__name__}: {exc}",
                ["configure returns the settings (or None), or raises SettingsError"],
            )
        if not isinstance(settings, info.settings):
            _fail(
                f"configure returned {type(settings).__name__}, not {info.settings.__name__}",
                ["return the settings given, a copy (attrs.evolve), or None"],
            )

    def test_configure_rejects_bad_settings_with_field_errors(
        self, conformance_host: PluginHost, conformance: ConformanceSetup
    ) -> None:
        """Missing and invalid settings are refused with one FieldError per problem."""
        info = self._info(conformance_host)
        fields = setting_fields(info.settings)
        mandatory = {
            f.name for f in fields if f.required and not f.has_default and not f.required_unless
        }
        cases: list[tuple[str, Mapping[str, Any], set[str]]] = [
            ("no settings at all", {}, mandatory)
        ]
        cases += [
            (f"the good settings with {dict(bad)!r}", {**conformance.settings, **bad}, set(bad))
            for bad in conformance.invalid
        ]
        problems: list[str] = []
        if "configure" in self._implemented(conformance_host) and not conformance.invalid:
            problems.append(
                "the plugin implements configure but the `conformance` fixture gives no "
                "invalid settings: add ConformanceSetup(invalid=[{...}]) with settings "
                "configure must refuse"
            )
        for label, raw, expected in cases:
            try:
                conformance_host.configure(self.plugin_name, raw, integration=self.integration_name)
            except SettingsError as exc:
                named = {e.field for e in exc.errors}
                if not exc.errors or any(not e.message.strip() for e in exc.errors):
                    problems.append(
                        f"{label}: SettingsError needs one FieldError(field=..., message=...) "
                        "per problem"
                    )
                elif expected and not named & expected:
                    problems.append(
                        f"{label}: the errors name {sorted(named)}, none of {sorted(expected)}; "
                        "name the field that is wrong in FieldError(field=...)"
                    )
            except Exception as exc:
                problems.append(
                    f"{label}: configure raised {type(exc).__name__} ({exc}); raise "
                    "semine_plugins.SettingsError with one FieldError per problem instead, so "
                    "the user sees every problem with the field it belongs to"
                )
            else:
                problems.append(
                    f"{label}: configure accepted them; refuse them with "
                    "SettingsError(summary, [FieldError(field=..., message=...)])"
                )
        if problems:
            _fail("configure does not reject bad settings properly", problems)

    # ------------------------------------------------------------------ test_connection

    def test_connection_passes_with_good_settings(
        self, conformance_world: IntegrationWorld
    ) -> None:
        """With the good settings every check passes."""
        report = self._check(conformance_world, "with the good settings")
        failed = [c for c in report.checks if c.status is CheckStatus.FAILED]
        if failed:
            _fail(
                "test_connection failed with the good settings of the `conformance` fixture",
                [f"{c.name}: {c.detail} (hint: {c.hint})" for c in failed],
            )

    def test_connection_moves_no_invoice(
        self, conformance_world: IntegrationWorld, conformance: ConformanceSetup
    ) -> None:
        """Test Connection reads, moves, imports and delivers nothing."""
        sandbox = conformance_world.sandbox
        invoice = sandbox.seed(invoiceNumber="CONF-T1")
        if conformance.put_inbound is not None:
            conformance.put_inbound("conformance-t.xml", sandbox.document("CONF-T2"))
        before = dict(conformance.outbound()) if conformance.outbound is not None else {}
        self._check(conformance_world, "with an invoice waiting in each direction")
        problems = []
        if sandbox.imports():
            problems.append("it imported a file into SEMINE")
        if sandbox.status(invoice) != "Posting":
            problems.append(f"it changed a Posting invoice to {sandbox.status(invoice)!r}")
        if conformance.outbound is not None and dict(conformance.outbound()) != before:
            problems.append("it delivered (or changed) outbound files")
        if problems:
            _fail(
                "test_connection must only check: no invoice may be read, moved, imported "
                "or delivered (probe files it writes must be removed)",
                problems,
            )

    def test_connection_reports_an_unreachable_target(
        self, conformance_world: IntegrationWorld, conformance: ConformanceSetup
    ) -> None:
        """An unreachable target is a failed check, not an exception."""
        conformance_world.configure(**conformance.unreachable)
        report = self._check(conformance_world, "for an unreachable target")
        if report.ok:
            _fail(
                "test_connection passed although the target cannot be reached "
                f"(settings changed: {dict(conformance.unreachable)!r})",
                ["check that the target answers, and report CheckStatus.FAILED when it does not"],
            )

    def test_connection_reports_refused_semine_credentials(
        self, conformance_world: IntegrationWorld
    ) -> None:
        """A wrong Semine Password is a failed check, not an exception."""
        conformance_world.semine["semine_password"] = "not-the-password-0"  # noqa: S105
        report = self._check(conformance_world, "for a wrong Semine Password")
        if report.ok:
            _fail(
                "test_connection passed although SEMINE refuses the credentials",
                ["add a check that logs in to SEMINE: ctx.semine.authenticate()"],
            )

    # ------------------------------------------------------------------ receive

    def test_receive_imports_and_returns_a_run_report(
        self,
        conformance_world: IntegrationWorld,
        conformance: ConformanceSetup,
        conformance_observer: _Observer,
    ) -> None:
        """A file put inbound becomes one invoice in SEMINE, reported and announced."""
        put = self._offered(conformance_world, conformance, "receive")
        sandbox = conformance_world.sandbox
        put("conformance-1.xml", sandbox.document("CONF-1"))
        report = self._run(conformance_world, "receive")
        imported = [o for o in report.outcomes if o.outcome is Outcome.IMPORTED]
        problems = []
        if len(sandbox.created()) != 1 or len(imported) != 1:
            _fail(
                f"receive should import the one inbound file: SEMINE created "
                f"{len(sandbox.created())} invoice(s), the report says {report.summary()!r}",
                ["import each inbound file with ctx.semine.import_document(...)"],
            )
        ids = {str(i["id"]) for i in sandbox.received()}
        if imported[0].invoice_id not in ids:
            problems.append(
                f"the imported outcome's invoice_id {imported[0].invoice_id!r} is not the id "
                f"SEMINE gave ({sorted(ids)}): use ImportResult.id"
            )
        heard = [o for hook, _, o in conformance_observer.heard if hook == "file_imported"]
        if imported[0] not in heard:
            problems.append(
                "observers did not hear the import: call ctx.events.outcome(outcome) "
                "for every outcome"
            )
        if problems:
            _fail("receive's report is not right", problems)

    def test_receive_imports_nothing_twice(
        self, conformance_world: IntegrationWorld, conformance: ConformanceSetup
    ) -> None:
        """A second receive, and the same document dropped again, create no second invoice."""
        put = self._offered(conformance_world, conformance, "receive")
        sandbox = conformance_world.sandbox
        document = sandbox.document("CONF-2")
        put("conformance-2.xml", document)
        self._run(conformance_world, "receive")
        first = len(sandbox.created())
        problems = []
        second = self._run(conformance_world, "receive")
        if len(sandbox.created()) != first or any(
            o.outcome is Outcome.IMPORTED for o in second.outcomes
        ):
            problems.append(
                "a second receive imported again: take a file out of the inbound place (or "
                "remember it in ctx.state_dir) once SEMINE confirmed its import"
            )
        put("conformance-2-again.xml", document)
        self._run(conformance_world, "receive")
        if len(sandbox.created()) != first:
            problems.append(
                "the same document under another name became a second invoice: import with "
                "an idempotency key derived from the content (e.g. its SHA-256)"
            )
        if problems:
            _fail("receive imports the same invoice twice", problems)

    # ------------------------------------------------------------------ send

    def test_send_delivers_and_returns_a_run_report(
        self,
        conformance_world: IntegrationWorld,
        conformance: ConformanceSetup,
        conformance_observer: _Observer,
    ) -> None:
        """A Posting invoice is delivered, confirmed Posted, reported and announced."""
        outbound = self._offered(conformance_world, conformance, "send")
        sandbox = conformance_world.sandbox
        before = dict(outbound())
        invoice = sandbox.seed(invoiceNumber="CONF-S1")
        report = self._run(conformance_world, "send")
        sent = [o for o in report.outcomes if o.outcome is Outcome.SENT]
        problems = []
        if [o.invoice_id for o in sent] != [str(invoice)]:
            problems.append(
                f"the report should have one sent outcome for invoice {invoice}; it says "
                f"{report.summary()!r}"
            )
        if sandbox.status(invoice) != "Posted":
            problems.append(
                f"invoice {invoice} is {sandbox.status(invoice)!r} in SEMINE: confirm a "
                "delivered invoice with ctx.semine.set_status(id, 'Posted')"
            )
        after = dict(outbound())
        if not {k: v for k, v in after.items() if before.get(k) != v}:
            problems.append("no file was delivered: outbound() shows no new or changed file")
        heard = [o for hook, _, o in conformance_observer.heard if hook == "invoice_sent"]
        if sent and sent[0] not in heard:
            problems.append(
                "observers did not hear the send: call ctx.events.outcome(outcome) "
                "for every outcome"
            )
        if problems:
            _fail("send did not deliver properly", problems)

    def test_second_send_sends_nothing_and_receive_takes_nothing_back(
        self, conformance_world: IntegrationWorld, conformance: ConformanceSetup
    ) -> None:
        """What was sent is not sent again, nor imported back by receive."""
        outbound = self._offered(conformance_world, conformance, "send")
        sandbox = conformance_world.sandbox
        sandbox.seed(invoiceNumber="CONF-S2")
        self._run(conformance_world, "send")
        delivered = dict(outbound())
        problems = []
        again = self._run(conformance_world, "send")
        if any(o.outcome is Outcome.SENT for o in again.outcomes) or dict(outbound()) != delivered:
            problems.append("a second send delivered again: send only invoices in status Posting")
        if "receive" in self._info(conformance_world.host).directions:
            self._run(conformance_world, "receive")
            if sandbox.created():
                problems.append(
                    "receive imported a file send had delivered: keep outbound files out of "
                    "receive's way (another folder, or remember them in ctx.state_dir)"
                )
        if problems:
            _fail("send is not idempotent", problems)

    # ------------------------------------------------------------------ stopping

    def test_runs_stop_when_asked(
        self, conformance_world: IntegrationWorld, conformance: ConformanceSetup
    ) -> None:
        """With the stop flag set (SIGINT/SIGTERM) before a run, it takes no new work."""
        info = self._info(conformance_world.host)
        sandbox = conformance_world.sandbox
        problems = []
        runner = conformance_world.runner()
        runner.stop.set()
        if "receive" in info.directions and conformance.put_inbound is not None:
            conformance.put_inbound("conformance-stop.xml", sandbox.document("CONF-STOP"))
            problems += _attempt("receive", runner.receive, conformance_world.name)
            if sandbox.created():
                problems.append("receive imported a file although ctx.stop was set")
        if "send" in info.directions:
            invoice = sandbox.seed(invoiceNumber="CONF-STOP-S")
            problems += _attempt("send", runner.send, conformance_world.name)
            if sandbox.status(invoice) != "Posting":
                problems.append("send delivered an invoice although ctx.stop was set")
        if problems:
            _fail(
                "a run must check ctx.stop before each file or invoice and return when it "
                "is set (finishing only the one in hand)",
                problems,
            )

    # ------------------------------------------------------------------ secrets

    def test_no_secret_in_reprs_logs_or_reports(
        self,
        conformance_world: IntegrationWorld,
        conformance_host: PluginHost,
        conformance: ConformanceSetup,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """No secret value shows in a repr, a log record, a report, an error or the state."""
        caplog.set_level(logging.DEBUG)
        info = self._info(conformance_host)
        world = conformance_world
        secret_fields = {
            f.name for f in setting_fields(info.settings) if f.secret or _looks_secret(f.name)
        }
        secrets = {
            f"settings.{k}": str(v)
            for k, v in conformance.settings.items()
            if k in secret_fields and isinstance(v, str) and len(v) >= 3
        }
        secrets["semine_password"] = world.sandbox.password
        seen: list[tuple[str, str]] = []
        ctx = world.context()
        try:
            seen += [("repr(ctx)", repr(ctx)), ("repr(settings)", repr(ctx.settings))]
            seen.append(("str(settings)", str(ctx.settings)))
        finally:
            ctx.close()
        reports: list[Any] = []

        def attempt(what: str, action: Callable[[], Any]) -> None:
            # Other tests judge whether these work; here only what they show counts.
            try:
                reports.append(action())
            except Exception as exc:  # whatever escapes must not carry a secret either
                seen.append((f"the {type(exc).__name__} {what} raised", str(exc)))

        def check() -> Any:
            ctx = world.context()
            try:
                return world.host.call(self.plugin_name, "test_connection", ctx=ctx)
            finally:
                ctx.close()

        attempt("test_connection", check)
        if "receive" in info.directions and conformance.put_inbound is not None:
            conformance.put_inbound("conformance-s.xml", world.sandbox.document("CONF-SECRET"))
            attempt("receive", world.receive)
        if "send" in info.directions:
            world.sandbox.seed(invoiceNumber="CONF-SECRET-S")
            attempt("send", world.send)
        for bad in conformance.invalid:
            raw = {**conformance.settings, **bad}
            configure = functools.partial(
                conformance_host.configure, self.plugin_name, raw, integration=world.name
            )
            attempt("configure", configure)
        world.configure(**conformance.unreachable)
        attempt("test_connection (unreachable target)", check)
        reports = [r for r in reports if hasattr(r, "to_dict")]
        for report in reports:
            seen.append((f"repr({type(report).__name__})", repr(report)))
            seen.append((f"{type(report).__name__}.to_dict()", json.dumps(report.to_dict())))
        seen.extend((f"a log record of {r.name!r}", _record_text(r)) for r in caplog.records)
        seen.extend(_state_texts(world.data_dir))
        problems = [
            f"the value of {field} appears in {where}: {_context(text, value, field)!r}"
            for field, value in secrets.items()
            for where, text in seen
            if value in text
        ]
        if problems:
            _fail(
                "a secret value leaks (wrap it in semine_plugins.Secret, type the field "
                "Secret, and reveal() it only where it is handed to the server)",
                problems,
            )


def _attempt(action: str, run: Callable[[str], object], name: str) -> list[str]:
    """Run ``send`` or ``receive``; an exception is a problem to report, not a crash."""
    try:
        run(name)
    except Exception as exc:
        return [f"{action} raised {type(exc).__name__}: {exc}"]
    return []


def _state_texts(folder: Path) -> Iterator[tuple[str, str]]:
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            yield (f"the state file {path.name}", path.read_bytes().decode("latin-1"))


def _record_text(record: logging.LogRecord) -> str:
    try:
        text = record.getMessage()
    except (TypeError, ValueError):
        text = f"{record.msg} {record.args}"
    if record.exc_info:
        text += "\n" + logging.Formatter().formatException(record.exc_info)
    return text + (record.exc_text or "")


def _context(text: str, value: str, field: str) -> str:
    at = text.index(value)
    snippet = text[max(0, at - 40) : at + len(value) + 40]
    return snippet.replace(value, f"<{field}>")
