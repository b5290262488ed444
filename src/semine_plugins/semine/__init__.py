"""The SEMINE API client: authentication, discovery, invoices, status updates, imports.

Every URL, header and field name of the contract (``docs/semine-api.md``)
lives in one private module, ``_contract``. Errors form one tree under
:class:`semine_plugins.errors.SemineError`; see :mod:`._errors`.
"""

from semine_plugins.semine._client import DEFAULT_TIMEOUT, SemineClient
from semine_plugins.semine._errors import (
    AuthenticationError,
    NotFoundError,
    RejectedError,
    TooLargeError,
    TransientError,
)
from semine_plugins.semine._mapping import accounting_cost, to_ubl
from semine_plugins.semine._models import (
    AccountingLine,
    Address,
    Attachment,
    BankAccount,
    Buyer,
    ClientRef,
    ImportResult,
    InvoiceDetail,
    InvoiceLine,
    InvoiceSummary,
    Supplier,
    Totals,
    VatBreakdown,
)
from semine_plugins.semine._retry import NO_RETRY, RetryPolicy

__all__ = [
    "DEFAULT_TIMEOUT",
    "NO_RETRY",
    "AccountingLine",
    "Address",
    "Attachment",
    "AuthenticationError",
    "BankAccount",
    "Buyer",
    "ClientRef",
    "ImportResult",
    "InvoiceDetail",
    "InvoiceLine",
    "InvoiceSummary",
    "NotFoundError",
    "RejectedError",
    "RetryPolicy",
    "SemineClient",
    "Supplier",
    "TooLargeError",
    "Totals",
    "TransientError",
    "VatBreakdown",
    "accounting_cost",
    "to_ubl",
]
