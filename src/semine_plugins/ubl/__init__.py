"""UBL 2.1 (Peppol BIS Billing 3.0 / EHF) invoices: model, parse, serialize, validate.

::

    from semine_plugins.ubl import parse, validate

    report = validate(data)            # XSD; validate(data, rules=True) adds EN 16931
    if report.valid:
        invoice = parse(data)          # Invoice | CreditNote
        xml = invoice.to_xml()         # deterministic UBL 2.1 bytes

Untrusted input is handled safely: DTDs and entities are refused and the
size is capped (:class:`UnsafeXMLError`); anything that is not a UBL Invoice
or CreditNote raises :class:`UBLParseError` from :func:`parse` and gives an
invalid report from :func:`validate`.
"""

from semine_plugins.ubl._calc import calculate_totals, line_amount, round_amount, tax_breakdown
from semine_plugins.ubl._model import (
    PEPPOL_CUSTOMIZATION_ID,
    PEPPOL_PROFILE_ID,
    Address,
    AllowanceCharge,
    Attachment,
    BinaryObject,
    CardAccount,
    ClassificationCode,
    Contact,
    CreditNote,
    Delivery,
    DocumentReference,
    FinancialAccount,
    Identifier,
    Invoice,
    Item,
    ItemProperty,
    LegalEntity,
    Line,
    MonetaryTotal,
    OrderReference,
    Party,
    PartyTaxScheme,
    PaymentMandate,
    PaymentMeans,
    Period,
    Price,
    Quantity,
    TaxCategory,
    TaxSubtotal,
    TaxTotal,
)
from semine_plugins.ubl._parse import parse
from semine_plugins.ubl._safe import DEFAULT_MAX_BYTES, UBLParseError, UnsafeXMLError
from semine_plugins.ubl._validate import (
    ValidationIssue,
    ValidationReport,
    parse_and_validate,
    validate,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "PEPPOL_CUSTOMIZATION_ID",
    "PEPPOL_PROFILE_ID",
    "Address",
    "AllowanceCharge",
    "Attachment",
    "BinaryObject",
    "CardAccount",
    "ClassificationCode",
    "Contact",
    "CreditNote",
    "Delivery",
    "DocumentReference",
    "FinancialAccount",
    "Identifier",
    "Invoice",
    "Item",
    "ItemProperty",
    "LegalEntity",
    "Line",
    "MonetaryTotal",
    "OrderReference",
    "Party",
    "PartyTaxScheme",
    "PaymentMandate",
    "PaymentMeans",
    "Period",
    "Price",
    "Quantity",
    "TaxCategory",
    "TaxSubtotal",
    "TaxTotal",
    "UBLParseError",
    "UnsafeXMLError",
    "ValidationIssue",
    "ValidationReport",
    "calculate_totals",
    "line_amount",
    "parse",
    "parse_and_validate",
    "round_amount",
    "tax_breakdown",
    "validate",
]
