"""Credentials of the servers the kit's fixtures start (test servers on loopback only)."""

from __future__ import annotations

__all__ = ["SFTP_PASSWORD", "SFTP_USER"]

SFTP_USER = "semine"
"""The user the ``sftp_server`` fixture creates."""

SFTP_PASSWORD = "sftp-pass-7f3a"  # noqa: S105 - a test server on loopback
"""That user's password."""
