"""The Ftp Plugin's own settings rules, beyond what the field types say."""

from __future__ import annotations

import posixpath

import attrs

from semine_plugins import FieldError, SettingsError
from semine_plugins_ftp._settings import FtpSettings

__all__ = ["check_settings", "normalize_folder"]


def normalize_folder(path: str) -> str:
    """Return a folder path in one spelling: no trailing slash, no ``.`` or doubled slashes."""
    path = path.strip()
    if not path:
        return path
    normalized = posixpath.normpath(path)
    if path.startswith("//"):  # normpath keeps a leading "//"; SFTP has no such thing
        normalized = "/" + normalized.lstrip("/")
    return normalized


def _folder_problem(label: str, path: str) -> str | None:
    if "\\" in path:
        return f"{label} uses backslashes; SFTP paths use '/' (e.g. /invoices/in)"
    if any(ord(c) < 32 for c in path):
        return f"{label} contains control characters"
    if ".." in path.split("/"):
        return f"{label} may not contain '..'; give the folder's full path"
    return None


def check_settings(settings: FtpSettings, integration: str) -> FtpSettings:
    """Check the rules only the Ftp Plugin knows; return normalised settings.

    :raises SettingsError: every problem at once: a host that is a URL or has
        spaces, folders that are the same, malformed folder paths.
    """
    errors: list[FieldError] = []

    def err(field: str, message: str) -> None:
        errors.append(FieldError(field=field, message=message, integration=integration))

    host = settings.host.strip()
    if "://" in host:
        err(
            "host",
            f"Host must be a host name or IP address, not a URL ({host!r}); "
            "write only the name, e.g. sftp.example.no, and the port in 'port'",
        )
    elif not host or any(c.isspace() for c in host) or "/" in host:
        err("host", f"Host {host!r} is not a host name or IP address")

    main = normalize_folder(settings.folder)
    folders: dict[str, str | None] = {
        "folder": main,
        "success_folder": normalize_folder(settings.success_folder or "") or None,
        "failure_folder": normalize_folder(settings.failure_folder or "") or None,
    }
    labels = {
        "folder": "Ftp folder",
        "success_folder": "Success folder",
        "failure_folder": "Failure folder",
    }
    for key, label in labels.items():
        value: str | None = getattr(settings, key)
        if value:  # checked as written: normalising first would hide a '..'
            problem = _folder_problem(label, value.strip())
            if problem:
                err(key, problem)
    for key in ("success_folder", "failure_folder"):
        if folders[key] is not None and folders[key] == main:
            err(
                key,
                f"{labels[key]} may not be the main folder ({main}): files moved there "
                "would be read again on the next run; use a subfolder such as "
                f"{posixpath.join(main, 'processed' if key == 'success_folder' else 'failed')}",
            )
    if (
        folders["success_folder"] is not None
        and folders["success_folder"] == folders["failure_folder"]
    ):
        err(
            "failure_folder",
            "Failure folder may not be the Success folder: "
            "failed files could not be told from imported ones",
        )
    if settings.private_key_passphrase is not None and settings.private_key_file is None:
        err("private_key_passphrase", "a passphrase is set but no private_key_file")
    if errors:
        raise SettingsError(f"invalid settings for integration {integration!r}", errors)
    return attrs.evolve(
        settings,
        host=host,
        folder=main,
        success_folder=folders["success_folder"],
        failure_folder=folders["failure_folder"],
    )
