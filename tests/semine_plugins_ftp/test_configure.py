"""The Ftp Plugin's settings rules, as the form and the config file see them."""

from __future__ import annotations

from typing import Any

import pytest

from semine_plugins import SettingsError, get_plugin_host

GOOD = {
    "host": "sftp.acme.no",
    "username": "semine",
    "password": "pw",
    "folder": "/invoices",
    "success_folder": "/invoices/processed",
    "failure_folder": "/invoices/failed",
}


def configure(**changes: Any) -> Any:
    raw = {**GOOD, **changes}
    return get_plugin_host().configure(
        "ftp", {k: v for k, v in raw.items() if v is not None}, integration="acme"
    )


def problems(**changes: Any) -> dict[str, str]:
    with pytest.raises(SettingsError) as info:
        configure(**changes)
    return {e.field: e.message for e in info.value.errors}


def test_good_settings_are_normalised():
    settings = configure(folder="/invoices/", success_folder="//invoices//processed/")
    assert settings.folder == "/invoices"
    assert settings.success_folder == "/invoices/processed"
    assert settings.port == 22


@pytest.mark.parametrize("port", [0, 65536, -1])
def test_port_outside_1_to_65535_is_refused(port):
    assert "port" in problems(port=port)


@pytest.mark.parametrize(
    ("host", "says"),
    [("", "Host"), ("sftp://sftp.acme.no", "not a URL"), ("sftp acme", "not a host name")],
)
def test_bad_hosts_are_refused_with_the_reason(host, says):
    assert says in problems(host=host)["host"]


@pytest.mark.parametrize(
    "folder", ["/invoices/../etc", "../invoices", "/invoices/..", "/a/../../b"]
)
def test_folders_with_dot_dot_are_refused_even_when_they_would_normalise(folder):
    assert "may not contain '..'" in problems(folder=folder)["folder"]


def test_success_or_failure_folder_equal_to_the_main_folder_is_refused_and_says_why():
    found = problems(success_folder="/invoices/")
    assert "read again on the next run" in found["success_folder"]
    assert "/invoices/processed" in found["success_folder"]
    assert "/invoices/failed" in problems(failure_folder="/invoices")["failure_folder"]


def test_every_problem_is_reported_at_once():
    found = problems(
        port=70000, host="", folder="C:\\invoices", failure_folder="/invoices/processed"
    )
    assert {"port", "host"} <= set(found)
    # the folder rules run once the field types are right, in the plugin's own check
    found = problems(host="ftp://x", folder="C:\\invoices", failure_folder="/invoices/processed")
    assert set(found) == {"host", "folder", "failure_folder"}
    assert "backslashes" in found["folder"]
    assert "may not be the Success folder" in found["failure_folder"]


def test_a_passphrase_without_a_key_is_refused():
    assert "private_key_file" in problems(private_key_passphrase="x")["private_key_passphrase"]
