"""The ``sandbox`` extra: the servers the kit runs need it, the rest of the kit does not."""

from __future__ import annotations

import importlib.util

__all__ = ["SANDBOX_EXTRA", "MissingExtraError", "require_sandbox_extra"]

SANDBOX_EXTRA = "semine-plugins[sandbox]"
"""What to install for the SEMINE sandbox and the in-process SFTP server."""

_MODULES = {
    "sandbox": ("starlette", "uvicorn"),
    "sftp": ("asyncssh",),
}


class MissingExtraError(ImportError):
    """A testing-kit server was asked for without the ``sandbox`` extra installed."""


def require_sandbox_extra(what: str) -> None:
    """Check that the libraries behind ``what`` (``"sandbox"`` or ``"sftp"``) are installed.

    Only looks the modules up; nothing is imported.

    :raises MissingExtraError: naming the missing library and what to install.
    """
    missing = [m for m in _MODULES[what] if _absent(m)]
    if missing:
        thing = "the SEMINE sandbox" if what == "sandbox" else "the in-process SFTP server"
        raise MissingExtraError(
            f"{thing} needs {', '.join(missing)}, which is not installed; "
            f"install the testing extra: pip install '{SANDBOX_EXTRA}'"
        )


def _absent(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):  # a parent package is missing or a None entry
        return True
