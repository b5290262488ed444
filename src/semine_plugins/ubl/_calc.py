"""EN 16931 calculations: line amounts, the VAT breakdown and the document totals.

An invoice built from data (e.g. SEMINE's JSON) gets totals that satisfy
BR-CO-10 … BR-CO-17 and BR-S-08 / BR-Z-08 / BR-AE-08 and friends: amounts
are rounded half-up to two decimals, VAT per category and rate.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

import attrs

from semine_plugins.ubl._model import (
    AllowanceCharge,
    CreditNote,
    Invoice,
    Line,
    MonetaryTotal,
    TaxCategory,
    TaxSubtotal,
    TaxTotal,
)

__all__ = ["calculate_totals", "line_amount", "round_amount", "tax_breakdown"]

_CENT = Decimal("0.01")
D = TypeVar("D", Invoice, CreditNote)


def round_amount(value: Decimal) -> Decimal:
    """Round an amount half-up to two decimals, as EN 16931 expects."""
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def line_amount(
    quantity: Decimal,
    price: Decimal,
    *,
    base_quantity: Decimal = Decimal(1),
    allowances_charges: Iterable[AllowanceCharge] = (),
) -> Decimal:
    """The line net amount (BT-131): quantity * price / base quantity + charges - allowances."""
    amount = quantity * price / base_quantity
    for ac in allowances_charges:
        amount += ac.amount if ac.charge else -ac.amount
    return round_amount(amount)


def _key(category: TaxCategory) -> tuple[str, Decimal]:
    return category.id, category.percent if category.percent is not None else Decimal(0)


def tax_breakdown(
    lines: Iterable[Line],
    allowances_charges: Iterable[AllowanceCharge] = (),
    *,
    categories: Iterable[TaxCategory] = (),
) -> tuple[TaxSubtotal, ...]:
    """The VAT breakdown (BG-23): one subtotal per VAT category and rate, in order of first use.

    The taxable amount is the sum of the line amounts plus document charges
    minus document allowances of that category (BR-S-08 and friends); the
    VAT is the taxable amount * rate, rounded (BR-CO-17).

    :param categories: categories to use for the breakdown when they match a
        line's category and rate, e.g. to carry exemption reasons (BR-E-10).
    """
    taxable: dict[tuple[str, Decimal], Decimal] = {}
    known = {_key(c): c for c in categories}
    found: dict[tuple[str, Decimal], TaxCategory] = {}
    for line in lines:
        key = _key(line.item.tax_category)
        found.setdefault(key, known.get(key, line.item.tax_category))
        taxable[key] = taxable.get(key, Decimal(0)) + line.line_extension_amount
    for ac in allowances_charges:
        if ac.tax_category is None:
            raise ValueError("a document-level allowance or charge needs a tax_category")
        key = _key(ac.tax_category)
        found.setdefault(key, known.get(key, ac.tax_category))
        taxable[key] = taxable.get(key, Decimal(0)) + (ac.amount if ac.charge else -ac.amount)
    subtotals = []
    for key, base in taxable.items():
        rate = key[1]
        subtotals.append(
            TaxSubtotal(
                taxable_amount=round_amount(base),
                tax_amount=round_amount(base * rate / 100),
                category=found[key],
            )
        )
    return tuple(subtotals)


def calculate_totals(doc: D) -> D:
    """Return ``doc`` with its VAT breakdown and monetary totals calculated from its lines.

    The document-currency :class:`TaxTotal` is replaced (a tax-currency total,
    if any, is kept, and the categories of the replaced one are reused so
    exemption reasons survive); prepaid and rounding amounts already on the totals are
    respected (BR-CO-16).
    """
    line_total = round_amount(sum((ln.line_extension_amount for ln in doc.lines), Decimal(0)))
    allowances = [ac for ac in doc.allowances_charges if not ac.charge]
    charges = [ac for ac in doc.allowances_charges if ac.charge]
    allowance_total = round_amount(sum((ac.amount for ac in allowances), Decimal(0)))
    charge_total = round_amount(sum((ac.amount for ac in charges), Decimal(0)))
    own = [t for t in doc.tax_totals if not t.currency or t.currency == doc.currency]
    known = [s.category for t in own for s in t.subtotals]
    subtotals = tax_breakdown(doc.lines, doc.allowances_charges, categories=known)
    tax = round_amount(sum((s.tax_amount for s in subtotals), Decimal(0)))
    exclusive = line_total - allowance_total + charge_total
    inclusive = exclusive + tax
    old = doc.totals
    prepaid = old.prepaid_amount
    rounding = old.payable_rounding_amount
    payable = inclusive - (prepaid or Decimal(0)) + (rounding or Decimal(0))
    totals = MonetaryTotal(
        line_extension_amount=line_total,
        tax_exclusive_amount=exclusive,
        tax_inclusive_amount=inclusive,
        allowance_total_amount=allowance_total if allowances else None,
        charge_total_amount=charge_total if charges else None,
        prepaid_amount=prepaid,
        payable_rounding_amount=rounding,
        payable_amount=payable,
    )
    others: tuple[TaxTotal, ...] = tuple(
        t for t in doc.tax_totals if t.currency and t.currency != doc.currency
    )
    tax_totals = (TaxTotal(tax_amount=tax, subtotals=subtotals), *others)
    return attrs.evolve(doc, totals=totals, tax_totals=tax_totals)
