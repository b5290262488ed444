"""The sandbox's state: users, organizations, clients, invoices, tokens, in SQLite."""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    email TEXT PRIMARY KEY COLLATE NOCASE,
    password TEXT NOT NULL,
    pat TEXT
);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS organizations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS clients (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    organization_number TEXT
);
CREATE TABLE IF NOT EXISTS invoices (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients(id),
    status TEXT NOT NULL,
    invoice_number TEXT,
    supplier_key TEXT,
    detail TEXT NOT NULL,
    document BLOB,
    message TEXT,
    voucher_number TEXT,
    idempotency_key TEXT
);
-- Without these, every import scanned all invoices (documents included) for a
-- duplicate number, and every list for a status: slower the more were stored.
CREATE INDEX IF NOT EXISTS invoices_by_number
    ON invoices (client_id, supplier_key, invoice_number);
CREATE INDEX IF NOT EXISTS invoices_by_status ON invoices (client_id, status, id);
CREATE TABLE IF NOT EXISTS idempotency (
    client_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    invoice_id INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (client_id, key)
);
"""


class Store:
    """Thread-safe access to the sandbox database (``":memory:"`` by default)."""

    def __init__(self, path: str = ":memory:", *, token_lifetime: int = 3600) -> None:
        self.path = path
        self.token_lifetime = token_lifetime
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run statements atomically, one thread at a time."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """Return all rows of a read-only query."""
        with self._lock:
            return list(self._db.execute(sql, params))

    # -- users and tokens ------------------------------------------------

    def issue_token(self, email: str, password: str) -> tuple[str, int] | None:
        """Return ``(token, lifetime)`` for valid credentials, else ``None``."""
        with self.transaction() as db:
            row = db.execute("SELECT password FROM users WHERE email = ?", (email,)).fetchone()
            if row is None or not secrets.compare_digest(row["password"], password):
                return None
            token = secrets.token_urlsafe(32)
            db.execute(
                "INSERT INTO tokens VALUES (?, ?, ?)",
                (token, email, time.time() + self.token_lifetime),
            )
            return token, self.token_lifetime

    def user_for_token(self, token: str) -> str | None:
        """Return the email a bearer token belongs to, or ``None``."""
        rows = self.query(
            "SELECT email FROM tokens WHERE token = ? AND expires > ? "
            "UNION ALL SELECT email FROM users WHERE pat = ?",
            (token, time.time(), token),
        )
        return str(rows[0]["email"]) if rows else None

    def revoke_tokens(self) -> None:
        """Forget every issued access token (personal access tokens stay)."""
        with self.transaction() as db:
            db.execute("DELETE FROM tokens")

    # -- setup -----------------------------------------------------------

    def setup(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Create users, organizations and clients; return them with ids filled in."""
        out: dict[str, Any] = {"users": [], "organizations": []}
        with self.transaction() as db:
            for user in body.get("users") or ():
                db.execute(
                    "INSERT OR REPLACE INTO users VALUES (?, ?, ?)",
                    (user["email"], user["password"], user.get("personalAccessToken")),
                )
                out["users"].append({"email": user["email"]})
            for org in body.get("organizations") or ():
                cur = db.execute(
                    "INSERT OR REPLACE INTO organizations (id, name) VALUES (?, ?)",
                    (org.get("id"), org["name"]),
                )
                org_id = org.get("id") or cur.lastrowid
                clients = []
                for cl in org.get("clients") or ():
                    cur = db.execute(
                        "INSERT OR REPLACE INTO clients (id, org_id, name, organization_number) "
                        "VALUES (?, ?, ?, ?)",
                        (cl.get("id"), org_id, cl["name"], cl.get("organizationNumber")),
                    )
                    clients.append(
                        {
                            "id": cl.get("id") or cur.lastrowid,
                            "name": cl["name"],
                            "organizationNumber": cl.get("organizationNumber"),
                        }
                    )
                out["organizations"].append({"id": org_id, "name": org["name"], "clients": clients})
        return out

    def organizations(self) -> list[dict[str, Any]]:
        """Return every organization with its clients."""
        orgs = []
        for org in self.query("SELECT id, name FROM organizations ORDER BY id"):
            clients = [
                {"id": r["id"], "name": r["name"], "organizationNumber": r["organization_number"]}
                for r in self.query(
                    "SELECT id, name, organization_number FROM clients WHERE org_id = ? "
                    "ORDER BY id",
                    (org["id"],),
                )
            ]
            orgs.append({"id": org["id"], "name": org["name"], "clients": clients})
        return orgs

    def client_exists(self, org_id: int, client_id: int) -> bool:
        """Whether the client exists in that organization."""
        return bool(
            self.query("SELECT 1 FROM clients WHERE id = ? AND org_id = ?", (client_id, org_id))
        )

    # -- invoices --------------------------------------------------------

    def add_invoice(
        self,
        client_id: int,
        detail: Mapping[str, Any],
        *,
        status: str,
        document: bytes | None = None,
        supplier_key: str | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Store an invoice and return its id (inside or outside a transaction)."""
        with self.transaction() as db:
            return self._insert(
                db, client_id, detail, status, document, supplier_key, idempotency_key
            )

    @staticmethod
    def _insert(  # noqa: PLR0917 - private, called in two places
        db: sqlite3.Connection,
        client_id: int,
        detail: Mapping[str, Any],
        status: str,
        document: bytes | None,
        supplier_key: str | None,
        idempotency_key: str | None,
    ) -> int:
        cur = db.execute(
            "INSERT INTO invoices (id, client_id, status, invoice_number, supplier_key, detail, "
            "document, idempotency_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                detail.get("id"),
                client_id,
                status,
                detail.get("invoiceNumber"),
                supplier_key,
                json.dumps(dict(detail)),
                document,
                idempotency_key,
            ),
        )
        return int(detail.get("id") or cur.lastrowid or 0)

    def invoice(self, client_id: int | None, invoice_id: int) -> sqlite3.Row | None:
        """Return one invoice row (of that client, when given)."""
        rows = self.query("SELECT * FROM invoices WHERE id = ?", (invoice_id,))
        if not rows or (client_id is not None and rows[0]["client_id"] != client_id):
            return None
        return rows[0]

    def list_invoices(
        self, client_id: int, status: str | None, page: int, page_size: int
    ) -> tuple[list[sqlite3.Row], int]:
        """Return one page of invoices and the total count."""
        where, params = "client_id = ?", [str(client_id)]
        if status:
            where += " AND status = ?"
            params.append(status)
        total = self.query(f"SELECT COUNT(*) AS n FROM invoices WHERE {where}", tuple(params))  # noqa: S608 - fixed fragments
        rows = self.query(
            f"SELECT * FROM invoices WHERE {where} ORDER BY id LIMIT ? OFFSET ?",  # noqa: S608 - fixed fragments
            (*params, page_size, (page - 1) * page_size),
        )
        return rows, int(total[0]["n"])

    def set_status(
        self, invoice_id: int, status: str, message: str | None, voucher: str | None
    ) -> None:
        """Record a status update."""
        with self.transaction() as db:
            db.execute(
                "UPDATE invoices SET status = ?, message = COALESCE(?, message), "
                "voucher_number = COALESCE(?, voucher_number) WHERE id = ?",
                (status, message, voucher, invoice_id),
            )


def supplier_key(value: object) -> str | None:
    """The key duplicates are detected by: the supplier's number or name, no spaces, upper case."""
    return "".join(str(value).split()).upper() if value else None


class KeyReusedError(Exception):
    """An Idempotency-Key came back with a different document."""


def import_document(
    store: Store,
    client_id: int,
    *,
    key: str,
    sha256: str,
    detail: Mapping[str, Any],
    document: bytes,
    supplier_key: str | None,
) -> tuple[int, str, bool]:
    """Store an imported document once per Idempotency-Key.

    :returns: ``(id, status, created)``; ``created`` is ``False`` for a replay.
    :raises KeyReusedError: the key was used before for other bytes.
    """
    with store.transaction() as db:
        seen = db.execute(
            "SELECT i.id, i.status, k.sha256 FROM idempotency k JOIN invoices i "
            "ON i.id = k.invoice_id WHERE k.client_id = ? AND k.key = ?",
            (client_id, key),
        ).fetchone()
        if seen is not None:
            if seen["sha256"] != sha256:
                raise KeyReusedError(key)
            return int(seen["id"]), str(seen["status"]), False
        duplicate = (
            supplier_key is not None
            and detail.get("invoiceNumber") is not None
            and (
                db.execute(
                    "SELECT 1 FROM invoices WHERE client_id = ? AND supplier_key = ? "
                    "AND invoice_number = ?",
                    (client_id, supplier_key, detail.get("invoiceNumber")),
                ).fetchone()
                is not None
            )
        )
        status = "Duplicate" if duplicate else "Received"
        invoice_id = Store._insert(db, client_id, detail, status, document, supplier_key, key)
        db.execute(
            "INSERT INTO idempotency VALUES (?, ?, ?, ?)", (client_id, key, invoice_id, sha256)
        )
        return invoice_id, status, True
