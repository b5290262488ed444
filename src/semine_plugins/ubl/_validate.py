"""Validation: well-formedness and safety, the UBL 2.1 XSD, and optionally the EN 16931 rules."""

from __future__ import annotations

import importlib.util
import re
import threading
from typing import Any, Literal

import attrs
from lxml import etree  # type: ignore[import-untyped]

from semine_plugins.ubl import _schema_cache
from semine_plugins.ubl._mapping import describe_path
from semine_plugins.ubl._model import CreditNote, Invoice
from semine_plugins.ubl._parse import from_element
from semine_plugins.ubl._safe import (
    DEFAULT_MAX_BYTES,
    Loaded,
    UBLParseError,
    UnsafeXMLError,
    load,
)

__all__ = ["ValidationIssue", "ValidationReport", "parse_and_validate", "validate"]

Level = Literal["xml", "xsd", "rules"]


@attrs.frozen(kw_only=True)
class ValidationIssue:
    """One problem found in a document.

    :ivar message: what is wrong, in words.
    :ivar level: ``"xml"`` (unsafe or unreadable input), ``"xsd"`` or ``"rules"``.
    :ivar line: the source line, when known.
    :ivar path: where in the document (``/Invoice/cac:InvoiceLine[2]/cbc:ID``), when known.
    :ivar rule: the business rule identifier (``BR-CO-15``), for ``"rules"`` issues.
    """

    message: str
    level: Level
    line: int | None = None
    path: str | None = None
    rule: str | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        rule = f"[{self.rule}] " if self.rule else ""
        return f"{where}{rule}{self.message}"

    def to_dict(self) -> dict[str, Any]:
        """Return the issue as JSON-ready data."""
        return attrs.asdict(self)


@attrs.frozen(kw_only=True)
class ValidationReport:
    """The outcome of :func:`validate`.

    :ivar valid: ``True`` when no level that ran found an error.
    :ivar errors: every error found (fatal business rules included).
    :ivar warnings: business-rule warnings (they do not make a document invalid).
    :ivar levels: the levels that actually ran: ``("xsd",)`` or ``("xsd", "rules")``;
        empty when the input was refused before the XSD could run.
    :ivar skipped: levels that were asked for but could not run, with the reason.
    :ivar document_type: ``"Invoice"``, ``"CreditNote"`` or ``None`` when unreadable.
    """

    valid: bool
    errors: tuple[ValidationIssue, ...] = ()
    warnings: tuple[ValidationIssue, ...] = ()
    levels: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    document_type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {
            "valid": self.valid,
            "document_type": self.document_type,
            "levels": list(self.levels),
            "skipped": list(self.skipped),
            "errors": [e.to_dict() for e in self.errors],
            "warnings": [w.to_dict() for w in self.warnings],
        }


def validate(
    data: bytes, *, rules: bool = False, max_bytes: int = DEFAULT_MAX_BYTES
) -> ValidationReport:
    """Validate a UBL 2.1 Invoice or CreditNote, never raising for bad input.

    Level 1 checks the document against the official OASIS UBL 2.1 XSD.
    Level 2 (``rules=True``, needs the ``rules`` extra: saxonche) also runs
    the CEN EN 16931 UBL business rules; if saxonche is not installed the
    report says so in :attr:`ValidationReport.skipped` and does not list
    ``"rules"`` in :attr:`ValidationReport.levels`.

    Unsafe input (DTDs, entities, oversize) and unreadable input (empty, not
    XML, wrong root, unknown namespace) give an invalid report whose single
    error explains the problem.

    :param data: the document's bytes exactly as received.
    :param rules: also run the EN 16931 business rules.
    :param max_bytes: refuse larger documents (default 20 MB).
    """
    try:
        loaded = load(data, max_bytes=max_bytes)
    except (UnsafeXMLError, UBLParseError) as exc:
        line = exc.line if isinstance(exc, UBLParseError) else None
        issue = ValidationIssue(message=str(exc), level="xml", line=line)
        return ValidationReport(valid=False, errors=(issue,))
    return _report(loaded, rules=rules)


def parse_and_validate(
    data: bytes, *, rules: bool = False, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[Invoice | CreditNote, ValidationReport]:
    """Read the model and validate it, parsing the bytes once.

    The same as :func:`parse` followed by :func:`validate`, for code that needs
    both (an importer checking each file, say).

    :raises UnsafeXMLError: as :func:`parse`.
    :raises UBLParseError: as :func:`parse`; the document is then not validated.
    :returns: the model and the validation report.
    """
    loaded = load(data, max_bytes=max_bytes)
    document = from_element(loaded.root, credit_note=loaded.kind == "CreditNote")
    return document, _report(loaded, rules=rules)


def _report(loaded: Loaded, *, rules: bool) -> ValidationReport:
    errors = xsd_errors(loaded.root, loaded.kind)
    warnings: list[ValidationIssue] = []
    levels = ["xsd"]
    skipped = []
    if rules:
        if importlib.util.find_spec("saxonche") is None:
            skipped.append(
                "rules: the EN 16931 business rules did not run because saxonche is not "
                "installed (pip install 'semine-plugins[rules]')"
            )
        else:
            from semine_plugins.ubl import _rules  # noqa: PLC0415 - optional dependency

            rule_errors, rule_warnings = _rules.check(loaded.root)
            errors.extend(rule_errors)
            warnings.extend(rule_warnings)
            levels.append("rules")
    return ValidationReport(
        valid=not errors,
        errors=tuple(errors),
        warnings=tuple(warnings),
        levels=tuple(levels),
        skipped=tuple(skipped),
        document_type=loaded.kind,
    )


_validate_lock = threading.Lock()


def xsd_valid_fast(root: etree._Element, kind: _schema_cache.Kind) -> bool:
    """The libxml2 verdict alone (the hot path); :func:`xsd_errors_of_record` explains failures."""
    schema = _schema_cache.lxml_schema(kind)
    with _validate_lock:
        return bool(schema.validate(root))


def xsd_errors_of_record(root: etree._Element, kind: _schema_cache.Kind) -> list[ValidationIssue]:
    """The errors :mod:`xmlschema` (the validator of record) finds."""
    schema = _schema_cache.xmlschema_schema(kind)
    issues = []
    for err in schema.iter_errors(root):
        elem = getattr(err, "elem", None)
        line = getattr(elem, "sourceline", None) if elem is not None else None
        path = describe_path(elem) if isinstance(elem, etree._Element) else err.path
        reason = err.reason or str(err.message)
        issues.append(ValidationIssue(message=_tidy(reason), level="xsd", line=line, path=path))
    return issues


def xsd_errors(root: etree._Element, kind: _schema_cache.Kind) -> list[ValidationIssue]:
    """The XSD errors of an already loaded document: none when libxml2 accepts it."""
    if xsd_valid_fast(root, kind):
        return []
    issues = xsd_errors_of_record(root, kind)
    if issues:
        return issues
    # The engines disagree (a test guards against this): report what libxml2 saw.
    schema = _schema_cache.lxml_schema(kind)
    with _validate_lock:
        schema.validate(root)
        log = list(schema.error_log)
    return [
        ValidationIssue(message=e.message, level="xsd", line=e.line or None, path=e.path or None)
        for e in log
    ]


_NS_RE = re.compile(r"\{urn:oasis:names:specification:ubl:schema:xsd:([A-Za-z]+)-2\}")
_PREFIX = {"CommonAggregateComponents": "cac:", "CommonBasicComponents": "cbc:"}


def _tidy(message: str) -> str:
    return _NS_RE.sub(lambda m: _PREFIX.get(m.group(1), ""), message).strip()
