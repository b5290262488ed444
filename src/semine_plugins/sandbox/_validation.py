"""What the sandbox checks in an imported document, and what it reads from it."""

from __future__ import annotations

from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from semine_plugins.sandbox._store import supplier_key
from semine_plugins.ubl._safe import Loaded, UBLParseError, UnsafeXMLError, load
from semine_plugins.ubl._validate import xsd_errors

_NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
_ROOTS = {
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2": "Invoice",
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2": "CreditNote",
}
_SBDH = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"


class DocumentError(Exception):
    """The document is not acceptable; ``errors`` lists why (line, path, message)."""

    def __init__(self, title: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(title)
        self.title = title
        self.errors = errors


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _document_root(data: bytes) -> etree._Element:
    try:
        tree = etree.fromstring(data, _parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        raise DocumentError(
            "The document is not well-formed XML",
            [{"line": exc.lineno, "path": "/", "message": str(exc.msg)}],
        ) from None
    if tree.docinfo.doctype:
        raise DocumentError(
            "The document has a DTD, which is not allowed",
            [{"line": 1, "path": "/", "message": "DOCTYPE declarations are refused"}],
        )
    root = tree.getroot()
    if etree.QName(root).namespace == _SBDH:
        inner = [
            el for el in root.iterchildren(tag=etree.Element) if etree.QName(el).namespace in _ROOTS
        ]
        if inner:
            root = inner[0]
    if etree.QName(root).namespace not in _ROOTS:
        raise DocumentError(
            "The document is not a UBL 2.1 Invoice or CreditNote",
            [
                {
                    "line": root.sourceline,
                    "path": "/" + root.tag,
                    "message": "the root element must be a UBL 2.1 Invoice or CreditNote",
                }
            ],
        )
    return root


def _load(data: bytes) -> Loaded:
    """Parse the document once, as :func:`semine_plugins.ubl.validate` does."""
    try:
        return load(data)
    except (UnsafeXMLError, UBLParseError) as exc:
        _document_root(data)  # not XML, a DTD, not UBL 2.1: the specific problem
        line = exc.line if isinstance(exc, UBLParseError) else None
        raise DocumentError(
            "The document is not valid UBL 2.1",
            [{"line": line, "path": None, "message": str(exc)}],
        ) from None


def _text(root: etree._Element, path: str) -> str | None:
    found = root.xpath(f"string({path})", namespaces=_NS)
    value = str(found).strip()
    return value or None


def check(data: bytes) -> tuple[dict[str, Any], str | None]:
    """Validate a document against the UBL 2.1 XSD and read what the sandbox keeps.

    :returns: an ``InvoiceDetail``-shaped dict and the supplier key used for
        duplicate detection (organisation number, VAT number, endpoint or name).
    :raises DocumentError: not XML, a DTD, not UBL 2.1, or XSD errors.
    """
    loaded = _load(data)
    root = loaded.root
    errors = [
        {"line": e.line, "path": e.path, "message": e.message}
        for e in xsd_errors(root, loaded.kind)
    ]
    if errors:
        raise DocumentError("The document is not valid UBL 2.1", errors)
    party = "cac:AccountingSupplierParty/cac:Party"
    buyer = "cac:AccountingCustomerParty/cac:Party"
    supplier = {
        "name": _text(root, f"{party}/cac:PartyName/cbc:Name")
        or _text(root, f"{party}/cac:PartyLegalEntity/cbc:RegistrationName"),
        "organizationNumber": _text(root, f"{party}/cac:PartyLegalEntity/cbc:CompanyID"),
        "vatNumber": _text(root, f"{party}/cac:PartyTaxScheme/cbc:CompanyID"),
    }
    detail: dict[str, Any] = {
        "invoiceNumber": _text(root, "cbc:ID"),
        "documentType": loaded.kind,
        "invoiceDate": _text(root, "cbc:IssueDate"),
        "dueDate": _text(root, "cbc:DueDate"),
        "currency": _text(root, "cbc:DocumentCurrencyCode"),
        "buyerReference": _text(root, "cbc:BuyerReference"),
        "orderReference": _text(root, "cac:OrderReference/cbc:ID"),
        "supplier": {k: v for k, v in supplier.items() if v},
        "buyer": {
            k: v
            for k, v in {
                "name": _text(root, f"{buyer}/cac:PartyLegalEntity/cbc:RegistrationName"),
                "organizationNumber": _text(root, f"{buyer}/cac:PartyLegalEntity/cbc:CompanyID"),
            }.items()
            if v
        },
        "totals": {
            k: v
            for k, v in {
                "lineExtensionAmount": _text(
                    root, "cac:LegalMonetaryTotal/cbc:LineExtensionAmount"
                ),
                "taxExclusiveAmount": _text(root, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount"),
                "taxInclusiveAmount": _text(root, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount"),
                "payableAmount": _text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount"),
            }.items()
            if v
        },
    }
    key = (
        supplier["organizationNumber"]
        or supplier["vatNumber"]
        or _text(root, f"{party}/cbc:EndpointID")
        or supplier["name"]
    )
    return {k: v for k, v in detail.items() if v}, supplier_key(key)
