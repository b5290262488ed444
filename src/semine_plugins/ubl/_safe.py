"""Loading untrusted XML bytes: size cap, no DTDs, no entities, known roots only.

Every document that enters :mod:`semine_plugins.ubl` passes through
:func:`load`, which returns the UBL root element (unwrapped from an SBDH
envelope when there is one) or raises :class:`UnsafeXMLError` /
:class:`UBLParseError` with a message that names the problem.
"""

from __future__ import annotations

from typing import Literal

import attrs
from lxml import etree  # type: ignore[import-untyped]

from semine_plugins.errors import UBLError

__all__ = [
    "CREDIT_NOTE_NS",
    "DEFAULT_MAX_BYTES",
    "INVOICE_NS",
    "SBDH_NS",
    "Loaded",
    "UBLParseError",
    "UnsafeXMLError",
    "load",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
SBDH_NS = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"

DocumentKind = Literal["Invoice", "CreditNote"]
_ROOTS: dict[str, DocumentKind] = {
    f"{{{INVOICE_NS}}}Invoice": "Invoice",
    f"{{{CREDIT_NOTE_NS}}}CreditNote": "CreditNote",
}
_KNOWN_NS = {INVOICE_NS: "Invoice", CREDIT_NOTE_NS: "CreditNote"}


class UnsafeXMLError(UBLError):
    """The input was refused before parsing: a DTD, entities, or more bytes than allowed.

    UBL never needs a DTD, so any ``<!DOCTYPE`` is refused; this closes XXE,
    "billion laughs" and external-DTD fetches at once.
    """


class UBLParseError(UBLError):
    """The input is not a UBL 2.1 Invoice or CreditNote the model can read.

    Raised for empty input, XML that is not well-formed, a wrong root element,
    an unknown namespace, and for a mandatory element that is missing or holds
    a value of the wrong form. :attr:`line` is the source line when known.
    """

    def __init__(self, message: str, *, line: int | None = None, path: str | None = None) -> None:
        self.line = line
        self.path = path
        super().__init__(message)


@attrs.frozen
class Loaded:
    """A safely parsed UBL document: its root element and what wraps it."""

    root: etree._Element
    kind: DocumentKind
    sbdh: bool


def _parser() -> etree.XMLParser:
    # A fresh parser per call: lxml parsers must not be shared between threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=False,
        collect_ids=False,
    )


def load(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Loaded:
    """Parse untrusted bytes into a UBL root element, refusing anything unsafe or foreign.

    :param data: the document's bytes exactly as received.
    :param max_bytes: refuse larger inputs without parsing them.
    :returns: the root ``Invoice`` / ``CreditNote`` element (unwrapped from SBDH).
    :raises UnsafeXMLError: too large, or a DTD / entity declaration is present.
    :raises UBLParseError: empty, not well-formed, wrong root or unknown namespace.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > max_bytes:
        raise UnsafeXMLError(
            f"the document is {len(data):,} bytes, more than the limit of {max_bytes:,} bytes"
        )
    if not data.strip():
        raise UBLParseError("the document is empty")
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser=_parser()))
    except etree.XMLSyntaxError as exc:
        if b"<!DOCTYPE" in data[:65536].upper():
            raise UnsafeXMLError(
                "the document declares a DTD (<!DOCTYPE>); UBL never needs one, so it is refused"
            ) from exc
        line = exc.lineno if isinstance(exc.lineno, int) else None
        msg = exc.msg if isinstance(exc.msg, str) and exc.msg else str(exc)
        raise UBLParseError(f"not well-formed XML: {msg}", line=line) from exc
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        if "html" in (docinfo.doctype or "").lower():
            raise UnsafeXMLError(
                "this is an HTML page, not a UBL XML document (it declares an HTML DOCTYPE)"
            )
        raise UnsafeXMLError(
            "the document declares a DTD (<!DOCTYPE>); UBL never needs one, "
            "so DTDs and entities are refused"
        )
    root = tree.getroot()
    sbdh = False
    if root.tag == f"{{{SBDH_NS}}}StandardBusinessDocument":
        payload = [
            child
            for child in root
            if isinstance(child.tag, str) and not child.tag.startswith(f"{{{SBDH_NS}}}")
        ]
        if not payload:
            raise UBLParseError(
                "the SBDH envelope (StandardBusinessDocument) carries no business document",
                line=root.sourceline,
            )
        root = payload[0]
        sbdh = True
    tag = root.tag if isinstance(root.tag, str) else ""
    kind = _ROOTS.get(tag)
    if kind is None:
        raise UBLParseError(_describe_wrong_root(tag), line=root.sourceline)
    return Loaded(root=root, kind=kind, sbdh=sbdh)


def _describe_wrong_root(tag: str) -> str:
    qname = etree.QName(tag) if tag else None
    if qname is None:
        return "the document has no element root"
    local, ns = qname.localname, qname.namespace
    if local.lower() == "html":
        return "this is an HTML page, not a UBL XML document"
    if local in ("Invoice", "CreditNote"):
        where = f"namespace {ns!r}" if ns else "no namespace"
        expected = INVOICE_NS if local == "Invoice" else CREDIT_NOTE_NS
        return f"unknown namespace: root element {local} is in {where}, expected {expected!r}"
    if ns in _KNOWN_NS:
        return f"wrong root element {local!r} in the {_KNOWN_NS[ns]} namespace"
    where = f" in namespace {ns!r}" if ns else ""
    return (
        f"wrong root element {local!r}{where}: expected a UBL 2.1 Invoice or CreditNote "
        "(optionally inside an SBDH StandardBusinessDocument)"
    )
