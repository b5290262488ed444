"""``semine-plugins demo``: the README's first command, end to end."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from click.testing import CliRunner

from semine_plugins.cli import cli
from semine_plugins.sandbox import sample_document


def test_demo_runs_the_main_job_and_says_where_everything_is(tmp_path):
    workspace = tmp_path / "ws"
    result = CliRunner().invoke(cli, ["demo", "--workspace", str(workspace)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "demo: everything went as designed." in out
    assert "send demo: 3 sent" in out
    assert "receive demo: 2 imported, 1 failed, 1 warning" in out
    assert "INV-7004-misplaced.xml" in out  # the root-folder warning names the file
    assert str(workspace) in out
    sftp = workspace / "sftp" / "invoices"
    assert sorted(p.name for p in (sftp / "processed").iterdir()) == [
        "INV-7001.xml",
        "INV-7002.XML",
    ]
    assert (sftp / "failed" / "INV-7003-broken.xml.error.txt").read_text().strip()
    assert sorted(p.name for p in sftp.glob("*.xml")) == ["1.xml", "2.xml", "3.xml"]
    # Secrets live in owner-only files, never in the configuration or the output.
    config = (workspace / "semine-plugins.toml").read_text()
    for name in ("ftp-password", "semine-password"):
        secret = (workspace / "secrets" / name).read_text().strip()
        assert secret not in config
        assert secret not in out
        assert oct((workspace / "secrets" / name).stat().st_mode & 0o777) == "0o600"


def test_demo_refuses_a_workspace_that_is_not_empty(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    result = CliRunner().invoke(cli, ["demo", "--workspace", str(tmp_path)])
    assert result.exit_code == 2
    assert "not empty" in result.output
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_demo_keep_running_serves_the_other_commands_until_signalled(tmp_path):
    workspace = tmp_path / "ws"
    args = ["demo", "--format", "json", "--workspace", str(workspace), "--keep-running"]
    demo = subprocess.Popen(
        [sys.executable, "-m", "semine_plugins", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert demo.stderr is not None
        for line in demo.stderr:  # log lines first, then the ready line
            if line.startswith("{"):
                ready = json.loads(line)
                break
        else:
            raise AssertionError("the demo ended before it was ready")
        assert ready["ready"] is True
        env = {**os.environ, **ready["env"]}
        arrived = workspace / "sftp" / "invoices" / "NEW-1.xml"
        arrived.write_bytes(sample_document("NEW-1"))
        past = time.time() - 60  # arrived a minute ago: past the stable-file wait
        os.utime(arrived, (past, past))
        receive = subprocess.run(
            [sys.executable, "-m", "semine_plugins", "receive", "demo", "--format", "json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert receive.returncode == 0, receive.stderr
        assert json.loads(receive.stdout)["counts"]["imported"] == 1
        # An impatient user: several signals at once still stop it cleanly.
        demo.send_signal(signal.SIGTERM)
        demo.send_signal(signal.SIGINT)
        demo.send_signal(signal.SIGTERM)
        out, _ = demo.communicate(timeout=60)
        assert demo.returncode == 0
        assert json.loads(out)["as_expected"] is True
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.communicate()


def test_demo_needs_no_test_tools():
    """The demo runs on a user's machine, where pytest is not installed."""
    code = (
        "import sys; sys.modules['pytest'] = None\n"
        "from semine_plugins._demo import demo\n"
        "from semine_plugins.testing.sftp import SFTPServer\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
