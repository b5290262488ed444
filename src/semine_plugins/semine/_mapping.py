"""InvoiceDetail → UBL 2.1 (Peppol BIS Billing 3.0): every field that has a UBL home.

=============================  ==================================================
InvoiceDetail                  UBL
=============================  ==================================================
invoiceNumber                  cbc:ID
documentType                   Invoice or CreditNote (root, type code 380/381)
invoiceDate / dueDate          cbc:IssueDate / cbc:DueDate (credit notes:
                               cac:PaymentMeans/cbc:PaymentDueDate)
currency                       cbc:DocumentCurrencyCode
note                           cbc:Note
buyerReference                 cbc:BuyerReference
orderReference                 cac:OrderReference/cbc:ID
paymentReference               cac:PaymentMeans/cbc:PaymentID (KID)
supplier / buyer               cac:AccountingSupplierParty / cac:AccountingCustomerParty:
                               organisation number → cbc:EndpointID and
                               cac:PartyLegalEntity/cbc:CompanyID (scheme 0192 when
                               it is 9 digits); name → cac:PartyName and
                               cbc:RegistrationName; vatNumber →
                               cac:PartyTaxScheme; address → cac:PostalAddress;
                               supplier code → cac:PartyIdentification/cbc:ID
supplier.bankAccounts          cac:PaymentMeans/cac:PayeeFinancialAccount (one per
                               account number and per IBAN, with the BIC)
invoiceLines                   cac:InvoiceLine / cac:CreditNoteLine
invoiceAccountingLines         cbc:AccountingCost: on the document, every line
                               as ``code;VAT=vatCode;amount=…;name=value…``
                               joined by `` | ``; also on each invoice line when
                               there are as many accounting lines as invoice lines
vatBreakdown                   cac:TaxTotal/cac:TaxSubtotal
totals                         cac:TaxTotal/cbc:TaxAmount, cac:LegalMonetaryTotal
attachments                    cac:AdditionalDocumentReference/cac:Attachment/
                               cbc:EmbeddedDocumentBinaryObject
=============================  ==================================================

``id`` and ``invoiceStatus`` are SEMINE's own and have no UBL home.
"""

from __future__ import annotations

import re
from decimal import Decimal

from semine_plugins import ubl
from semine_plugins.errors import SemineError
from semine_plugins.semine._models import (
    AccountingLine,
    Address,
    Buyer,
    InvoiceDetail,
    Supplier,
)

__all__ = ["to_ubl"]

_ZERO = Decimal("0")
_NORWEGIAN_ORG = re.compile(r"^[0-9]{9}$")


def _org_id(number: str | None) -> ubl.Identifier | None:
    if not number:
        return None
    digits = "".join(number.split())
    return ubl.Identifier(digits, "0192" if _NORWEGIAN_ORG.match(digits) else None)


def _address(address: Address | None) -> ubl.Address | None:
    if address is None:
        return None
    return ubl.Address(
        street_name=address.street,
        city_name=address.city,
        postal_zone=address.postal_code,
        country=address.country,
    )


def _party(party: Supplier | Buyer | None, *, code: str | None = None) -> ubl.Party:
    if party is None:
        return ubl.Party()
    org = _org_id(party.organization_number)
    return ubl.Party(
        endpoint_id=org,
        identifiers=(ubl.Identifier(code),) if code else (),
        name=party.name,
        address=_address(party.address) or ubl.Address(),
        tax_schemes=(ubl.PartyTaxScheme(company_id=party.vat_number),) if party.vat_number else (),
        legal_entity=ubl.LegalEntity(registration_name=party.name, company_id=org),
    )


def accounting_cost(line: AccountingLine, *, with_amount: bool = True) -> str:
    """Return one accounting line as ``code;VAT=vatCode;amount=…;dimension=value…``."""
    parts = [line.accounting_code or ""]
    if line.vat_code:
        parts.append(f"VAT={line.vat_code}")
    if with_amount and line.amount is not None:
        parts.append(f"amount={line.amount}")
    parts.extend(f"{name}={value}" for name, value in sorted(line.dimensions.items()))
    return ";".join(parts)


def _payment_means(detail: InvoiceDetail, *, credit_note: bool) -> tuple[ubl.PaymentMeans, ...]:
    due = detail.due_date if credit_note else None
    accounts = detail.supplier.bank_accounts if detail.supplier else ()
    means = [
        ubl.PaymentMeans(
            code="30",
            payment_id=detail.payment_reference,
            payment_due_date=due if n == 0 else None,  # UBL-SR-45: at most once
            payee_account=ubl.FinancialAccount(id=number, bic=swift),
        )
        for n, (number, swift) in enumerate(
            (number, account.swift_code)
            for account in accounts
            for number in (account.account_number, account.iban)
            if number
        )
    ]
    if not means and (detail.payment_reference or due):
        means.append(
            ubl.PaymentMeans(code="30", payment_id=detail.payment_reference, payment_due_date=due)
        )
    return tuple(means)


def _lines(detail: InvoiceDetail, line_total: Decimal) -> tuple[ubl.Line, ...]:
    per_line = (
        [accounting_cost(a, with_amount=False) for a in detail.accounting_lines]
        if detail.lines and len(detail.accounting_lines) == len(detail.lines)
        else [None] * len(detail.lines)
    )
    lines = []
    for n, (line, cost) in enumerate(zip(detail.lines, per_line, strict=True), start=1):
        quantity = line.quantity if line.quantity is not None else Decimal(1)
        net = line.net_amount
        if net is None:
            net = quantity * (line.unit_price or _ZERO)
        price = (
            line.unit_price
            if line.unit_price is not None
            else (net / quantity if quantity else net)
        )
        lines.append(
            ubl.Line(
                id=line.line_number or str(n),
                quantity=ubl.Quantity(quantity, line.unit_code or "EA"),
                line_extension_amount=net,
                accounting_cost=cost or None,
                item=ubl.Item(
                    name=line.description or f"Line {n}",
                    tax_category=ubl.TaxCategory(
                        id=line.vat_category or "S", percent=line.vat_rate
                    ),
                ),
                price=ubl.Price(amount=price),
            )
        )
    if lines:
        return tuple(lines)
    # A cost invoice without invoice lines: one line per accounting line, or one for the total.
    sources = [(accounting_cost(a), a.amount or _ZERO) for a in detail.accounting_lines]
    sources = sources or [("", line_total)]
    category = detail.vat_breakdown[0] if detail.vat_breakdown else None
    return tuple(
        ubl.Line(
            id=str(n),
            quantity=ubl.Quantity(Decimal(1), "EA"),
            line_extension_amount=amount,
            accounting_cost=cost or None,
            item=ubl.Item(
                name=detail.note or f"Invoice {detail.invoice_number}",
                tax_category=ubl.TaxCategory(
                    id=(category.vat_category if category else None) or "S",
                    percent=category.vat_rate if category else None,
                ),
            ),
            price=ubl.Price(amount=amount),
        )
        for n, (cost, amount) in enumerate(sources, start=1)
    )


def to_ubl(detail: InvoiceDetail) -> ubl.Invoice | ubl.CreditNote:
    """Return the UBL 2.1 document for a SEMINE invoice (see the module's table).

    Missing totals are derived from the lines and the VAT breakdown.

    :raises SemineError: the invoice lacks what every UBL invoice must have
        (invoice number, invoice date, currency).
    """
    missing = [
        name
        for name, value in (
            ("invoiceNumber", detail.invoice_number),
            ("invoiceDate", detail.invoice_date),
            ("currency", detail.currency),
        )
        if not value
    ]
    if missing:
        raise SemineError(
            f"invoice {detail.id} cannot be written as UBL: SEMINE sent no {', '.join(missing)}"
        )
    assert detail.invoice_number is not None  # noqa: S101 - checked above
    assert detail.invoice_date is not None  # noqa: S101 - checked above
    assert detail.currency is not None  # noqa: S101 - checked above
    credit_note = detail.document_type == "CreditNote"
    totals = detail.totals
    vat_total = totals.vat_amount if totals else None
    if vat_total is None:
        vat_total = sum((v.vat_amount or _ZERO for v in detail.vat_breakdown), _ZERO)
    line_total = totals.line_extension_amount if totals else None
    if line_total is None:
        line_total = sum((line.net_amount or _ZERO for line in detail.lines), _ZERO)
    tax_exclusive = (totals.tax_exclusive_amount if totals else None) or line_total
    tax_inclusive = (totals.tax_inclusive_amount if totals else None) or tax_exclusive + vat_total
    payable = totals.payable_amount if totals else None
    if payable is None:
        payable = tax_inclusive
    costs = [accounting_cost(a) for a in detail.accounting_lines]
    kind: type[ubl.Invoice] | type[ubl.CreditNote] = ubl.CreditNote if credit_note else ubl.Invoice
    return kind(
        id=detail.invoice_number,
        due_date=None if credit_note else detail.due_date,
        issue_date=detail.invoice_date,
        notes=(detail.note,) if detail.note else (),
        currency=detail.currency,
        accounting_cost=" | ".join(costs) if costs else None,
        buyer_reference=detail.buyer_reference,
        order_reference=ubl.OrderReference(id=detail.order_reference)
        if detail.order_reference
        else None,
        attachments=tuple(
            ubl.Attachment(
                id=a.filename or f"attachment-{n}",
                description=a.filename,
                embedded=ubl.BinaryObject(
                    content=a.content,
                    mime_code=a.mime_type or "application/octet-stream",
                    filename=a.filename,
                ),
            )
            for n, a in enumerate(detail.attachments, start=1)
        ),
        supplier=_party(detail.supplier, code=detail.supplier.code if detail.supplier else None),
        customer=_party(detail.buyer),
        payment_means=_payment_means(detail, credit_note=credit_note),
        tax_totals=(
            ubl.TaxTotal(
                tax_amount=vat_total,
                subtotals=tuple(
                    ubl.TaxSubtotal(
                        taxable_amount=v.taxable_amount or _ZERO,
                        tax_amount=v.vat_amount or _ZERO,
                        category=ubl.TaxCategory(id=v.vat_category or "S", percent=v.vat_rate),
                    )
                    for v in detail.vat_breakdown
                ),
            ),
        ),
        totals=ubl.MonetaryTotal(
            line_extension_amount=line_total,
            tax_exclusive_amount=tax_exclusive,
            tax_inclusive_amount=tax_inclusive,
            payable_amount=payable,
        ),
        lines=_lines(detail, line_total),
    )
