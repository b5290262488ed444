"""Test Connection: the folders are there and writable, and SEMINE lets us in.

Each check is independent of the others' outcome except where it cannot run
(no inbox: no done folder inside it). The done and failed folders are created
when missing; a probe file shows a folder is writable and is always removed.
"""

from __future__ import annotations

import functools
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from semine_plugins import Check, CheckStatus, ConnectionReport, IntegrationContext
from semine_plugins.errors import SeminePluginsError
from semine_plugins_folder._settings import FolderSettings

__all__ = ["test_connection"]


def _writable(folder: Path, *, create: bool) -> str:
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} does not exist or is not a folder")
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".semine-probe-"):
        pass  # created and removed: the folder takes new files
    return f"{folder} exists and is writable"


def _check(name: str, title: str, hint: str, run: Callable[[], str]) -> Check:
    started = time.monotonic()
    try:
        detail = run()
    except (OSError, SeminePluginsError) as exc:
        return Check(
            name=name,
            title=title,
            status=CheckStatus.FAILED,
            elapsed=time.monotonic() - started,
            detail=str(exc),
            hint=hint,
        )
    return Check(
        name=name,
        title=title,
        status=CheckStatus.PASSED,
        elapsed=time.monotonic() - started,
        detail=detail,
    )


def _skipped(name: str, title: str, why: str) -> Check:
    return Check(name=name, title=title, status=CheckStatus.SKIPPED, detail=why)


def test_connection(ctx: IntegrationContext) -> ConnectionReport:
    """Check the inbox, outbox, done and failed folders, then SEMINE."""
    s: FolderSettings = ctx.settings
    checks = [
        _check(
            "inbox",
            f"inbox folder {s.inbox}",
            "create the folder, mount the share, or correct 'inbox'",
            lambda: _writable(s.inbox, create=False),
        )
    ]
    for key, folder in (("done_folder", s.done), ("failed_folder", s.failed)):
        title = f"{key.replace('_', ' ')} {folder}"
        if checks[0].status is CheckStatus.FAILED and folder.is_relative_to(s.inbox):
            checks.append(_skipped(key, title, "the inbox is not usable"))
            continue
        checks.append(
            _check(
                key,
                title,
                f"check the permissions of {folder} or correct '{key}'",
                functools.partial(_writable, folder, create=True),
            )
        )
    checks.append(
        _check(
            "outbox",
            f"outbox folder {s.outbox}",
            "create the folder, mount the share, or correct 'outbox'",
            lambda: _writable(s.outbox, create=False),
        )
    )

    def semine_auth() -> str:
        ctx.semine.authenticate()
        ref = ctx.semine.resolve_client()
        who = ctx.semine_access.email or "a personal access token"
        return f"logged in to {ctx.semine_access.url} as {who}; client {ref.name or ref.client_id}"

    checks.append(
        _check(
            "semine",
            "SEMINE login and client",
            "check semine_url, semine_email and semine_password (or semine_token), "
            "and semine_client when the user sees several clients",
            semine_auth,
        )
    )
    return ConnectionReport(checks=checks)
