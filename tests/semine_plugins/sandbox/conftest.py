"""The sandbox user's credentials (the server, admin and company fixtures are in ../conftest.py)."""

from __future__ import annotations

from semine_plugins.testing import SANDBOX_EMAIL as EMAIL
from semine_plugins.testing import SANDBOX_PASSWORD as PASSWORD
from semine_plugins.testing import SANDBOX_TOKEN as PAT

__all__ = ["EMAIL", "PASSWORD", "PAT"]
