"""Typed models of what SEMINE sends and answers (money is Decimal, dates are date).

The JSON names live in :mod:`._contract`; :func:`from_json` and :func:`to_json`
convert between the wire format and these classes generically, by type.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import types
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, Union, get_args, get_origin

import attrs

from semine_plugins.errors import SemineError
from semine_plugins.semine import _contract as c

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class Address:
    """A postal address."""

    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None


@attrs.frozen(kw_only=True)
class BankAccount:
    """A supplier's bank account (domestic number, IBAN, BIC)."""

    account_number: str | None = None
    iban: str | None = None
    swift_code: str | None = None


@attrs.frozen(kw_only=True)
class Supplier:
    """The seller; ``code`` is SEMINE's supplier key."""

    code: str | None = None
    name: str | None = None
    organization_number: str | None = None
    vat_number: str | None = None
    address: Address | None = None
    bank_accounts: tuple[BankAccount, ...] = ()


@attrs.frozen(kw_only=True)
class Buyer:
    """The buyer (the SEMINE client the invoice belongs to)."""

    name: str | None = None
    organization_number: str | None = None
    vat_number: str | None = None
    address: Address | None = None


@attrs.frozen(kw_only=True)
class InvoiceLine:
    """One invoice line as the supplier wrote it."""

    line_number: str | None = None
    description: str | None = None
    quantity: Decimal | None = None
    unit_code: str | None = None
    unit_price: Decimal | None = None
    net_amount: Decimal | None = None
    vat_category: str | None = None
    vat_rate: Decimal | None = None


@attrs.frozen(kw_only=True)
class AccountingLine:
    """One accounting line of a cost invoice (account, VAT code, dimensions)."""

    accounting_code: str | None = None
    vat_code: str | None = None
    amount: Decimal | None = None
    dimensions: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class VatBreakdown:
    """The VAT subtotal of one category and rate."""

    vat_category: str | None = None
    vat_rate: Decimal | None = None
    taxable_amount: Decimal | None = None
    vat_amount: Decimal | None = None


@attrs.frozen(kw_only=True)
class Totals:
    """The document totals."""

    line_extension_amount: Decimal | None = None
    tax_exclusive_amount: Decimal | None = None
    vat_amount: Decimal | None = None
    tax_inclusive_amount: Decimal | None = None
    payable_amount: Decimal | None = None


@attrs.frozen(kw_only=True)
class Attachment:
    """An attached file; ``content`` is the decoded bytes (not shown in repr)."""

    filename: str | None = None
    mime_type: str | None = None
    content: bytes = attrs.field(default=b"", repr=False)


@attrs.frozen(kw_only=True)
class InvoiceSummary:
    """One item of an invoice list."""

    id: int
    invoice_number: str | None = None
    status: str | None = None
    document_type: str | None = None
    supplier_name: str | None = None
    invoice_date: dt.date | None = None
    currency: str | None = None
    payable_amount: Decimal | None = None


@attrs.frozen(kw_only=True)
class InvoiceDetail:
    """A full invoice as SEMINE holds it (``GET .../invoices/{id}``)."""

    id: int
    invoice_number: str | None = None
    status: str | None = None
    document_type: str | None = "Invoice"
    invoice_date: dt.date | None = None
    due_date: dt.date | None = None
    currency: str | None = None
    buyer_reference: str | None = None
    order_reference: str | None = None
    payment_reference: str | None = None
    note: str | None = None
    supplier: Supplier | None = None
    buyer: Buyer | None = None
    lines: tuple[InvoiceLine, ...] = ()
    accounting_lines: tuple[AccountingLine, ...] = ()
    vat_breakdown: tuple[VatBreakdown, ...] = ()
    totals: Totals | None = None
    attachments: tuple[Attachment, ...] = ()


@attrs.frozen(kw_only=True)
class ClientRef:
    """The SEMINE client (company) an integration works for."""

    organization_id: int
    client_id: int
    name: str | None = None
    organization_number: str | None = None


@attrs.frozen(kw_only=True)
class ImportResult:
    """The answer to an import: the invoice's id and status.

    :ivar created: ``True`` when this call created the invoice: SEMINE answered
        201, or answered 200 (key already seen) after this call had to retry, so
        the lost answer was to its own earlier attempt. ``False`` when SEMINE had
        seen the Idempotency-Key before this call and created nothing.
    """

    id: int
    status: str
    created: bool


_FIELDS: dict[type[Any], Mapping[str, str]] = {
    Address: c.ADDRESS_FIELDS,
    BankAccount: c.BANK_ACCOUNT_FIELDS,
    Supplier: c.SUPPLIER_FIELDS,
    Buyer: c.BUYER_FIELDS,
    InvoiceLine: c.INVOICE_LINE_FIELDS,
    AccountingLine: c.ACCOUNTING_LINE_FIELDS,
    VatBreakdown: c.VAT_BREAKDOWN_FIELDS,
    Totals: c.TOTALS_FIELDS,
    Attachment: c.ATTACHMENT_FIELDS,
    InvoiceSummary: c.INVOICE_SUMMARY_FIELDS,
    InvoiceDetail: c.INVOICE_DETAIL_FIELDS,
}


class _MalformedError(Exception):
    pass


def _convert(value: Any, tp: Any, where: str) -> Any:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        if value is None:
            return None
        (inner,) = [a for a in get_args(tp) if a is not type(None)]
        return _convert(value, inner, where)
    if value is None:
        raise _MalformedError(f"{where} is missing")
    if tp is str:
        if isinstance(value, str | int) and not isinstance(value, bool):
            return str(value)
        raise _MalformedError(f"{where} should be a string, got {value!r}")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.isdigit():
            return int(value)
        raise _MalformedError(f"{where} should be a whole number, got {value!r}")
    if tp is Decimal:
        if isinstance(value, bool):
            raise _MalformedError(f"{where} should be a decimal string, got {value!r}")
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise _MalformedError(f"{where} should be a decimal string, got {value!r}") from None
    if tp is dt.date:
        try:
            return dt.date.fromisoformat(str(value)[:10])
        except ValueError:
            raise _MalformedError(f"{where} should be an ISO 8601 date, got {value!r}") from None
    if tp is bytes:
        try:
            return base64.b64decode(str(value), validate=True)
        except (binascii.Error, ValueError):
            raise _MalformedError(f"{where} is not valid base64") from None
    if origin is tuple:
        if not isinstance(value, list):
            raise _MalformedError(f"{where} should be a list")
        item = get_args(tp)[0]
        return tuple(_convert(v, item, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise _MalformedError(f"{where} should be an object")
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(tp, type) and attrs.has(tp):
        return _structure(tp, value, where)
    raise TypeError(f"unsupported type {tp!r}")  # pragma: no cover - a bug in this module


def _structure(cls: type[T], data: Any, where: str) -> T:
    if not isinstance(data, dict):
        raise _MalformedError(f"{where} should be an object")
    names = _FIELDS[cls]
    kwargs: dict[str, Any] = {}
    for f in attrs.fields(attrs.resolve_types(cls)):  # type: ignore[arg-type,type-var]
        key = names[f.name]
        if key in data and data[key] is not None:
            kwargs[f.name] = _convert(data[key], f.type, f"{where}.{key}")
        elif f.default is attrs.NOTHING:
            raise _MalformedError(f"{where}.{key} is missing")
    return cls(**kwargs)


def from_json(cls: type[T], data: Any) -> T:
    """Build ``cls`` from decoded JSON.

    :raises SemineError: naming the field that does not fit the contract.
    """
    try:
        return _structure(cls, data, cls.__name__)
    except _MalformedError as exc:
        raise SemineError(f"SEMINE sent an answer this client does not understand: {exc}") from None


def _unstructure(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, tuple):
        return [_unstructure(v) for v in value]
    if isinstance(value, dict):
        return dict(value)
    if attrs.has(type(value)):
        return to_json(value)
    return value


def to_json(obj: Any) -> dict[str, Any]:
    """Return the contract's JSON form of a model instance (``None`` fields left out)."""
    names = _FIELDS[type(obj)]
    out: dict[str, Any] = {}
    for f in attrs.fields(type(obj)):
        value = getattr(obj, f.name)
        if value is None:
            continue
        out[names[f.name]] = _unstructure(value)
    return out
