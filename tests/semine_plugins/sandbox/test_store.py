"""The sandbox's store stays as fast with many invoices as with a few."""

from __future__ import annotations

import pytest

from semine_plugins.sandbox._store import Store


@pytest.mark.parametrize(
    ("query", "params"),
    [
        (  # an import's duplicate check
            "SELECT 1 FROM invoices WHERE client_id = ? AND supplier_key = ? "
            "AND invoice_number = ?",
            (1, "NO912345678", "INV-1"),
        ),
        (  # a list by status (send's "Posting" invoices), one page
            "SELECT * FROM invoices WHERE client_id = ? AND status = ? ORDER BY id LIMIT 100",
            (1, "Posting"),
        ),
    ],
)
def test_lookups_use_an_index_not_a_scan_of_every_invoice(
    query: str, params: tuple[object, ...]
) -> None:
    """Without an index each import scanned every stored invoice, documents included:
    after 11,000 imports receive ran at 120 files/s instead of 194."""
    store = Store()
    try:
        plan = " ".join(row["detail"] for row in store.query(f"EXPLAIN QUERY PLAN {query}", params))
    finally:
        store.close()
    assert "SEARCH invoices USING" in plan, plan
    assert "SCAN invoices" not in plan, plan
