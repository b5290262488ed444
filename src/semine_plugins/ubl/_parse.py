"""UBL 2.1 XML bytes → model, for any Peppol BIS 3 / EHF Invoice or CreditNote."""

from __future__ import annotations

import base64
import binascii
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs
from lxml import etree  # type: ignore[import-untyped]

from semine_plugins.ubl._mapping import CBC, Step, compiled, describe_path
from semine_plugins.ubl._model import (
    BinaryObject,
    ClassificationCode,
    CreditNote,
    Identifier,
    Invoice,
    Quantity,
)
from semine_plugins.ubl._safe import DEFAULT_MAX_BYTES, UBLParseError, load

__all__ = ["from_element", "parse"]


def parse(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Invoice | CreditNote:
    """Read a UBL 2.1 Invoice or CreditNote (optionally SBDH-wrapped) into the model.

    Parsing does not validate against the XSD (use :func:`validate` for that);
    it refuses unsafe input and reports what the model needs but cannot find.
    Elements the model does not carry are ignored.

    :param data: the document's bytes exactly as received.
    :param max_bytes: refuse larger documents (default 20 MB).
    :returns: an :class:`Invoice` or a :class:`CreditNote`.
    :raises UnsafeXMLError: the input is too large or declares a DTD / entities.
    :raises UBLParseError: not XML, wrong root, unknown namespace, or a mandatory
        element is missing or malformed (the message names the element and line).
    """
    loaded = load(data, max_bytes=max_bytes)
    return from_element(loaded.root, credit_note=loaded.kind == "CreditNote")


def from_element(root: etree._Element, *, credit_note: bool) -> Invoice | CreditNote:
    """Read the model from an already safely parsed root element."""
    cur_el = root.find(f"{{{CBC}}}DocumentCurrencyCode")
    currency = (cur_el.text or "").strip() if cur_el is not None else ""
    cls = CreditNote if credit_note else Invoice
    result = _read_obj(root, cls, credit_note, currency)
    if not isinstance(result, Invoice | CreditNote):  # pragma: no cover - by construction
        raise TypeError(type(result).__name__)
    return result


def _descend(el: etree._Element, path: tuple[str, ...]) -> etree._Element | None:
    node: etree._Element | None = el
    for tag in path:
        if node is None:
            return None
        node = node.find(tag)
    return node


_TAX_AMOUNT = f"{{{CBC}}}TaxAmount"


def _children(el: etree._Element) -> dict[str, list[etree._Element]]:
    """Index an element's children by tag, once, instead of one scan per mapped field."""
    index: dict[str, list[etree._Element]] = {}
    for child in el:
        tag = child.tag
        if isinstance(tag, str):  # not a comment or processing instruction
            index.setdefault(tag, []).append(child)
    return index


def _first(
    el: etree._Element, index: dict[str, list[etree._Element]], path: tuple[str, ...]
) -> etree._Element | None:
    if not path:
        return el
    found = index.get(path[0])
    return _descend(found[0], path[1:]) if found else None


def _read_obj(el: etree._Element, cls: type[Any], cn: bool, currency: str) -> Any:
    kwargs: dict[str, Any] = {}
    index = _children(el)
    for step in compiled(cls, cn):
        if step.kind == "currency":
            amount = _first(el, index, (_TAX_AMOUNT,))
            code = amount.get("currencyID") if amount is not None else None
            if code and code != currency:
                kwargs[step.name] = code
            continue
        if step.attr is not None:
            target = _first(el, index, step.path)
            attr = target.get(step.attr) if target is not None else None
            if attr is not None and attr.strip():
                kwargs[step.name] = attr.strip()
            continue
        if step.many:
            values = []
            for wrapper in index.get(step.path[0], ()):
                leaf = _descend(wrapper, step.path[1:])
                if leaf is not None:
                    value = _read_value(leaf, step, cn, currency)
                    if value is not None:
                        values.append(value)
            kwargs[step.name] = tuple(values)
        else:
            leaf = _first(el, index, step.path)
            if leaf is not None:
                value = _read_value(leaf, step, cn, currency)
                if value is not None:
                    kwargs[step.name] = value
    missing = [step.display for step, field in _required(cls, cn) if field not in kwargs]
    if missing:
        raise UBLParseError(
            f"{describe_path(el)}: missing mandatory element {missing[0]}",
            line=el.sourceline,
            path=describe_path(el),
        )
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise UBLParseError(
            f"{describe_path(el)}: {exc}", line=el.sourceline, path=describe_path(el)
        ) from exc


_REQUIRED: dict[tuple[type[Any], bool], list[tuple[Step, str]]] = {}


def _required(cls: type[Any], cn: bool) -> list[tuple[Step, str]]:
    found = _REQUIRED.get((cls, cn))
    if found is None:
        mandatory = {f.name for f in attrs.fields(cls) if f.default is attrs.NOTHING}
        found = [(s, s.name) for s in compiled(cls, cn) if s.name in mandatory]
        _REQUIRED[(cls, cn)] = found
    return found


def _bad(el: etree._Element, what: str, text: str) -> UBLParseError:
    path = describe_path(el)
    return UBLParseError(f"{path}: {text!r} is not a valid {what}", line=el.sourceline, path=path)


def _decimal(el: etree._Element, text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _bad(el, "decimal number", text) from None
    if not value.is_finite():
        raise _bad(el, "decimal number", text)
    return value


def _read_value(el: etree._Element, step: Step, cn: bool, currency: str) -> Any:
    kind = step.kind
    if kind == "obj":
        return _read_obj(el, step.cls, cn, currency) if step.cls is not None else None
    text = (el.text or "").strip()
    if kind == "binary":
        try:
            content = base64.b64decode("".join(text.split()), validate=True)
        except (binascii.Error, ValueError):
            raise _bad(el, "base64 content", text[:40]) from None
        return BinaryObject(
            content=content, mime_code=el.get("mimeCode") or "", filename=el.get("filename")
        )
    if not text:
        return None
    if kind == "text":
        return text
    if kind in ("amount", "decimal"):
        return _decimal(el, text)
    if kind == "date":
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            raise _bad(el, "date (YYYY-MM-DD)", text) from None
    if kind == "bool":
        if text not in ("true", "false", "1", "0"):
            raise _bad(el, "boolean (true/false)", text)
        return text in ("true", "1")
    if kind == "id":
        return Identifier(text, el.get("schemeID"))
    if kind == "quantity":
        return Quantity(_decimal(el, text), el.get("unitCode"))
    if kind == "listed":
        return ClassificationCode(text, el.get("listID"), el.get("listVersionID"))
    raise AssertionError(f"unknown kind {kind!r}")  # pragma: no cover
