"""The client against the sandbox served on loopback: every endpoint of the contract."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from semine_plugins.errors import ConfigError
from semine_plugins.sandbox import (
    SandboxAdmin,
    SandboxClient,
    SandboxServer,
    sample_detail,
    sample_document,
)
from semine_plugins.semine import (
    ClientRef,
    InvoiceDetail,
    NotFoundError,
    RejectedError,
    SemineClient,
)
from semine_plugins.settings import Secret

from .conftest import EMAIL, PASSWORD, PAT


def test_password_grant_then_calls(semine: SemineClient, admin: SandboxAdmin) -> None:
    """authenticate() fetches a token once; later calls carry it."""
    semine.authenticate()
    semine.resolve_client()
    paths = [(c["method"], c["path"], c["status"]) for c in admin.calls()]
    assert paths == [
        ("POST", "/api/v1.0/token", 200),
        ("GET", "/api/v1.0/organizations", 200),
    ]


def test_personal_access_token(server: SandboxServer, company: SandboxClient) -> None:
    """A personal access token is sent as the bearer token; no token request is made."""
    with SemineClient(server.url, token=Secret(PAT)) as client:
        client.authenticate()
        assert client.resolve_client().client_id == company.client_id


def test_credentials_are_required(server: SandboxServer) -> None:
    """Neither a token nor email and password is a configuration error."""
    with pytest.raises(ConfigError, match="personal access token"):
        SemineClient(server.url, email=EMAIL)


def test_resolve_the_only_client(semine: SemineClient, company: SandboxClient) -> None:
    """With one visible client and none chosen, that one is used, and cached."""
    ref = semine.resolve_client()
    assert ref == ClientRef(
        organization_id=company.organization_id,
        client_id=company.client_id,
        name="Kjøper AS",
        organization_number="123456785",
    )
    assert semine.resolve_client() is ref


@pytest.fixture
def two_clients(admin: SandboxAdmin, company: SandboxClient) -> SandboxClient:
    (other,) = admin.setup(
        organizations=[
            {"name": "Annen AS", "clients": [{"name": "Annen", "organizationNumber": "111222333"}]}
        ]
    )
    return other


@pytest.mark.parametrize("choice", ["by-id", "111 222 333", "NO111222333MVA"])
def test_resolve_by_id_or_organisation_number(
    server: SandboxServer, two_clients: SandboxClient, choice: str
) -> None:
    """A client is chosen by id or organisation number, however it is spelled."""
    wanted = str(two_clients.client_id) if choice == "by-id" else choice
    with SemineClient(server.url, email=EMAIL, password=Secret(PASSWORD), client=wanted) as c:
        assert c.resolve_client().client_id == two_clients.client_id


def test_several_clients_and_none_chosen(server: SandboxServer, two_clients: SandboxClient) -> None:
    """Several visible clients and no choice: the error lists them."""
    with (
        SemineClient(server.url, email=EMAIL, password=Secret(PASSWORD)) as c,
        pytest.raises(NotFoundError, match="can see 2 clients") as info,
    ):
        c.resolve_client()
    assert "111222333" in str(info.value)


def test_unknown_client(server: SandboxServer, company: SandboxClient) -> None:
    """A client nobody can see is a NotFoundError (also a LookupError)."""
    with (
        SemineClient(server.url, email=EMAIL, password=Secret(PASSWORD), client="999") as c,
        pytest.raises(LookupError, match="999"),
    ):
        c.resolve_client()


def test_iter_invoices_pages(
    server: SandboxServer, admin: SandboxAdmin, company: SandboxClient
) -> None:
    """Every Posting invoice is listed across pages, and only those."""
    ids = [admin.seed_invoice(company, sample_detail(invoiceNumber=f"N-{i}")) for i in range(7)]
    admin.seed_invoice(company, sample_detail(invoiceNumber="done", invoiceStatus="Posted"))
    with SemineClient(server.url, email=EMAIL, password=Secret(PASSWORD), page_size=3) as c:
        found = list(c.iter_invoices())
    assert [s.id for s in found] == ids
    assert found[0].payable_amount == Decimal("1250.00")
    assert found[0].invoice_date == dt.date(2026, 11, 1)
    pages = [call["query"] for call in admin.calls() if call["path"].endswith("/invoices")]
    assert pages == [f"status=Posting&page={p}&pageSize=3" for p in (1, 2, 3)]


def test_iter_then_post_each_skips_none(
    server: SandboxServer, admin: SandboxAdmin, company: SandboxClient
) -> None:
    """Marking invoices Posted while iterating does not skip any (pages are read first)."""
    ids = [admin.seed_invoice(company, sample_detail(invoiceNumber=f"N-{i}")) for i in range(5)]
    with SemineClient(server.url, email=EMAIL, password=Secret(PASSWORD), page_size=2) as c:
        done = []
        for summary in c.iter_invoices():
            c.set_status(summary.id, "Posted")
            done.append(summary.id)
    assert done == ids


def test_get_invoice_is_typed(
    semine: SemineClient, admin: SandboxAdmin, company: SandboxClient
) -> None:
    """The detail carries Decimal money, date dates, lines, accounting lines, attachments."""
    invoice_id = admin.seed_invoice(company, sample_detail())
    detail = semine.get_invoice(invoice_id)
    assert isinstance(detail, InvoiceDetail)
    assert detail.id == invoice_id
    assert detail.status == "Posting"
    assert detail.due_date == dt.date(2026, 12, 1)
    assert detail.totals is not None
    assert detail.totals.payable_amount == Decimal("1250.00")
    assert detail.lines[0].unit_price == Decimal("500.00")
    assert detail.accounting_lines[0].accounting_code == "6790"
    assert detail.accounting_lines[0].dimensions == {"department": "20", "project": "P-9"}
    assert detail.supplier is not None
    assert detail.supplier.bank_accounts[0].iban == "NO9386011117947"
    assert detail.attachments[0].content == b"%PDF-1.4\n"
    assert "PDF" not in repr(detail.attachments[0])


def test_unknown_invoice(semine: SemineClient) -> None:
    """An invoice that does not exist is a NotFoundError naming it."""
    with pytest.raises(NotFoundError, match="invoice 4242"):
        semine.get_invoice(4242)


def test_set_status_posted_with_voucher(
    semine: SemineClient, admin: SandboxAdmin, company: SandboxClient
) -> None:
    """Posted with a voucher number is recorded; the invoice leaves the Posting list."""
    invoice_id = admin.seed_invoice(company, sample_detail())
    semine.set_status(invoice_id, "Posted", voucher_number="V-2026-17")
    record = admin.invoice(invoice_id)
    assert record["invoiceStatus"] == "Posted"
    assert record["voucherNumber"] == "V-2026-17"
    assert list(semine.iter_invoices()) == []


def test_set_status_posting_error_message(
    semine: SemineClient, admin: SandboxAdmin, company: SandboxClient
) -> None:
    """PostingError carries the message the person in SEMINE will read, secrets masked."""
    invoice_id = admin.seed_invoice(company, sample_detail())
    secret = Secret("hunter2-sftp-password")
    secret.reveal()
    semine.set_status(
        invoice_id, "PostingError", message="Upload failed: login hunter2-sftp-password refused"
    )
    record = admin.invoice(invoice_id)
    assert record["invoiceStatus"] == "PostingError"
    assert record["message"] == "Upload failed: login ********** refused"


def test_set_status_checks_its_arguments(semine: SemineClient) -> None:
    """Unknown statuses and a PostingError without a message never reach SEMINE."""
    with pytest.raises(ValueError, match="status must be one of"):
        semine.set_status(1, "Done")
    with pytest.raises(ValueError, match="needs a message"):
        semine.set_status(1, "PostingError")


def test_set_status_of_a_received_invoice_is_rejected(semine: SemineClient) -> None:
    """A status change SEMINE refuses (409) is a RejectedError."""
    result = semine.import_document(sample_document(), idempotency_key="k-1")
    with pytest.raises(RejectedError, match="409"):
        semine.set_status(result.id, "Posted")


def test_import_and_get_document(semine: SemineClient, admin: SandboxAdmin) -> None:
    """An import creates one Received invoice whose original bytes come back unchanged."""
    data = sample_document().replace(b"<cbc:ID>INV", b"<cbc:ID>\n  INV")  # odd but valid
    result = semine.import_document(data, idempotency_key="file-1")
    assert result.created
    assert result.status == "Received"
    assert semine.get_document(result.id) == data
    assert admin.document(result.id) == data
    received = list(semine.iter_invoices("Received"))
    assert [s.id for s in received] == [result.id]
    assert received[0].supplier_name == "Leverandør AS"
    assert [r["id"] for r in admin.received()] == [result.id]


def test_import_replay_creates_nothing(semine: SemineClient, admin: SandboxAdmin) -> None:
    """The same Idempotency-Key answers 200 with the same id; nothing new is created."""
    first = semine.import_document(sample_document(), idempotency_key="file-1")
    again = semine.import_document(sample_document(), idempotency_key="file-1")
    assert (again.id, again.created) == (first.id, False)
    assert len(admin.invoices()) == 1


def test_import_duplicate_invoice_number(semine: SemineClient) -> None:
    """Same supplier and invoice number under a new key is imported as Duplicate."""
    semine.import_document(sample_document("A-1"), idempotency_key="k1")
    second = semine.import_document(sample_document("A-1"), idempotency_key="k2")
    other = semine.import_document(
        sample_document("A-1", supplier_org="111111111"), idempotency_key="k3"
    )
    assert (second.created, second.status) == (True, "Duplicate")
    assert other.status == "Received"


def test_import_credit_note(semine: SemineClient) -> None:
    """A CreditNote is imported like an invoice."""
    result = semine.import_document(sample_document(root="CreditNote"), idempotency_key="cn")
    (summary,) = semine.iter_invoices("Received")
    assert (summary.id, summary.document_type) == (result.id, "CreditNote")


def test_import_invalid_document(semine: SemineClient, admin: SandboxAdmin) -> None:
    """A document that is not valid UBL is a RejectedError listing the XSD errors."""
    bad = sample_document().replace(b"<cbc:IssueDate>2026-11-01</cbc:IssueDate>", b"")
    with pytest.raises(RejectedError, match="422") as info:
        semine.import_document(bad, idempotency_key="bad")
    assert info.value.errors
    assert any("IssueDate" in str(e) for e in info.value.errors)
    assert admin.invoices() == []


@pytest.mark.parametrize(
    "data",
    [b"not xml", b"<html/>", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'],
)
def test_import_not_ubl(semine: SemineClient, data: bytes) -> None:
    """Not XML, a wrong root and a DTD are all refused with 422."""
    with pytest.raises(RejectedError) as info:
        semine.import_document(data, idempotency_key="x")
    assert info.value.status == 422


def test_import_key_reused_for_other_bytes(semine: SemineClient) -> None:
    """A key reused with a different document is refused rather than answered as a replay."""
    semine.import_document(sample_document("A-1"), idempotency_key="k")
    with pytest.raises(RejectedError, match="Idempotency-Key"):
        semine.import_document(sample_document("A-2"), idempotency_key="k")


def test_import_too_large(semine: SemineClient) -> None:
    """A document over the limit is a TooLargeError."""
    from semine_plugins.semine import TooLargeError

    big = sample_document().replace(b"</Invoice>", b"<!--" + b"x" * 300_000 + b"--></Invoice>")
    with pytest.raises(TooLargeError, match="too large"):
        semine.import_document(big, idempotency_key="big")


def test_import_needs_a_key(semine: SemineClient) -> None:
    """An empty Idempotency-Key is refused before anything is sent."""
    with pytest.raises(ValueError, match="idempotency_key"):
        semine.import_document(sample_document(), idempotency_key=" ")


def test_repr_shows_url_and_email_only(server: SandboxServer) -> None:
    """repr names the base URL and the email, never the password or token."""
    with SemineClient(server.url, email=EMAIL, password=Secret(PASSWORD)) as c:
        assert repr(c) == f"SemineClient(base_url={server.url!r}, email={EMAIL!r})"
    with SemineClient(server.url, token=Secret(PAT)) as c:
        assert PAT not in repr(c)
