"""Test Connection against a real SFTP server and the sandbox: ordered checks, never raises."""

from __future__ import annotations

import socket

from semine_plugins import CheckStatus, ConnectionReport


def statuses(report: ConnectionReport) -> dict[str, CheckStatus]:
    return {c.name: c.status for c in report.checks}


ORDER = [
    "dns",
    "tcp",
    "ssh",
    "auth",
    "folder",
    "write",
    "success_folder",
    "failure_folder",
    "semine_auth",
    "semine_client",
]


def test_all_checks_pass_and_first_key_is_recorded(world) -> None:
    """Every check passes; the first host key is trusted, recorded and reported."""
    report = world.check()
    assert [c.name for c in report.checks] == ORDER
    assert report.ok
    first = {c.name: c for c in report.checks}
    assert first["ssh"].status is CheckStatus.WARNING
    assert world.sftp.host_key_fingerprint in first["ssh"].detail
    assert "Acme AS" in first["semine_client"].detail
    assert world.sftp.path("invoices/processed").is_dir()  # created by the check
    assert world.files() == []  # the probe cleaned up
    again = {c.name: c for c in world.check().checks}
    assert again["ssh"].status is CheckStatus.PASSED
    assert "recorded" in again["ssh"].detail


def test_changed_host_key_is_refused_showing_both_fingerprints(world) -> None:
    """A server presenting another key fails the ssh check; later SFTP checks are skipped."""
    old = world.sftp.host_key_fingerprint
    assert world.check().ok
    new = world.sftp.replace_host_key()
    report = world.check()
    checks = {c.name: c for c in report.checks}
    assert checks["ssh"].status is CheckStatus.FAILED
    assert old in checks["ssh"].detail
    assert new in checks["ssh"].detail
    assert checks["auth"].status is CheckStatus.SKIPPED
    assert checks["semine_auth"].status is CheckStatus.PASSED
    assert not report.ok


def test_wrong_password_fails_the_login_check_without_showing_it(world) -> None:
    """A wrong Ftp password fails 'auth' with a hint; the password appears nowhere."""
    world.configure(password="definitely-wrong-pw")
    report = world.check()
    checks = {c.name: c for c in report.checks}
    assert checks["auth"].status is CheckStatus.FAILED
    assert "semine" in checks["auth"].detail
    assert "password" in checks["auth"].hint
    assert "definitely-wrong-pw" not in str(report.to_dict())


def test_unreachable_server_is_a_failed_check_not_an_exception(world) -> None:
    """Nothing listens on the port: 'tcp' fails and the rest is skipped."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    world.configure(port=port)
    report = world.check()
    assert statuses(report)["dns"] is CheckStatus.PASSED
    assert statuses(report)["tcp"] is CheckStatus.FAILED
    assert statuses(report)["write"] is CheckStatus.SKIPPED


def test_missing_main_folder_fails_the_folder_check(world) -> None:
    """A main folder that does not exist is named in the failure."""
    world.configure(folder="/nope", success_folder=None, failure_folder=None)
    checks = {c.name: c for c in world.check().checks}
    assert checks["folder"].status is CheckStatus.FAILED
    assert "/nope does not exist" in checks["folder"].detail


def test_wrong_semine_password_fails_semine_checks(world) -> None:
    """Wrong SEMINE credentials fail the SEMINE login, naming the email, not the password."""
    world.semine["semine_password"] = "not-the-password"
    checks = {c.name: c for c in world.check().checks}
    assert checks["semine_auth"].status is CheckStatus.FAILED
    assert "integration@acme.no" in checks["semine_auth"].detail
    assert "not-the-password" not in checks["semine_auth"].detail
    assert checks["semine_client"].status is CheckStatus.SKIPPED
    assert checks["write"].status is CheckStatus.PASSED
