"""The compiled field-to-element mapping shared by the parser and the serializer."""

from __future__ import annotations

from typing import Any

import attrs

from semine_plugins.ubl._model import CREDIT_NOTE_ORDER, UBL, CreditNote, FieldSpec

__all__ = ["CAC", "CBC", "Step", "clark", "compiled"]

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
_PREFIXES = {"cac": CAC, "cbc": CBC}


def clark(prefixed: str) -> str:
    """Turn ``cbc:ID`` into ``{urn:...CommonBasicComponents-2}ID``."""
    prefix, _, local = prefixed.partition(":")
    return f"{{{_PREFIXES[prefix]}}}{local}"


@attrs.frozen
class Step:
    """One field, ready to walk: its name, element path, attribute, kind and nested class."""

    name: str
    path: tuple[str, ...]
    attr: str | None
    kind: str
    cls: type[Any] | None
    many: bool
    display: str


_compiled: dict[tuple[type[Any], bool], tuple[Step, ...]] = {}


def compiled(cls: type[Any], credit_note: bool) -> tuple[Step, ...]:
    """Return the mapping steps of ``cls`` in XSD order, for an Invoice or a CreditNote."""
    cached = _compiled.get((cls, credit_note))
    if cached is not None:
        return cached
    fields = {f.name: f for f in attrs.fields(cls)}
    names: tuple[str, ...] = tuple(fields)
    if cls is CreditNote:
        names = CREDIT_NOTE_ORDER
    steps = []
    for name in names:
        spec: FieldSpec | None = fields[name].metadata.get(UBL)
        if spec is None:
            continue
        tag = spec.tag
        if credit_note and spec.cn_tag is not None:
            if spec.cn_tag == "-":
                continue
            tag = spec.cn_tag
        path_text, _, attr = tag.partition("@")
        path = tuple(clark(p) for p in path_text.split("/")) if path_text else ()
        steps.append(Step(name, path, attr or None, spec.kind, spec.cls, spec.many, tag))
    result = tuple(steps)
    _compiled[(cls, credit_note)] = result
    return result


_NS_PREFIX = {CAC: "cac", CBC: "cbc"}


def describe_path(el: Any) -> str:
    """A readable path to an lxml element: ``/Invoice/cac:InvoiceLine[2]/cbc:ID``."""
    parts = []
    node = el
    while node is not None and isinstance(node.tag, str):
        ns, _, local = (
            node.tag[1:].partition("}") if node.tag.startswith("{") else ("", "", node.tag)
        )
        prefix = _NS_PREFIX.get(ns)
        name = f"{prefix}:{local}" if prefix else local
        parent = node.getparent()
        if parent is not None:
            same = [c for c in parent if c.tag == node.tag]
            if len(same) > 1:
                name += f"[{same.index(node) + 1}]"
        parts.append(name)
        node = parent
    return "/" + "/".join(reversed(parts))
