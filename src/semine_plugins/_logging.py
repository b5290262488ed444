"""Logging set-up for the command line: plain or JSON lines, secrets masked."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from semine_plugins.settings import redact

__all__ = ["JsonFormatter", "RedactingFilter", "configure_logging"]

_CONTEXT_FIELDS = ("integration", "file", "invoice_id", "plugin")


class RedactingFilter(logging.Filter):
    """Masks every live :class:`~semine_plugins.Secret` value in a record's text."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message once, masked, so no formatter sees the secret."""
        message = record.getMessage()
        masked = redact(message)
        if record.exc_info and record.exc_text is None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.msg, record.args = masked, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the integration and file when known."""

    def format(self, record: logging.LogRecord) -> str:
        """Format a record as a JSON line."""
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in _CONTEXT_FIELDS:
            value = getattr(record, key, None)
            if value is not None:
                out[key] = value
        if record.exc_text:
            out["exception"] = record.exc_text
        elif record.exc_info:
            out["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(out, ensure_ascii=False)


class _PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        prefix = ""
        integration = getattr(record, "integration", None)
        if integration:
            prefix = f"[{integration}] "
        return f"{record.levelname.lower()}: {prefix}{super().format(record)}"


def configure_logging(verbosity: int = 0, fmt: str = "text") -> None:
    """Send the project's logs to stderr.

    :param verbosity: -1 errors only, 0 warnings, 1 info, 2 debug.
    :param fmt: ``"text"`` or ``"json"``.
    """
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(
        max(-1, min(verbosity, 2)), logging.DEBUG
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else _PlainFormatter("%(message)s"))
    handler._semine = True  # type: ignore[attr-defined]
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if not getattr(h, "_semine", False)]
    root.addHandler(handler)
    root.setLevel(level)
    # Third-party chatter only when asked for with -vv.
    for noisy in ("httpx", "httpcore", "paramiko", "asyncssh", "uvicorn"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbosity >= 3 else logging.WARNING)
