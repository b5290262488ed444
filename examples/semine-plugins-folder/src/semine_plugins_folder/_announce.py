"""Telling the world about one outcome: observers, the log, the progress bar."""

from __future__ import annotations

from semine_plugins import FileOutcome, IntegrationContext, Outcome

__all__ = ["announce"]


def announce(ctx: IntegrationContext, outcome: FileOutcome) -> FileOutcome:
    """Announce ``outcome`` to observers, log it and advance the progress; return it."""
    ctx.events.outcome(outcome)
    failing = outcome.outcome in (Outcome.FAILED, Outcome.RETRY)
    (ctx.log.warning if failing else ctx.log.info)(
        "%s %s%s", outcome.outcome, outcome.name, f": {outcome.reason}" if outcome.reason else ""
    )
    ctx.progress.advance()
    return outcome
