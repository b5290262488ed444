"""Model → UBL 2.1 XML bytes, deterministic, in XSD element order."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from semine_plugins.ubl._mapping import CAC, CBC, Step, compiled
from semine_plugins.ubl._model import (
    CreditNote,
    TaxTotal,
    _Document,
)
from semine_plugins.ubl._safe import CREDIT_NOTE_NS, INVOICE_NS

__all__ = ["format_decimal", "serialize"]


def format_decimal(value: Decimal) -> str:
    """Write a Decimal as xsd:decimal (never exponent notation)."""
    text = format(value, "f")
    return "0" if text in ("-0", "+0") else text


def serialize(doc: _Document) -> bytes:
    """Serialise an :class:`Invoice` or :class:`CreditNote` to UTF-8 UBL XML bytes."""
    credit_note = isinstance(doc, CreditNote)
    ns, local = (CREDIT_NOTE_NS, "CreditNote") if credit_note else (INVOICE_NS, "Invoice")
    root = etree.Element(f"{{{ns}}}{local}", nsmap={None: ns, "cac": CAC, "cbc": CBC})
    _write_obj(root, doc, credit_note, doc.currency)
    xml: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return xml


def _write_obj(parent: etree._Element, obj: Any, cn: bool, currency: str) -> None:
    if isinstance(obj, TaxTotal) and obj.currency:
        currency = obj.currency
    reusable: list[etree._Element] = []
    for step in compiled(type(obj), cn):
        value = getattr(obj, step.name)
        if value is None or step.kind == "currency":
            continue
        if step.attr is not None:
            target = parent.find(step.path[-1]) if step.path else parent
            if target is not None and value is not None:
                target.set(step.attr, str(value))
            continue
        if step.many:
            for item in value:
                holder = _wrappers(parent, step.path[:-1], None)
                leaf = etree.SubElement(holder, step.path[-1])
                _write_value(leaf, step, item, cn, currency)
        else:
            holder = _wrappers(parent, step.path[:-1], reusable)
            leaf = etree.SubElement(holder, step.path[-1])
            _write_value(leaf, step, value, cn, currency)


def _wrappers(
    parent: etree._Element, path: tuple[str, ...], reusable: list[etree._Element] | None
) -> etree._Element:
    node = parent
    for tag in path:
        last = node[-1] if len(node) else None
        if (
            reusable is not None
            and last is not None
            and last.tag == tag
            and any(last is r for r in reusable)
        ):
            node = last
            continue
        node = etree.SubElement(node, tag)
        if reusable is not None:
            reusable.append(node)
    return node


def _write_value(el: etree._Element, step: Step, value: Any, cn: bool, currency: str) -> None:
    kind = step.kind
    if kind == "text":
        el.text = str(value)
    elif kind == "date":
        el.text = value.isoformat()
    elif kind == "amount":
        el.text = format_decimal(value)
        el.set("currencyID", currency)
    elif kind == "decimal":
        el.text = format_decimal(value)
    elif kind == "bool":
        el.text = "true" if value else "false"
    elif kind == "id":
        el.text = value.value
        if value.scheme_id is not None:
            el.set("schemeID", value.scheme_id)
    elif kind == "quantity":
        el.text = format_decimal(value.value)
        if value.unit_code is not None:
            el.set("unitCode", value.unit_code)
    elif kind == "listed":
        el.text = value.value
        if value.list_id is not None:
            el.set("listID", value.list_id)
        if value.list_version_id is not None:
            el.set("listVersionID", value.list_version_id)
    elif kind == "binary":
        el.text = base64.b64encode(value.content).decode("ascii")
        el.set("mimeCode", value.mime_code)
        if value.filename is not None:
            el.set("filename", value.filename)
    elif kind == "obj":
        _write_obj(el, value, cn, currency)
    else:  # pragma: no cover - the mapping is static
        raise AssertionError(f"unknown kind {kind!r}")
