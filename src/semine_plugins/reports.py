"""What a plugin hands back: connection reports and run reports.

Reports are plain frozen data, safe to print, log and serialise: a plugin
must never put a secret in one (the conformance suite checks).
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import attrs

__all__ = [
    "Check",
    "CheckStatus",
    "ConnectionReport",
    "FileOutcome",
    "Outcome",
    "RunReport",
]


class CheckStatus(enum.StrEnum):
    """The result of one connection check."""

    PASSED = "passed"
    """The check found what it looked for."""
    FAILED = "failed"
    """The check failed; the report is not ok. ``hint`` says what to do."""
    WARNING = "warning"
    """Works, but a person should look (a newly trusted host key, say)."""
    SKIPPED = "skipped"
    """An earlier check failed, so this one could not run."""


@attrs.frozen(kw_only=True)
class Check:
    """One step of a Test Connection run.

    :ivar name: short, stable identifier (``"tcp"``, ``"auth"``, ...).
    :ivar title: what was checked, for people (``"TCP connect to sftp.acme.no:22"``).
    :ivar status: passed, failed, warning or skipped.
    :ivar elapsed: seconds the check took.
    :ivar detail: what was found (a fingerprint, an error message).
    :ivar hint: on failure: what to do about it.
    """

    name: str
    title: str
    status: CheckStatus
    elapsed: float = 0.0
    detail: str = ""
    hint: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the check as JSON-ready data."""
        return {
            "name": self.name,
            "title": self.title,
            "status": str(self.status),
            "elapsed": round(self.elapsed, 4),
            "detail": self.detail,
            "hint": self.hint,
        }


def _checks(value: Iterable[Check]) -> tuple[Check, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class ConnectionReport:
    """The result of ``test_connection``: ordered checks.

    ``ok`` is true when no check failed (warnings do not fail a report).
    """

    checks: tuple[Check, ...] = attrs.field(converter=_checks)

    @property
    def ok(self) -> bool:
        """True when no check failed."""
        return all(c.status is not CheckStatus.FAILED for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {"ok": self.ok, "checks": [c.to_dict() for c in self.checks]}


class Outcome(enum.StrEnum):
    """What happened to one file or invoice in a run."""

    SENT = "sent"
    """An invoice was exported and confirmed Posted."""
    IMPORTED = "imported"
    """A file was imported into SEMINE as a new invoice."""
    DUPLICATE = "duplicate"
    """SEMINE already had it; nothing new was created."""
    FAILED = "failed"
    """Permanent failure: moved to the Failure folder, or reported."""
    RETRY = "retry"
    """Transient failure: left in place, tried again on the next run."""
    SKIPPED = "skipped"
    """Deliberately not processed (the reason says why)."""
    WARNING = "warning"
    """Something a person should look at; nothing was done."""


_FAILING = frozenset({Outcome.FAILED, Outcome.RETRY})


@attrs.frozen(kw_only=True)
class FileOutcome:
    """The outcome for one file (receive) or one invoice (send).

    :ivar outcome: what happened.
    :ivar name: the file name, or the invoice id on send.
    :ivar reason: why (always set for failed, retry, skipped and warning).
    :ivar invoice_id: SEMINE's invoice id, when there is one.
    :ivar path: where the file is now (or was), on the remote side.
    """

    outcome: Outcome
    name: str
    reason: str = ""
    invoice_id: str | None = None
    path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the outcome as JSON-ready data."""
        return {
            "outcome": str(self.outcome),
            "name": self.name,
            "reason": self.reason,
            "invoice_id": self.invoice_id,
            "path": self.path,
        }


def _outcomes(value: Iterable[FileOutcome]) -> tuple[FileOutcome, ...]:
    return tuple(value)


def _now() -> datetime:
    return datetime.now(UTC)


@attrs.frozen(kw_only=True)
class RunReport:
    """The result of one ``send`` or ``receive`` run.

    ``ok`` is false when any file failed or is waiting for a retry.
    """

    integration: str
    action: str  # "send" or "receive"
    outcomes: tuple[FileOutcome, ...] = attrs.field(converter=_outcomes, default=())
    started: datetime = attrs.field(factory=_now)
    finished: datetime = attrs.field(factory=_now)

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not any(o.outcome in _FAILING for o in self.outcomes)

    @property
    def counts(self) -> dict[str, int]:
        """Outcome name → how many, for every outcome kind (zeros included)."""
        c = Counter(str(o.outcome) for o in self.outcomes)
        return {str(k): c.get(str(k), 0) for k in Outcome}

    def summary(self) -> str:
        """One line for people: ``receive acme: 3 imported, 1 failed``."""
        parts = [f"{n} {k}" for k, n in self.counts.items() if n]
        return f"{self.action} {self.integration}: {', '.join(parts) or 'nothing to do'}"

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {
            "integration": self.integration,
            "action": self.action,
            "ok": self.ok,
            "counts": self.counts,
            "started": self.started.isoformat(),
            "finished": self.finished.isoformat(),
            "outcomes": [o.to_dict() for o in self.outcomes],
        }

    @classmethod
    def build(
        cls,
        *,
        integration: str,
        action: str,
        outcomes: Iterable[FileOutcome],
        started: datetime,
    ) -> RunReport:
        """Make a report finished now."""
        return cls(
            integration=integration,
            action=action,
            outcomes=tuple(outcomes),
            started=started,
            finished=_now(),
        )
